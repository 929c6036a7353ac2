// Pure host logic of the torch_npu adapter: SoC-name and dtype mapping, TilingRequest building.
#include "npu_request.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <stdexcept>

namespace BceWithLogits {
namespace {

struct SocNameMap {
    const char* socName;  // aclrtGetSocName()
    const char* preset;   // GetSocInfo()
};

// Only the exact A2 names we have a core-count preset for: a preset with more cores than the
// device would make the forward's SyncAll wait for blocks that never run.
constexpr SocNameMap A2_SOCS[] = {
    {"Ascend910B1", "910B1"}, {"Ascend910B2", "910B2"}, {"Ascend910B3", "910B3"}, {"Ascend910B4", "910B4"}};

struct DTypeName {
    const char* torchName;   // c10::toString(ScalarType)
    const char* pythonName;  // str(torch.dtype) without "torch."
    DType dtype;
};

constexpr DTypeName DTYPE_NAMES[] = {{"Float", "float32", DType::FLOAT32},
                                     {"Half", "float16", DType::FLOAT16},
                                     {"BFloat16", "bfloat16", DType::BFLOAT16}};

std::optional<Shape> OperandShape(const std::optional<NpuOperand>& operand)
{
    return operand ? std::optional<Shape>(operand->shape) : std::nullopt;
}

OperandDesc Describe(const std::optional<NpuOperand>& operand, const std::string& argName)
{
    OperandDesc desc;
    if (operand) {
        desc.present = true;
        desc.dtype = DTypeFromName(operand->dtype, argName);
        desc.shape = operand->shape;
    }
    return desc;
}

void CheckGradOutput(const NpuCall& call, const TilingRequest& req)
{
    if (!call.gradOutputShape || !call.gradOutputDtype) {
        throw std::invalid_argument("grad_output: the backward needs grad_output");
    }
    // The loss's shape; for mean/sum any one-element shape (as the Python functional accepts).
    const Shape expected = OutputShape(call.inputShape, req.reduction);
    const bool oneElement = req.reduction != Reduction::NONE && NumElements(*call.gradOutputShape) == 1;
    if (*call.gradOutputShape != expected && !oneElement) {
        throw std::invalid_argument("grad_output: shape " + FormatShape(*call.gradOutputShape) +
                                    " must be the loss's shape " + FormatShape(expected));
    }
    if (DTypeFromName(*call.gradOutputDtype, "grad_output") != req.dtype) {
        throw std::invalid_argument("grad_output: dtype " + *call.gradOutputDtype +
                                    " must equal the input dtype " + call.inputDtype);
    }
}

}  // namespace

std::string SocPresetFromSocName(const std::string& socName)
{
    std::string valid;
    for (const SocNameMap& soc : A2_SOCS) {
        if (socName == soc.socName) {
            return soc.preset;
        }
        valid += (valid.empty() ? "" : ", ") + std::string(soc.socName);
    }
    throw std::invalid_argument("ascend_bce: SoC '" + socName +
                                "' is not supported; the NPU kernels are built for Atlas A2 (" + valid + ")");
}

DType DTypeFromName(const std::string& name, const std::string& argName)
{
    for (const DTypeName& entry : DTYPE_NAMES) {
        if (name == entry.torchName || name == entry.pythonName) {
            return entry.dtype;
        }
    }
    throw std::invalid_argument(argName + ": dtype " + name +
                                " is not supported (float32, float16 or bfloat16)");
}

Reduction ReductionFromCode(int64_t code)
{
    if (code < 0 || code > static_cast<int64_t>(Reduction::SUM)) {
        throw std::invalid_argument("reduction: code " + std::to_string(code) +
                                    " is not valid (0 = none, 1 = mean, 2 = sum)");
    }
    return static_cast<Reduction>(code);
}

TilingRequest BuildTilingRequest(const NpuCall& call)
{
    TilingRequest req;
    req.kernel = call.kernel;
    req.inputShape = call.inputShape;
    req.dtype = DTypeFromName(call.inputDtype, "input");
    if (DTypeFromName(call.targetDtype, "target") != req.dtype) {
        throw std::invalid_argument("target: dtype " + call.targetDtype + " must equal the input dtype " +
                                    call.inputDtype);
    }
    ValidateShapes(call.inputShape, call.targetShape, OperandShape(call.weight), OperandShape(call.posWeight));
    req.weight = Describe(call.weight, "weight");
    req.posWeight = Describe(call.posWeight, "pos_weight");
    req.reduction = ReductionFromCode(call.reduction);
    if (call.kernel != KernelKind::FORWARD) {  // both backward kinds take grad_output
        CheckGradOutput(call, req);
    }
    req.soc = GetSocInfo(SocPresetFromSocName(call.socName));
    if (call.vectorCores < 0) {
        throw std::invalid_argument("ascend_bce: the device reports " + std::to_string(call.vectorCores) +
                                    " vector cores");
    }
    if (call.vectorCores > 0 && static_cast<uint64_t>(call.vectorCores) < req.soc.vectorCores) {
        req.soc.vectorCores = static_cast<uint32_t>(call.vectorCores);
    }
    return req;
}

TilingData ComputeCheckedTiling(const TilingRequest& req)
{
    const TilingData tiling = ComputeTiling(req);
    Validate(tiling, req.soc);
    return tiling;
}

uint64_t LaunchWorkspaceBytes(const TilingData& tiling) { return PlanLaunch(tiling).deviceWorkspaceBytes; }

std::vector<uint8_t> TilingBytes(const TilingData& tiling)
{
    std::vector<uint8_t> bytes(sizeof(TilingData));
    std::memcpy(bytes.data(), &tiling, sizeof(TilingData));
    return bytes;
}

float EmptyReductionValue(Reduction reduction)
{
    return reduction == Reduction::MEAN ? std::numeric_limits<float>::quiet_NaN() : 0.0f;
}

}  // namespace BceWithLogits
