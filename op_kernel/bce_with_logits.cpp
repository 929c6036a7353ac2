// Kernel entry of bce_with_logits: reads the tiling struct and dispatches on the input dtype.
#include "kernel_operator.h"
#include "bce_with_logits.h"
#include "bce_with_logits_tiling_macros.h"

using namespace BceWithLogits;

template <typename T>
__aicore__ inline void RunKernel(const KernelArgs& args, const TilingData& tiling)
{
    KernelBceWithLogits<T> op;
    op.Init(args, tiling);
    op.Process();
}

// mean/sum end with SyncAll, which needs batch scheduling (every block resident at once; without
// it concurrent streams can deadlock the barrier, SyncAll docs). A kernel-launch build asks for it
// on the kernel itself (__schedmode__(1), defined by cmake/ascend_kernels.cmake); an op package
// sets SetScheduleMode(1) in its tiling function instead; cpu_sim takes it from PlanLaunch.
#ifndef BCE_BATCH_SCHEDULE
#if defined(__NPU_ARCH__)
#error "BCE_BATCH_SCHEDULE must be defined for a device build: __schedmode__(1), or empty where the launch sets the schedule mode"
#endif
#define BCE_BATCH_SCHEDULE
#endif

extern "C" BCE_BATCH_SCHEDULE __global__ __aicore__ void bce_with_logits(GM_ADDR input, GM_ADDR target, GM_ADDR weight,
                                                      GM_ADDR posWeight, GM_ADDR out,
                                                      GM_ADDR workspace, GM_ADDR tiling)
{
    // mean/sum end with a hardware SyncAll, which needs the mixed vector kernel type (and so a
    // workspace on every launch, 'none' included: PlanLaunch).
    KERNEL_TASK_TYPE_DEFAULT(KERNEL_TYPE_MIX_AIV_1_0);
    REGISTER_TILING_DEFAULT(BceWithLogitsTilingData);
    GET_TILING_DATA_WITH_STRUCT(BceWithLogitsTilingData, tilingData, tiling);
    const KernelArgs args{input, target, weight, posWeight, out, AscendC::GetUserWorkspace(workspace)};
    switch (static_cast<DType>(tilingData.dtype)) {
        case DType::FLOAT32:
            RunKernel<float>(args, tilingData);
            break;
        case DType::FLOAT16:
            RunKernel<half>(args, tilingData);
            break;
        case DType::BFLOAT16:
            RunKernel<bfloat16_t>(args, tilingData);
            break;
    }
}
