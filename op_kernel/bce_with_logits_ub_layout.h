// UB placement of a bce_with_logits kernel's buffers in the order and at the bank-group phases of
// bce_with_logits_bank_plan.h: tmpA first (UB offset 0), the queues, then the later temps each
// behind a pad of less than BANK_CYCLE_BYTES. The pads are TBufs the host counted in
// TilingData.bankPadBytes; with no room for them (bankPadBytes = 0) the buffers lie back to back in
// the same order. TPipe places buffers back to back in InitBuffer order from offset 0
// (kernel_tpipe_impl.h), so the calls below must be the kernel's first.
#ifndef BCE_WITH_LOGITS_UB_LAYOUT_H
#define BCE_WITH_LOGITS_UB_LAYOUT_H

#include "kernel_operator.h"
#include "bce_with_logits_bank_plan.h"
#include "bce_with_logits_tiling.h"

namespace BceWithLogits {

using TempBuf = AscendC::TBuf<AscendC::TPosition::VECCALC>;

// The target's pad (placed only) then its queue; nothing for a kernel that does not read the target.
template <typename Queue>
__aicore__ inline void InitTargetQueue(AscendC::TPipe& pipe, Queue& queue, TempBuf& pad, const UbOrder& order,
                                       bool placed)
{
    if (order.targetTileBytes == 0) {
        return;
    }
    const uint32_t padBytes = placed ? PadToPhase(order.fp32TileBytes + order.inputBytes, 0) : 0;
    if (padBytes != 0) {
        pipe.InitBuffer(pad, padBytes);
    }
    pipe.InitBuffer(queue, BUFFER_NUM, TargetBufferBytes(order, placed));
}

// The later temps, each behind its pad when `padded`.
template <uint32_t N>
__aicore__ inline void InitLaterTemps(AscendC::TPipe& pipe, TempBuf* const (&temps)[N], TempBuf (&pads)[N],
                                      const UbOrder& order, bool targetPlaced, bool padded)
{
    for (uint32_t k = 0; k < N; ++k) {
        const uint32_t pad = padded ? LaterTempPad(order, targetPlaced, k) : 0;
        if (pad != 0) {
            pipe.InitBuffer(pads[k], pad);
        }
        pipe.InitBuffer(*temps[k], order.fp32TileBytes);
    }
}

}  // namespace BceWithLogits

#endif  // BCE_WITH_LOGITS_UB_LAYOUT_H
