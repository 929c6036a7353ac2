// The op package's aclnn API from torch_npu: dlopen of libcust_opapi.so, aclTensor views of the
// operands, and npu_launch_rules' RunAclnn with torch_npu's allocator, task queue and stream.
#include "torch_npu_aclnn.h"

#include <dlfcn.h>

#include <cstdlib>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

#include <c10/util/Exception.h>

#include "acl/acl.h"
#include "aclnn/acl_meta.h"
#include "torch_npu/csrc/core/npu/NPUStream.h"
#include "torch_npu/csrc/framework/OpCommand.h"

#include "npu_launch_rules.h"

namespace BceWithLogits {
namespace {

// The generated signatures (op_host/opp/README.md); aclnnStatus is an int32_t status, 0 = success.
using ForwardWorkspaceSize = int32_t (*)(const aclTensor* x, const aclTensor* target, const aclTensor* weight,
                                         const aclTensor* posWeight, int64_t reduction, const aclTensor* out,
                                         uint64_t* workspaceSize, aclOpExecutor** executor);
using GradWorkspaceSize = int32_t (*)(const aclTensor* x, const aclTensor* target, const aclTensor* weight,
                                      const aclTensor* posWeight, const aclTensor* gradOutput, int64_t reduction,
                                      bool gradTarget, const aclTensor* out, uint64_t* workspaceSize,
                                      aclOpExecutor** executor);
using Launch = int32_t (*)(void* workspace, uint64_t workspaceSize, aclOpExecutor* executor, aclrtStream stream);

constexpr const char* FORWARD_API = "aclnnBceWithLogits";
constexpr const char* GRAD_API = "aclnnBceWithLogitsGrad";
const std::string WORKSPACE_SUFFIX = "GetWorkspaceSize";

struct OpApi {
    ForwardWorkspaceSize forwardWorkspaceSize = nullptr;
    Launch forward = nullptr;
    GradWorkspaceSize gradWorkspaceSize = nullptr;
    Launch grad = nullptr;
};

template <typename F>
F Symbol(void* library, const std::string& name)
{
    return reinterpret_cast<F>(dlsym(library, name.c_str()));
}

// The first candidate library that exports all four functions; stays loaded for the process.
OpApi LoadOpApi()
{
    for (const std::string& path : OpApiLibraryCandidates(std::getenv("ASCEND_CUSTOM_OPP_PATH"),
                                                          std::getenv("ASCEND_OPP_PATH"))) {
        void* library = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (library == nullptr) {
            continue;
        }
        OpApi api;
        api.forwardWorkspaceSize = Symbol<ForwardWorkspaceSize>(library, FORWARD_API + WORKSPACE_SUFFIX);
        api.forward = Symbol<Launch>(library, FORWARD_API);
        api.gradWorkspaceSize = Symbol<GradWorkspaceSize>(library, GRAD_API + WORKSPACE_SUFFIX);
        api.grad = Symbol<Launch>(library, GRAD_API);
        if (api.forwardWorkspaceSize && api.forward && api.gradWorkspaceSize && api.grad) {
            return api;
        }
        dlclose(library);
    }
    return OpApi{};
}

const OpApi& Api()
{
    static const OpApi api = LoadOpApi();
    return api;
}

aclDataType AclDataType(const at::Tensor& t)
{
    switch (t.scalar_type()) {
        case at::kFloat: return ACL_FLOAT;
        case at::kHalf: return ACL_FLOAT16;
        case at::kBFloat16: return ACL_BF16;
        default: TORCH_CHECK_TYPE(false, "ascend_bce.bce_with_logits: dtype ", t.scalar_type(), " has no aclnn kernel");
    }
    return ACL_DT_UNDEFINED;
}

// An aclTensor view of a row-major tensor (the operands went through Plain()): its sizes, strides
// and offset over the whole storage, in ND format. Freed by the aclnn task after the launch.
aclTensor* View(const at::Tensor& t)
{
    const int64_t storageElements = static_cast<int64_t>(t.storage().nbytes() / t.itemsize());
    return aclCreateTensor(t.sizes().data(), t.dim(), AclDataType(t), t.strides().data(), t.storage_offset(),
                           ACL_FORMAT_ND, &storageElements, 1, const_cast<void*>(t.storage().data()));
}

aclTensor* View(const c10::optional<at::Tensor>& t) { return t.has_value() ? View(*t) : nullptr; }

// The converted operands of one call, freed together once the launch has been issued.
struct Views {
    std::vector<aclTensor*> tensors;

    aclTensor* Add(aclTensor* t)
    {
        tensors.push_back(t);
        return t;
    }

    void Release() const
    {
        for (aclTensor* t : tensors) {
            if (t != nullptr) {
                aclDestroyTensor(t);
            }
        }
    }
};

// torch_npu's pieces of the sequence: the workspace from the caching allocator (kept alive by the
// task, stream-ordered on the current stream), the task queue (OpCommand's custom handler, the
// pattern torch_npu extensions use), the current stream without flushing the queue.
void Run(const char* api, const at::Tensor& like, const Views& views,
         const std::function<int(uint64_t*, void**)>& workspaceSize, Launch launchFn)
{
    const aclrtStream stream = c10_npu::getCurrentNPUStream().stream(false);
    auto workspace = std::make_shared<at::Tensor>();
    AclnnCall call;
    call.getWorkspaceSize = workspaceSize;
    call.allocateWorkspace = [&like, workspace](uint64_t bytes) {
        *workspace = at::empty({static_cast<int64_t>(bytes)}, like.options().dtype(at::kByte));
        return workspace->data_ptr();
    };
    call.submit = [api](const std::function<int()>& task) {
        at_npu::native::OpCommand cmd;
        cmd.Name(api);
        cmd.SetCustomHandler(task);
        cmd.Run();
    };
    call.launch = [launchFn, stream, workspace](void* ws, uint64_t bytes, void* executor) {
        return static_cast<int>(launchFn(ws, bytes, static_cast<aclOpExecutor*>(executor), stream));
    };
    call.release = [views] { views.Release(); };
    try {
        RunAclnn(api, call);
    } catch (const std::runtime_error& e) {
        TORCH_CHECK(false, e.what());
    }
}

// An operand as the aclnn API takes it: a tensor as an aclTensor view, kept in `views` to be freed
// after the launch; an absent optional tensor as nullptr; a scalar attribute as it is.
aclTensor* Operand(Views& views, const at::Tensor& t) { return views.Add(View(t)); }
aclTensor* Operand(Views& views, const c10::optional<at::Tensor>& t) { return views.Add(View(t)); }
template <typename Scalar, typename = std::enable_if_t<std::is_arithmetic_v<Scalar>>>
Scalar Operand(Views&, Scalar value) { return value; }

// One aclnn call: the operands, in the generated API's order, as aclTensor views or scalars; the
// generated <api>GetWorkspaceSize on them, then <api> through Run. `like` places the workspace.
template <typename... Param, typename... Arg>
void CallAclnn(const char* api, int32_t (*workspaceSize)(Param...), Launch launch, const at::Tensor& like,
               const Arg&... args)
{
    Views views;
    // Braced initialisation converts the operands in order, as the API lists them.
    const std::tuple<decltype(Operand(views, args))...> operands{Operand(views, args)...};
    Run(api, like, views, [=](uint64_t* size, void** executor) {
        return std::apply([&](auto... operand) {
            return static_cast<int>(workspaceSize(operand..., size, reinterpret_cast<aclOpExecutor**>(executor)));
        }, operands);
    }, launch);
}

void RequireApi(const char* api)
{
    TORCH_CHECK(Api().forward != nullptr, "ascend_bce: ", api, " is not available: the op package (vendor ascend_bce) "
                "is not installed where ASCEND_CUSTOM_OPP_PATH / ASCEND_OPP_PATH point");
}

}  // namespace

bool AclnnAvailable() { return Api().forward != nullptr; }

void AclnnForward(const at::Tensor& x, const at::Tensor& y, const c10::optional<at::Tensor>& weight,
                  const c10::optional<at::Tensor>& posWeight, int64_t reduction, const at::Tensor& out)
{
    RequireApi(FORWARD_API);  // before any view is made
    CallAclnn(FORWARD_API, Api().forwardWorkspaceSize, Api().forward, x, x, y, weight, posWeight, reduction, out);
}

void AclnnGrad(const at::Tensor& x, const at::Tensor& y, const c10::optional<at::Tensor>& weight,
               const c10::optional<at::Tensor>& posWeight, const at::Tensor& gradOutput, int64_t reduction,
               bool gradTarget, const at::Tensor& out)
{
    RequireApi(GRAD_API);
    CallAclnn(GRAD_API, Api().gradWorkspaceSize, Api().grad, x, x, y, weight, posWeight, gradOutput, reduction,
              gradTarget, out);
}

}  // namespace BceWithLogits
