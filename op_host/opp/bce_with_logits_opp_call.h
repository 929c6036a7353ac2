// Pure host logic of the op package: one call as plain values (read from a gert context by the thin
// CANN layer) -> output shape, output dtype, and the launch (tiling, blockDim, schedule mode,
// workspace). No CANN headers, so CI compiles and runs it (tests/test_opp_host.py).
#ifndef BCE_WITH_LOGITS_OPP_CALL_H
#define BCE_WITH_LOGITS_OPP_CALL_H

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "../bce_with_logits_tiling.h"

namespace BceWithLogits {

// IR indices of the OpDef (bce_with_logits_def.cpp): inputs, then attrs. The kernel entries take
// the inputs in this order, then the output, workspace and tiling.
constexpr size_t IR_X = 0;
constexpr size_t IR_TARGET = 1;
constexpr size_t IR_WEIGHT = 2;
constexpr size_t IR_POS_WEIGHT = 3;
constexpr size_t IR_GRAD_OUTPUT = 4;       // BceWithLogitsGrad only
constexpr size_t ATTR_REDUCTION = 0;
constexpr size_t ATTR_GRAD_TARGET = 1;     // BceWithLogitsGrad only
constexpr int64_t DEFAULT_REDUCTION = 1;   // mean, as torch
// gert::TilingContext::SetScheduleMode values: 0 normal, 1 batch (every block resident at once,
// which the forward's SyncAll needs).
constexpr uint32_t SCHEDULE_MODE_NORMAL = 0;
constexpr uint32_t SCHEDULE_MODE_BATCH = 1;
// One kernel per OpType with a runtime dtype switch: no tiling-key branches.
constexpr uint64_t TILING_KEY_DEFAULT = 0;

struct OppTensor {
    std::vector<int64_t> shape;
    std::string dtype;  // "float32", "float16", "bfloat16", or the CANN name of anything else
};

struct OppCall {
    KernelKind kernel = KernelKind::FORWARD;  // BceWithLogitsGrad: BACKWARD or BACKWARD_TARGET
    OppTensor x;
    OppTensor target;
    std::optional<OppTensor> weight;
    std::optional<OppTensor> posWeight;
    std::optional<OppTensor> gradOutput;  // BceWithLogitsGrad only
    int64_t reduction = DEFAULT_REDUCTION;  // at::Reduction code
};

// What PlatformAscendC reports at run time.
struct OppPlatform {
    uint32_t vectorCores = 0;           // GetCoreNumAiv()
    uint64_t ubBytes = 0;               // GetCoreMemSize(CoreMemType::UB)
    uint64_t systemWorkspaceBytes = 0;  // GetLibApiWorkSpaceSize()
};

struct OppLaunch {
    TilingData tiling;
    uint32_t blockDim;
    uint32_t scheduleMode;
    uint64_t tilingKey;
    uint64_t workspaceBytes;  // forward: system + user (PlanLaunch); backward: 0
};

// The backward's KernelKind from the grad_target attribute.
KernelKind GradKernelKind(bool gradTarget);

// Output shape from shapes alone (InferShape has no dtypes): forward x's shape for none, [] for
// mean/sum; backward x's shape. Validates shapes, reduction and grad_output's shape;
// std::invalid_argument naming the argument otherwise.
std::vector<int64_t> InferOutputShape(const OppCall& call);

// Output dtype: x's, after checking x and target share a supported dtype and weight/pos_weight
// (when given) have one. std::invalid_argument otherwise.
DType InferOutputDType(const OppCall& call);

// The launch the TilingFunc sets: the checked tiling for the platform's vector cores and UB (the
// same ComputeCheckedTiling the kernel-launch adapters use), PlanLaunch's blockDim, batch
// schedule for the forward, workspace = the platform's system workspace + ours.
OppLaunch PlanOppLaunch(const OppCall& call, const OppPlatform& platform);

// Every (x/target/output, weight, pos_weight) dtype triple the kernels accept: the OpDef's rows.
struct DTypeRow {
    DType value;
    DType weight;
    DType posWeight;
};
std::vector<DTypeRow> SupportedDTypeRows();

}  // namespace BceWithLogits

#endif  // BCE_WITH_LOGITS_OPP_CALL_H
