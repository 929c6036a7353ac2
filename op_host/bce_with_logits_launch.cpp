// Launch parameters of the bce_with_logits kernels besides the tiling.
#include "bce_with_logits_launch.h"

#include <algorithm>

namespace BceWithLogits {

LaunchPlan PlanLaunch(const TilingData& tiling)
{
    LaunchPlan plan{};
    plan.blockDim = tiling.blockDim;
    plan.mixKernel = tiling.kernel == static_cast<uint32_t>(KernelKind::FORWARD);
    plan.batchMode = plan.mixKernel;
    if (plan.mixKernel) {
        plan.userWorkspaceBytes = std::max<uint64_t>(tiling.workspaceBytes, MIN_USER_WORKSPACE_BYTES);
        plan.deviceWorkspaceBytes = A2_SYSTEM_WORKSPACE_BYTES + plan.userWorkspaceBytes;
    }
    return plan;
}

}  // namespace BceWithLogits
