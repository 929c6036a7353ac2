// Launch parameters of the bce_with_logits kernels besides the tiling: workspace, schedule mode,
// kernel type. One source for the NPU adapters and the simulator launcher, so the simulator
// checks exactly what the device is given.
#ifndef BCE_WITH_LOGITS_LAUNCH_H
#define BCE_WITH_LOGITS_LAUNCH_H

#include <cstdint>

#include "../op_kernel/bce_with_logits_tiling.h"

namespace BceWithLogits {

// The Ascend C runtime keeps the first 16 MiB of a kernel-launch workspace for itself on A2
// (RESERVED_WORKSPACE for __NPU_ARCH__ 2201 in asc-devkit's kernel_operator_common_impl.h):
// the kernel's GetUserWorkspace() returns the workspace base + this offset.
constexpr uint64_t A2_SYSTEM_WORKSPACE_BYTES = 16ULL * 1024 * 1024;
// The smallest user workspace we pass: one 32-B GM block.
constexpr uint64_t MIN_USER_WORKSPACE_BYTES = BLOCK_BYTES;

struct LaunchPlan {
    uint32_t blockDim;            // blocks of the launch (the tiling's)
    bool mixKernel;               // built as KERNEL_TYPE_MIX_AIV_1_0 (forward: SyncAll)
    bool batchMode;               // schedule mode 1: every block resident at once, as SyncAll needs
    uint64_t userWorkspaceBytes;  // what GetUserWorkspace() must point to (0 = none)
    uint64_t deviceWorkspaceBytes;  // what an NPU launch allocates: system part + user part
};

// Forward: a MIX kernel, so it always gets a workspace (the kernel-type docs forbid a zero-size
// one), at least one GM block even for 'none'; batch scheduling for the SyncAll of mean/sum.
// Backward: vector-only, no workspace, no barrier.
LaunchPlan PlanLaunch(const TilingData& tiling);

}  // namespace BceWithLogits

#endif  // BCE_WITH_LOGITS_LAUNCH_H
