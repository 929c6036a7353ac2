// MindSpore CPU "aot" custom ops that run the kernels in cpu_sim: the stand-in of the op package's
// aclnnBceWithLogits / aclnnBceWithLogitsGrad in MindSpore graphs (GRAPH_MODE, jit, dynamic shapes).
// MindSpore dlopens this module's own file (already loaded by Python, so the simulator state is
// shared) and calls the entry points below; ascend_bce/mindspore/_aot.py builds the ops.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "bindings.h"
#include "kernel_operator.h"
#include "mindspore_aot_call.h"
#include "op_host/bce_with_logits_launch.h"
#include "op_host/bce_with_logits_shape.h"

extern "C" void bce_with_logits(GM_ADDR input, GM_ADDR target, GM_ADDR weight, GM_ADDR posWeight,
                                GM_ADDR out, GM_ADDR workspace, GM_ADDR tiling);
extern "C" void bce_with_logits_grad(GM_ADDR input, GM_ADDR target, GM_ADDR weight, GM_ADDR posWeight,
                                     GM_ADDR gradOutput, GM_ADDR result, GM_ADDR workspace, GM_ADDR tiling);

namespace BceWithLogits {
namespace {

// The simulated device: the preset the Python paths simulate too (aclrtGetSocName() spelling).
constexpr const char* SIM_SOC_NAME = "Ascend910B1";
// MindSpore's aot contract: 0 = success; anything else makes MindSpore raise.
constexpr int AOT_SUCCESS = 0;
constexpr int AOT_FAILURE = 1;
// mint's 'mean' of an empty input is NaN: its quiet NaN as IEEE half; bf16 is the top half of fp32.
constexpr uint16_t FP16_QUIET_NAN_BITS = 0x7E00;
constexpr int BF16_SHIFT = 16;

std::mutex errorMutex;
std::string lastError;
std::mutex statsMutex;
cpu_sim::KernelStats lastStats;  // of the launch that made launchCount what it is
std::atomic<uint64_t> launchCount{0};

void RecordError(const AotSignature& sig, const std::string& what)
{
    const std::string message = "ascend_bce (MindSpore aot op " + AotEntryName(sig) + "): " + what;
    std::fprintf(stderr, "%s\n", message.c_str());  // MindSpore reports only the failed launch
    const std::lock_guard<std::mutex> lock(errorMutex);
    lastError = message;
}

// 'mean'/'sum' of an empty input without a launch (mint: NaN, 0), in the output's dtype.
void WriteEmptyReduction(void* out, DType dtype, Reduction reduction)
{
    const float value = EmptyReductionValue(reduction);
    if (dtype == DType::FLOAT32) {
        std::memcpy(out, &value, sizeof value);
        return;
    }
    uint32_t bits = 0;
    std::memcpy(&bits, &value, sizeof bits);
    const uint16_t half = reduction == Reduction::MEAN ? FP16_QUIET_NAN_BITS : 0;
    const uint16_t stored = dtype == DType::BFLOAT16 ? static_cast<uint16_t>(bits >> BF16_SHIFT) : half;
    std::memcpy(out, &stored, sizeof stored);
}

cpu_sim::GmBuffer Buffer(void* data, const Shape& shape, DType dtype, const char* name)
{
    return cpu_sim::GmBuffer{data, NumElements(shape) * DTypeBytes(dtype), name};
}

void Launch(const AotSignature& sig, void** params, const NpuCall& call, const TilingRequest& req)
{
    TilingData tiling = ComputeCheckedTiling(req);
    const LaunchPlan plan = PlanLaunch(tiling);
    std::vector<uint8_t> workspace(plan.userWorkspaceBytes);
    const size_t outIndex = sig.NumInputs();
    const DType weightDtype = req.weight.dtype;
    const DType posWeightDtype = req.posWeight.dtype;
    size_t next = 2;
    void* weight = sig.hasWeight ? params[next++] : nullptr;
    void* posWeight = sig.hasPosWeight ? params[next++] : nullptr;
    void* gradOutput = sig.kernel == KernelKind::FORWARD ? nullptr : params[next];
    const Shape outShape = sig.kernel == KernelKind::FORWARD ? OutputShape(call.inputShape, req.reduction)
                                                             : call.inputShape;
    std::vector<cpu_sim::GmBuffer> gm{Buffer(params[0], call.inputShape, req.dtype, "input"),
                                      Buffer(params[1], call.targetShape, req.dtype, "target"),
                                      Buffer(params[outIndex], outShape, req.dtype, "out"),
                                      {&tiling, sizeof tiling, "tiling"}};
    if (!workspace.empty()) {
        gm.push_back({workspace.data(), workspace.size(), "workspace"});
    }
    if (weight != nullptr) {
        gm.push_back(Buffer(weight, call.weight->shape, weightDtype, "weight"));
    }
    if (posWeight != nullptr) {
        gm.push_back(Buffer(posWeight, call.posWeight->shape, posWeightDtype, "pos_weight"));
    }
    if (gradOutput != nullptr) {
        gm.push_back(Buffer(gradOutput, *call.gradOutputShape, req.dtype, "grad_output"));
    }
    cpu_sim::LaunchConfig config;
    config.blockDim = plan.blockDim;
    config.soc = &cpu_sim::GetSoc(req.soc.name);
    config.workspaceBytes = plan.userWorkspaceBytes;
    config.batchMode = plan.batchMode;
    config.residentCores = req.soc.vectorCores;
    // No interrupt poll: MindSpore runs this on its own thread, which must not take the GIL.
    const auto x = static_cast<GM_ADDR>(params[0]);
    const auto y = static_cast<GM_ADDR>(params[1]);
    const auto out = static_cast<GM_ADDR>(params[outIndex]);
    const auto ws = workspace.empty() ? nullptr : workspace.data();
    const auto tilingAddr = reinterpret_cast<GM_ADDR>(&tiling);
    cpu_sim::KernelStats stats = cpu_sim::Launch(config, gm, [&] {
        if (sig.kernel == KernelKind::FORWARD) {
            bce_with_logits(x, y, static_cast<GM_ADDR>(weight), static_cast<GM_ADDR>(posWeight), out, ws, tilingAddr);
        } else {
            bce_with_logits_grad(x, y, static_cast<GM_ADDR>(weight), static_cast<GM_ADDR>(posWeight),
                                 static_cast<GM_ADDR>(gradOutput), out, ws, tilingAddr);
        }
    });
    const std::lock_guard<std::mutex> lock(statsMutex);
    lastStats = std::move(stats);
    ++launchCount;
}

int RunAot(const AotSignature& sig, int nparam, void** params, int* ndims, int64_t** shapes,
           const char** dtypes) noexcept
{
    try {
        if (nparam < 0 || static_cast<size_t>(nparam) != sig.NumInputs() + 1) {
            throw std::invalid_argument("expected " + std::to_string(sig.NumInputs() + 1) + " tensors, got " +
                                        std::to_string(nparam));
        }
        const NpuCall call = AotCall(sig, ndims, shapes, dtypes, SIM_SOC_NAME);
        const TilingRequest req = BuildTilingRequest(call);
        if (NumElements(call.inputShape) == 0) {  // nothing to launch; mint's values
            if (sig.kernel == KernelKind::FORWARD && req.reduction != Reduction::NONE) {
                WriteEmptyReduction(params[sig.NumInputs()], req.dtype, req.reduction);
            }
            return AOT_SUCCESS;
        }
        Launch(sig, params, call, req);
        return AOT_SUCCESS;
    } catch (const std::exception& e) {
        RecordError(sig, e.what());
        return AOT_FAILURE;
    }
}

}  // namespace
}  // namespace BceWithLogits

// One launch entry and one infer-shape function per signature (names: AotEntryName). Exported
// from the extension (built with hidden visibility) for MindSpore's dlsym.
#define BCE_AOT_EXPORT extern "C" __attribute__((visibility("default")))
#define BCE_AOT_ENTRY(kindName, kind, redName, red, opsName, hasW, hasP)                                          \
    BCE_AOT_EXPORT int BceWithLogitsAot##kindName##redName##opsName(int nparam, void** params, int* ndims,         \
                                                                    int64_t** shapes, const char** dtypes,       \
                                                                    void* /*stream*/, void* /*extra*/)           \
    {                                                                                                             \
        using namespace BceWithLogits;                                                                            \
        return RunAot(AotSignature{KernelKind::kind, Reduction::red, hasW, hasP}, nparam, params, ndims, shapes,  \
                      dtypes);                                                                                    \
    }                                                                                                             \
    BCE_AOT_EXPORT std::vector<int64_t> BceWithLogitsAot##kindName##redName##opsName##InferShape(                 \
        int* ndims, int64_t** shapes, void* /*extra*/)                                                            \
    {                                                                                                             \
        using namespace BceWithLogits;                                                                            \
        return AotInferShape(AotSignature{KernelKind::kind, Reduction::red, hasW, hasP}, ndims, shapes);          \
    }
#define BCE_AOT_OPERANDS(kindName, kind, redName, red)                \
    BCE_AOT_ENTRY(kindName, kind, redName, red, XY, false, false)     \
    BCE_AOT_ENTRY(kindName, kind, redName, red, XYW, true, false)     \
    BCE_AOT_ENTRY(kindName, kind, redName, red, XYP, false, true)     \
    BCE_AOT_ENTRY(kindName, kind, redName, red, XYWP, true, true)
#define BCE_AOT_REDUCTIONS(kindName, kind)                 \
    BCE_AOT_OPERANDS(kindName, kind, None, NONE)           \
    BCE_AOT_OPERANDS(kindName, kind, Mean, MEAN)           \
    BCE_AOT_OPERANDS(kindName, kind, Sum, SUM)

BCE_AOT_REDUCTIONS(Forward, FORWARD)
BCE_AOT_REDUCTIONS(Backward, BACKWARD)
BCE_AOT_REDUCTIONS(TargetBackward, BACKWARD_TARGET)

void BindMindSporeAot(pybind11::module_& m)
{
    namespace py = pybind11;
    py::module_ aot = m.def_submodule("mindspore_aot", "MindSpore CPU aot custom ops over the simulator");
    aot.def("entry_names", [] {
        std::vector<std::string> names;
        for (const auto& sig : BceWithLogits::AllAotSignatures()) {
            names.push_back(BceWithLogits::AotEntryName(sig));
        }
        return names;
    }, "The exported aot entry points (each has <name>InferShape too).");
    aot.def("launch_count", [] { return BceWithLogits::launchCount.load(); },
            "Kernel launches the aot entry points have made in this process.");
    aot.def("last_stats", [] {
        const std::lock_guard<std::mutex> lock(BceWithLogits::statsMutex);
        return BceWithLogits::lastStats;
    }, "The KernelStats of the last launch an aot entry point made (meaningful once launch_count() > 0).");
    aot.def("last_error", [] {
        const std::lock_guard<std::mutex> lock(BceWithLogits::errorMutex);
        return BceWithLogits::lastError;
    }, "The message of the last failed aot call ('' if none).");
}
