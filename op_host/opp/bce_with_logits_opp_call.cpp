// Pure host logic of the op package: shape/dtype inference and the launch plan of one call.
#include "bce_with_logits_opp_call.h"

#include <algorithm>
#include <limits>
#include <stdexcept>

#include "../bce_with_logits_launch.h"
#include "../cann/npu_request.h"

namespace BceWithLogits {
namespace {

// The request builder of the kernel-launch adapters validates everything (dtypes, target == x,
// broadcast rules, reduction code, grad_output) and caps the blocks at the device's cores. The
// op package has no SoC name, only PlatformAscendC's counts: it starts from the largest A2 preset
// and lets the platform's vector cores and UB size replace the preset's.
constexpr const char* LARGEST_A2_SOC = "Ascend910B1";
// InferShape sees no dtypes: any supported one lets the shape rules run alone.
constexpr const char* SHAPE_ONLY_DTYPE = "float32";

std::string DTypeOr(const std::string& dtype, bool shapesOnly)
{
    return shapesOnly ? SHAPE_ONLY_DTYPE : dtype;
}

std::optional<NpuOperand> Operand(const std::optional<OppTensor>& t, bool shapesOnly)
{
    if (!t) {
        return std::nullopt;
    }
    return NpuOperand{t->shape, DTypeOr(t->dtype, shapesOnly)};
}

NpuCall ToNpuCall(const OppCall& call, bool shapesOnly)
{
    NpuCall c;
    c.kernel = call.kernel;
    c.inputShape = call.x.shape;
    c.inputDtype = DTypeOr(call.x.dtype, shapesOnly);
    c.targetShape = call.target.shape;
    c.targetDtype = DTypeOr(call.target.dtype, shapesOnly);
    c.weight = Operand(call.weight, shapesOnly);
    c.posWeight = Operand(call.posWeight, shapesOnly);
    c.reduction = call.reduction;
    if (call.gradOutput) {
        c.gradOutputShape = call.gradOutput->shape;
        c.gradOutputDtype = DTypeOr(call.gradOutput->dtype, shapesOnly);
    }
    c.socName = LARGEST_A2_SOC;
    return c;
}

// Graph compilation of a dynamic shape passes -1 for an unknown dim and [-2] for an unknown rank.
bool HasUnknownDims(const OppCall& call)
{
    std::vector<const OppTensor*> tensors{&call.x, &call.target};
    for (const std::optional<OppTensor>* t : {&call.weight, &call.posWeight, &call.gradOutput}) {
        if (*t) {
            tensors.push_back(&**t);
        }
    }
    for (const OppTensor* t : tensors) {
        if (std::any_of(t->shape.begin(), t->shape.end(), [](int64_t d) { return d < 0; })) {
            return true;
        }
    }
    return false;
}

}  // namespace

KernelKind GradKernelKind(bool gradTarget)
{
    return gradTarget ? KernelKind::BACKWARD_TARGET : KernelKind::BACKWARD;
}

std::vector<int64_t> InferOutputShape(const OppCall& call)
{
    if (HasUnknownDims(call)) {
        // Nothing to check yet (the TilingFunc checks the real shapes): propagate x's dims.
        const Reduction reduction = ReductionFromCode(call.reduction);
        return call.kernel == KernelKind::FORWARD && reduction != Reduction::NONE ? std::vector<int64_t>{}
                                                                                  : call.x.shape;
    }
    const TilingRequest req = BuildTilingRequest(ToNpuCall(call, true));
    return call.kernel == KernelKind::FORWARD ? OutputShape(req.inputShape, req.reduction) : req.inputShape;
}

DType InferOutputDType(const OppCall& call)
{
    NpuCall c = ToNpuCall(call, false);
    // Shapes are InferShape's job (InferDataType sees none): check dtypes on 0-d stand-ins.
    c.inputShape = c.targetShape = {};
    for (std::optional<NpuOperand>* operand : {&c.weight, &c.posWeight}) {
        if (*operand) {
            (*operand)->shape = {};
        }
    }
    // The reduction is InferShape's and the TilingFunc's to check; SUM lets a 0-d grad_output pass.
    c.reduction = static_cast<int64_t>(Reduction::SUM);
    if (c.gradOutputShape) {
        c.gradOutputShape = std::vector<int64_t>{};
    }
    return BuildTilingRequest(c).dtype;
}

OppLaunch PlanOppLaunch(const OppCall& call, const OppPlatform& platform)
{
    if (platform.vectorCores == 0 || platform.ubBytes == 0) {
        throw std::invalid_argument("platform: reports " + std::to_string(platform.vectorCores) +
                                    " vector cores and " + std::to_string(platform.ubBytes) + " B of UB");
    }
    NpuCall c = ToNpuCall(call, false);
    c.vectorCores = platform.vectorCores;
    TilingRequest req = BuildTilingRequest(c);
    req.soc.ubBytes = static_cast<uint32_t>(std::min<uint64_t>(platform.ubBytes, std::numeric_limits<uint32_t>::max()));
    OppLaunch launch{};
    launch.tiling = ComputeCheckedTiling(req);
    const LaunchPlan plan = PlanLaunch(launch.tiling);
    launch.blockDim = plan.blockDim;
    launch.scheduleMode = plan.batchMode ? SCHEDULE_MODE_BATCH : SCHEDULE_MODE_NORMAL;
    launch.tilingKey = TILING_KEY_DEFAULT;
    // The kernel's GetUserWorkspace() skips the system part: reserve it whenever we use ours.
    launch.workspaceBytes = plan.userWorkspaceBytes == 0 ? 0 : platform.systemWorkspaceBytes + plan.userWorkspaceBytes;
    return launch;
}

std::vector<DTypeRow> SupportedDTypeRows()
{
    constexpr DType ALL[] = {DType::FLOAT16, DType::FLOAT32, DType::BFLOAT16};
    std::vector<DTypeRow> rows;
    for (DType value : ALL) {
        for (DType weight : ALL) {
            for (DType posWeight : ALL) {
                rows.push_back({value, weight, posWeight});
            }
        }
    }
    return rows;
}

}  // namespace BceWithLogits
