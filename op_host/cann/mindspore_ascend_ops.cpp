// MindSpore (Ascend, PyNative) custom ops of bce_with_logits: host tiling with the pure op_host
// logic, one kernel launch on MindSpore's stream. Compiled on the Ascend host by
// mindspore.ops.CustomOpBuilder (python/ascend_bce/_mindspore_ascend.py) together with
// npu_request.cpp and op_host/*.cpp, and linked with libascend_bce_ms_launch.so
// (cmake/mindspore_ascend), which holds the kernels.
//
// Follows MindSpore's "CustomOpBuilder-Based Custom Operators" tutorial: a PyboostRunner subclass
// per kernel (CalcWorkspace + LaunchKernel), an Eval function that makes the output tensors and
// calls Run, an entry function that returns PyboostRunner::Call<1>(Eval, args...), and
// PYBIND11_MODULE(MS_EXTENSION_NAME, m). The pipeline: the entry runs in the Python thread; Eval in
// the frontend task (tiling here); CalcWorkspace after the inputs are on the device; LaunchKernel in
// the launch task, on stream().
//
// The tiling struct travels as one more input: a host uint8 tensor (ms::tensor) that MindSpore
// copies to the device in stream order before the launch, like any host tensor input.
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "ms_extension/api.h"

#include "acl/acl.h"

#include "acl_device.h"
#include "mindspore_kernel_launch.h"
#include "npu_request.h"

namespace {

using namespace BceWithLogits;

// Positions in the runners' input lists. Absent weight/pos_weight are undefined ms::Tensor
// placeholders, which PyboostRunner skips when it moves inputs to the device.
enum InputIndex : size_t { X = 0, Y, WEIGHT, POS_WEIGHT, TILING_FORWARD, GRAD_OUTPUT = 4, TILING_GRAD };

// ms::TypeId -> the dtype names DTypeFromName accepts; anything else is reported by its number.
std::string DTypeName(ms::TypeId type)
{
    switch (type) {
        case ms::TypeId::kNumberTypeFloat32:
            return "float32";
        case ms::TypeId::kNumberTypeFloat16:
            return "float16";
        case ms::TypeId::kNumberTypeBFloat16:
            return "bfloat16";
        default:
            return "TypeId(" + std::to_string(static_cast<int>(type)) + ")";
    }
}

// aclrtGetSocName() once per process ("Ascend910B1".."Ascend910B4" on Atlas A2).
const std::string& SocName()
{
    static const std::string name = [] {
        const char* soc = aclrtGetSocName();
        if (soc == nullptr) {
            throw std::runtime_error("ascend_bce: aclrtGetSocName() failed (no Ascend device visible?)");
        }
        return std::string(soc);
    }();
    return name;
}

std::optional<NpuOperand> Describe(const std::optional<ms::Tensor>& t)
{
    if (!t.has_value() || !t->is_defined()) {
        return std::nullopt;
    }
    return NpuOperand{t->shape(), DTypeName(t->data_type())};
}

ms::Tensor OrPlaceholder(const std::optional<ms::Tensor>& t) { return t.has_value() ? *t : ms::Tensor(); }

NpuCall DescribeCall(KernelKind kind, const ms::Tensor& input, const ms::Tensor& target,
                     const std::optional<ms::Tensor>& weight, const std::optional<ms::Tensor>& posWeight,
                     int64_t reduction)
{
    NpuCall call;
    call.kernel = kind;
    call.inputShape = input.shape();
    call.inputDtype = DTypeName(input.data_type());
    call.targetShape = target.shape();
    call.targetDtype = DTypeName(target.data_type());
    call.weight = Describe(weight);
    call.posWeight = Describe(posWeight);
    call.reduction = reduction;
    call.socName = SocName();
    // The runner's stream is known only at launch: the default stream's limit is the process's.
    call.vectorCores = CurrentVectorCores(nullptr);
    return call;
}

// The tiling and the checks of one call; an empty input never reaches a launch (the Python side
// returns torch's values for it without calling the op).
TilingData Tiling(const NpuCall& call, const ms::Tensor& input)
{
    const TilingRequest req = BuildTilingRequest(call);  // std::invalid_argument naming the argument
    if (input.numel() == 0) {
        throw std::invalid_argument("input: empty tensors are handled by ascend_bce.mindspore without a launch");
    }
    return ComputeCheckedTiling(req);
}

// The TilingData bytes as a host uint8 tensor (ms::tensor converts each value to the dtype).
ms::Tensor TilingTensor(const TilingData& tiling)
{
    const std::vector<uint8_t> bytes = TilingBytes(tiling);
    return ms::tensor(std::vector<int64_t>(bytes.begin(), bytes.end()), ms::TypeId::kNumberTypeUInt8);
}

void* Addr(const ms::Tensor& t) { return t.is_defined() ? t.GetDataPtr() : nullptr; }

void CheckStatus(uint32_t status, const std::string& kernel)
{
    if (status != 0) {
        throw std::runtime_error("ascend_bce: launching kernel " + kernel + " failed with status " +
                                 std::to_string(status));
    }
}

// Forward: inputs {x, y, weight?, pos_weight?, tiling}, outputs {loss}.
class ForwardRunner : public ms::pynative::PyboostRunner {
public:
    ForwardRunner(const std::string& opName, const TilingData& tiling) : PyboostRunner(opName), tiling_(tiling) {}

    // The A2 system workspace + one fp32 partial per tile (at least 32 B: the forward is a MIX
    // kernel, which must not get a zero-size workspace, 'none' included).
    size_t CalcWorkspace() override { return static_cast<size_t>(LaunchWorkspaceBytes(tiling_)); }

    void LaunchKernel() override
    {
        const auto& in = inputs();
        CheckStatus(AscendBceLaunchForward(tiling_.blockDim, stream(), Addr(in[X]), Addr(in[Y]), Addr(in[WEIGHT]),
                                           Addr(in[POS_WEIGHT]), Addr(outputs()[0]), workspace_ptr(),
                                           Addr(in[TILING_FORWARD])),
                    "bce_with_logits");
    }

    static ms::Tensor Eval(const ms::Tensor& input, const ms::Tensor& target, const std::optional<ms::Tensor>& weight,
                           const std::optional<ms::Tensor>& posWeight, int64_t reduction)
    {
        const NpuCall call = DescribeCall(KernelKind::FORWARD, input, target, weight, posWeight, reduction);
        const TilingData tiling = Tiling(call, input);
        ms::Tensor out(input.data_type(), OutputShape(call.inputShape, ReductionFromCode(reduction)));
        auto runner = std::make_shared<ForwardRunner>("AscendBceWithLogits", tiling);
        runner->Run({input, target, OrPlaceholder(weight), OrPlaceholder(posWeight), TilingTensor(tiling)}, {out});
        return out;
    }

private:
    TilingData tiling_;
};

// Backward (dL/dinput or dL/dtarget): inputs {x, y, weight?, pos_weight?, grad_output, tiling},
// outputs {grad}. No workspace: the kernel gets nullptr in that slot.
class GradRunner : public ms::pynative::PyboostRunner {
public:
    GradRunner(const std::string& opName, const TilingData& tiling) : PyboostRunner(opName), tiling_(tiling) {}

    void LaunchKernel() override
    {
        const auto& in = inputs();
        CheckStatus(AscendBceLaunchGrad(tiling_.blockDim, stream(), Addr(in[X]), Addr(in[Y]), Addr(in[WEIGHT]),
                                        Addr(in[POS_WEIGHT]), Addr(in[GRAD_OUTPUT]), Addr(outputs()[0]), nullptr,
                                        Addr(in[TILING_GRAD])),
                    "bce_with_logits_grad");
    }

    static ms::Tensor EvalKind(KernelKind kind, const ms::Tensor& gradOutput, const ms::Tensor& input,
                          const ms::Tensor& target, const std::optional<ms::Tensor>& weight,
                          const std::optional<ms::Tensor>& posWeight, int64_t reduction)
    {
        NpuCall call = DescribeCall(kind, input, target, weight, posWeight, reduction);
        call.gradOutputShape = gradOutput.shape();
        call.gradOutputDtype = DTypeName(gradOutput.data_type());
        const TilingData tiling = Tiling(call, input);
        ms::Tensor grad(input.data_type(), input.shape());
        auto runner = std::make_shared<GradRunner>(
            kind == KernelKind::BACKWARD ? "AscendBceWithLogitsGrad" : "AscendBceWithLogitsTargetGrad", tiling);
        runner->Run(
            {input, target, OrPlaceholder(weight), OrPlaceholder(posWeight), gradOutput, TilingTensor(tiling)},
            {grad});
        return grad;
    }

    static ms::Tensor EvalInput(const ms::Tensor& gradOutput, const ms::Tensor& input, const ms::Tensor& target,
                                const std::optional<ms::Tensor>& weight, const std::optional<ms::Tensor>& posWeight,
                                int64_t reduction)
    {
        return EvalKind(KernelKind::BACKWARD, gradOutput, input, target, weight, posWeight, reduction);
    }

    static ms::Tensor EvalTarget(const ms::Tensor& gradOutput, const ms::Tensor& input, const ms::Tensor& target,
                                 const std::optional<ms::Tensor>& weight, const std::optional<ms::Tensor>& posWeight,
                                 int64_t reduction)
    {
        return EvalKind(KernelKind::BACKWARD_TARGET, gradOutput, input, target, weight, posWeight, reduction);
    }

private:
    TilingData tiling_;
};

// Entry functions (Python thread): hand the call to MindSpore's PyNative pipeline.
py::object RunBceWithLogits(const ms::Tensor& input, const ms::Tensor& target, const std::optional<ms::Tensor>& weight,
                         const std::optional<ms::Tensor>& posWeight, int64_t reduction)
{
    return ms::pynative::PyboostRunner::Call<1>(ForwardRunner::Eval, input, target, weight, posWeight, reduction);
}

py::object RunBceWithLogitsBackward(const ms::Tensor& gradOutput, const ms::Tensor& input, const ms::Tensor& target,
                                 const std::optional<ms::Tensor>& weight, const std::optional<ms::Tensor>& posWeight,
                                 int64_t reduction)
{
    return ms::pynative::PyboostRunner::Call<1>(GradRunner::EvalInput, gradOutput, input, target, weight, posWeight,
                                                reduction);
}

py::object RunBceWithLogitsTargetBackward(const ms::Tensor& gradOutput, const ms::Tensor& input,
                                       const ms::Tensor& target, const std::optional<ms::Tensor>& weight,
                                       const std::optional<ms::Tensor>& posWeight, int64_t reduction)
{
    return ms::pynative::PyboostRunner::Call<1>(GradRunner::EvalTarget, gradOutput, input, target, weight,
                                                posWeight, reduction);
}

// Synchronous, for the Python loader: the device's SoC name and the tiling preset it maps to
// (std::invalid_argument -> ValueError naming the SoC when it is not an Atlas A2 preset).
std::string SocPreset() { return SocPresetFromSocName(SocName()); }

}  // namespace

// reduction: 0 none, 1 mean, 2 sum (as at::Reduction and the torch ops).
PYBIND11_MODULE(MS_EXTENSION_NAME, m)
{
    m.def("bce_with_logits", &RunBceWithLogits, "fused BCEWithLogitsLoss forward (one kernel launch)", py::arg("input"),
          py::arg("target"), py::arg("weight") = py::none(), py::arg("pos_weight") = py::none(),
          py::arg("reduction") = 1);
    m.def("bce_with_logits_backward", &RunBceWithLogitsBackward, "dL/dinput (one kernel launch)",
          py::arg("grad_output"), py::arg("input"), py::arg("target"), py::arg("weight") = py::none(),
          py::arg("pos_weight") = py::none(), py::arg("reduction") = 1);
    m.def("bce_with_logits_target_backward", &RunBceWithLogitsTargetBackward, "dL/dtarget (one kernel launch)",
          py::arg("grad_output"), py::arg("input"), py::arg("target"), py::arg("weight") = py::none(),
          py::arg("pos_weight") = py::none(), py::arg("reduction") = 1);
    m.def("soc_name", [] { return SocName(); }, "aclrtGetSocName() of the device");
    m.def("soc_preset", &SocPreset, "the Atlas A2 tiling preset of the device (ValueError for other SoCs)");
}
