// Pure host logic of the torch_npu adapter: SoC-name and dtype mapping, TilingRequest building,
// device buffer sizes. No CANN or torch headers, so it compiles and is tested on any machine.
#ifndef BCE_WITH_LOGITS_NPU_REQUEST_H
#define BCE_WITH_LOGITS_NPU_REQUEST_H

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "../bce_with_logits_launch.h"
#include "../bce_with_logits_tiling.h"
#include "../bce_with_logits_validate.h"

namespace BceWithLogits {

// "Ascend910B1".."Ascend910B4" (what aclrtGetSocName() returns on Atlas A2) -> "910B1".."910B4",
// the presets of GetSocInfo(). Throws std::invalid_argument naming the SoC for anything else
// (other chips, or A2 variants whose core count we have no preset for).
std::string SocPresetFromSocName(const std::string& socName);

// torch dtype name -> DType. Accepts c10::toString(ScalarType) names ("Float", "Half",
// "BFloat16") and Python names ("float32", "float16", "bfloat16"); throws std::invalid_argument
// naming `argName` and the supported dtypes otherwise.
DType DTypeFromName(const std::string& name, const std::string& argName);

// One optional operand (weight, pos_weight) as the adapter sees it.
struct NpuOperand {
    std::vector<int64_t> shape;
    std::string dtype;  // a name DTypeFromName accepts
};

// Everything the adapter knows about one call, in plain types.
struct NpuCall {
    KernelKind kernel = KernelKind::FORWARD;
    std::vector<int64_t> inputShape;
    std::string inputDtype;
    std::vector<int64_t> targetShape;
    std::string targetDtype;
    std::optional<NpuOperand> weight;
    std::optional<NpuOperand> posWeight;
    int64_t reduction = 1;  // at::Reduction: 0 none, 1 mean, 2 sum
    std::optional<std::vector<int64_t>> gradOutputShape;  // backward only
    std::optional<std::string> gradOutputDtype;           // backward only
    std::string socName;                                  // aclrtGetSocName()
    // aclrtGetDeviceInfo(ACL_DEV_ATTR_VECTOR_CORE_NUM): the vector cores this process can use
    // (fewer than the SoC preset on a partitioned device); 0 = unknown, use the preset. The
    // forward's SyncAll deadlocks if blocks exceed the cores that can hold them at once.
    int64_t vectorCores = 0;
};

// Validates the call (dtypes, target == input in shape and dtype, reduction code, broadcast
// rules, grad_output shape and dtype for the backward) and builds the request ComputeTiling takes.
// Throws std::invalid_argument with a message naming the argument and the rule.
TilingRequest BuildTilingRequest(const NpuCall& call);

// The tiling both adapters launch with: ComputeTiling(req), then Validate against req.soc (the
// device's vector cores), so no launch ever takes a tiling the kernels cannot trust.
TilingData ComputeCheckedTiling(const TilingRequest& req);

// Reduction from an at::Reduction code; throws std::invalid_argument outside 0..2.
Reduction ReductionFromCode(int64_t code);

// Bytes of the GM workspace the launch needs (PlanLaunch): the forward, a MIX kernel, always gets
// the 16 MiB system part plus max(tiling.workspaceBytes, 32); the backward 0 (nullptr).
uint64_t LaunchWorkspaceBytes(const TilingData& tiling);

// The tiling struct as the bytes the kernel reads through its `tiling` pointer.
std::vector<uint8_t> TilingBytes(const TilingData& tiling);

// What an empty input (N = 0) returns without a launch, as torch does: 'none' -> an empty
// tensor, 'mean' -> NaN, 'sum' -> 0. Only meaningful for MEAN and SUM.
float EmptyReductionValue(Reduction reduction);

}  // namespace BceWithLogits

#endif  // BCE_WITH_LOGITS_NPU_REQUEST_H
