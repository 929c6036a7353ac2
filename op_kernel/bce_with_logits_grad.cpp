// Kernel entry of the bce_with_logits backward: reads the tiling struct and dispatches on dtype.
#include "kernel_operator.h"
#include "bce_with_logits_grad.h"
#include "bce_with_logits_tiling_macros.h"

using namespace BceWithLogits;

template <typename T>
__aicore__ inline void RunGradKernel(const GradKernelArgs& args, const TilingData& tiling)
{
    KernelBceWithLogitsGrad<T> op;
    op.Init(args, tiling);
    op.Process();
}

// `result` receives dL/dinput or dL/dtarget, as tiling.kernel says.
extern "C" __global__ __aicore__ void bce_with_logits_grad(GM_ADDR input, GM_ADDR target, GM_ADDR weight,
                                                           GM_ADDR posWeight, GM_ADDR gradOutput,
                                                           GM_ADDR result, GM_ADDR workspace,
                                                           GM_ADDR tiling)
{
    // Elementwise only: no cross-block barrier, so the vector-only kernel type.
    KERNEL_TASK_TYPE_DEFAULT(KERNEL_TYPE_AIV_ONLY);
    (void)workspace;  // the launch ABI keeps a workspace slot; the backward needs none
    REGISTER_TILING_DEFAULT(BceWithLogitsTilingData);
    GET_TILING_DATA_WITH_STRUCT(BceWithLogitsTilingData, tilingData, tiling);
    const GradKernelArgs args{input, target, weight, posWeight, gradOutput, result};
    switch (static_cast<DType>(tilingData.dtype)) {
        case DType::FLOAT32:
            RunGradKernel<float>(args, tilingData);
            break;
        case DType::FLOAT16:
            RunGradKernel<half>(args, tilingData);
            break;
        case DType::BFLOAT16:
            RunGradKernel<bfloat16_t>(args, tilingData);
            break;
    }
}
