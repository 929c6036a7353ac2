// PERIODIC operand set-up of bce_with_logits on the vector pipe: expanded[j] = operand at flat index
// j for j < lcm(P, 8), gathered from the operand's one UB copy by byte offsets that the vector
// unit computes from an index ramp. No scalar loop and no second GM read of the operand.
#ifndef BCE_WITH_LOGITS_PERIOD_H
#define BCE_WITH_LOGITS_PERIOD_H

#include "kernel_operator.h"
#include "bce_with_logits_gather.h"
#include "bce_with_logits_tiling.h"

namespace BceWithLogits {

// fp32 tiles the kernel lends an operand's set-up in Init (its compute tiles, not yet in use).
struct SetupScratch {
    GatherTiles tiles;
    uint32_t length;  // elements of each
};

// expanded[j] = values[source(j)] for j < op.periodAligned. `values` is the operand in fp32 in UB,
// `ramp` a free span of at least scratch.length fp32 elements.
__aicore__ inline void GatherPeriod(const AscendC::LocalTensor<float>& expanded,
                                    const AscendC::LocalTensor<float>& values,
                                    const AscendC::LocalTensor<float>& ramp, const OperandTiling& op,
                                    const TilingData& tiling, const SetupScratch& scratch)
{
    uint32_t lead = 0;
    while (lead + 1 < tiling.rank && op.strides[lead] == 0) {
        ++lead;
    }
    uint32_t chunk = scratch.length < MAX_GATHER_ELEMS_FP32 ? scratch.length : MAX_GATHER_ELEMS_FP32;
    chunk = op.periodAligned < chunk ? static_cast<uint32_t>(op.periodAligned) : chunk;
    BuildRamp(ramp, chunk);
    for (uint64_t first = 0; first < op.periodAligned; first += chunk) {
        const uint64_t left = op.periodAligned - first;
        const uint32_t count = left < chunk ? static_cast<uint32_t>(left) : chunk;
        const GatherWindow window = GatherOffsets(scratch.tiles, ramp, first, count, op, tiling, lead, false,
                                                  FP32_BYTES);
        AscendC::Gather(expanded[static_cast<uint32_t>(first)], values,
                        scratch.tiles.offsets.ReinterpretCast<uint32_t>(), window.baseBytes, count);
    }
}

}  // namespace BceWithLogits

#endif  // BCE_WITH_LOGITS_PERIOD_H
