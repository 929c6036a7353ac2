// One sum per 256-B repeat on the vector pipe, under either name the toolkit knows: ReduceRepeat<SUM>
// since CANN 9.1.0, WholeReduceSum<T> in 9.0.0 and before (asc-devkit docs/zh/api/附录/接口变更说明.md,
// the table of interfaces changed in 9.1.0: renamed, same operands in the same order, same vcadd per
// repeat; 9.1.0 keeps WholeReduceSum as a deprecated alias). cmake/ascend_kernels.cmake defines
// BCE_ASCENDC_WHOLE_REDUCE_SUM when the toolkit's headers declare no ReduceRepeat; cpu_sim has both.
#ifndef BCE_WITH_LOGITS_REDUCE_COMPAT_H
#define BCE_WITH_LOGITS_REDUCE_COMPAT_H

#include "kernel_operator.h"

namespace BceWithLogits {

// dst[r * dstRepStride] = sum of the first `mask` lanes of repeat r, r < repeatTime (continuous mask).
template <typename T>
__aicore__ inline void SumEachRepeat(const AscendC::LocalTensor<T>& dst, const AscendC::LocalTensor<T>& src,
                                     int32_t mask, int32_t repeatTime, int32_t dstRepStride, int32_t srcBlkStride,
                                     int32_t srcRepStride)
{
#if defined(BCE_ASCENDC_WHOLE_REDUCE_SUM)
    AscendC::WholeReduceSum<T>(dst, src, mask, repeatTime, dstRepStride, srcBlkStride, srcRepStride);
#else
    AscendC::ReduceRepeat<AscendC::ReduceType::SUM, T, T>(dst, src, mask, repeatTime, dstRepStride, srcBlkStride,
                                                          srcRepStride);
#endif
}

}  // namespace BceWithLogits

#endif  // BCE_WITH_LOGITS_REDUCE_COMPAT_H
