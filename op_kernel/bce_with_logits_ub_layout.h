// UB placement of a bce_with_logits kernel's buffers in the order and at the bank phases of the
// plan TilingData.bankPadBytes names (bce_with_logits_bank_plan.h): tmpA first (UB offset 0), the
// input queue, the target queue, the operands' Mul buffers (BroadcastOperand::Allocate), the later
// temps, and the output queue where the plan puts it; each placed one behind a pad. The pads are
// TBufs the host counted in bankPadBytes; with no room for them (bankPadBytes = 0) the buffers lie
// back to back. TPipe places buffers back to back in InitBuffer order from offset 0
// (kernel_tpipe_impl.h), so the calls below must be the kernel's first.
#ifndef BCE_WITH_LOGITS_UB_LAYOUT_H
#define BCE_WITH_LOGITS_UB_LAYOUT_H

#include "kernel_operator.h"
#include "bce_with_logits_bank_plan.h"
#include "bce_with_logits_tiling.h"

namespace BceWithLogits {

using TempBuf = AscendC::TBuf<AscendC::TPosition::VECCALC>;

// Pad TBufs of a kernel's plan: one before each buffer the plan may place.
struct BankPads {
    TempBuf input;
    TempBuf target;
    TempBuf out;
    TempBuf temps[GRAD_FP32_TEMPS - 1];
};

__aicore__ inline void InitPad(AscendC::TPipe& pipe, TempBuf& pad, uint32_t bytes)
{
    if (bytes != 0) {
        pipe.InitBuffer(pad, bytes);
    }
}

// `num` buffers of `bytes` behind a pad of `padBytes`; nothing for 0 bytes (a kernel that does not
// read the target).
template <typename Queue>
__aicore__ inline void InitPlacedQueue(AscendC::TPipe& pipe, Queue& queue, TempBuf& pad, uint32_t padBytes,
                                       uint32_t num, uint32_t bytes)
{
    if (bytes == 0) {
        return;
    }
    InitPad(pipe, pad, padBytes);
    pipe.InitBuffer(queue, static_cast<uint8_t>(num), bytes);
}

// The later temps, each behind its pad.
template <uint32_t N>
__aicore__ inline void InitLaterTemps(AscendC::TPipe& pipe, TempBuf* const (&temps)[N], BankPads& pads,
                                      const UbPlacement& placement, uint32_t fp32TileBytes)
{
    for (uint32_t k = 0; k < N; ++k) {
        InitPad(pipe, pads.temps[k], placement.tempPad[k]);
        pipe.InitBuffer(*temps[k], fp32TileBytes);
    }
}

}  // namespace BceWithLogits

#endif  // BCE_WITH_LOGITS_UB_LAYOUT_H
