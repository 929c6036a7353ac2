// The torch_npu adapter's route through the op package's generated aclnn API
// (aclnnBceWithLogits*, op_host/opp/README.md): the op-plugin EXEC_NPU_CMD pattern.
#ifndef BCE_WITH_LOGITS_TORCH_NPU_ACLNN_H
#define BCE_WITH_LOGITS_TORCH_NPU_ACLNN_H

#include <ATen/ATen.h>

namespace BceWithLogits {

// True when the op package's libcust_opapi.so was found (npu_launch_rules.h:
// OpApiLibraryCandidates) and exports both aclnn pairs; looked up once per process.
bool AclnnAvailable();

// Launches aclnnBceWithLogits into `out` (x's shape for 'none', [] for mean/sum) on the current
// stream. Operands are contiguous, row-major and checked; absent ones are passed as nullptr.
void AclnnForward(const at::Tensor& x, const at::Tensor& y, const c10::optional<at::Tensor>& weight,
                  const c10::optional<at::Tensor>& posWeight, int64_t reduction, const at::Tensor& out);

// Launches aclnnBceWithLogitsGrad: dL/dx into `out`, or dL/dtarget when gradTarget.
void AclnnGrad(const at::Tensor& x, const at::Tensor& y, const c10::optional<at::Tensor>& weight,
               const c10::optional<at::Tensor>& posWeight, const at::Tensor& gradOutput, int64_t reduction,
               bool gradTarget, const at::Tensor& out);

}  // namespace BceWithLogits

#endif  // BCE_WITH_LOGITS_TORCH_NPU_ACLNN_H
