// UB placement of the fp32 temp tiles: the first at UB offset 0 (bank-group phase 0), every later
// one at the half phase (BANK_HALF_PHASE), so that the hot two-source instructions read tmpA and
// another temp from opposite halves of the 16 bank groups (asc-devkit's 2201 bank guide: two
// sources in one bank group cost every repeat a beat). The pads are 256-B-granular TBufs the host
// counted in TilingData.bankPadBytes; with no room for them (bankPadBytes = 0) the temps lie back
// to back. Must be the first InitBuffers of the kernel's TPipe. fp32 kernels multiply the target
// tile itself with a temp: PlaceTarget puts its queue at phase 0 when the host had room for that too.
#ifndef BCE_WITH_LOGITS_UB_LAYOUT_H
#define BCE_WITH_LOGITS_UB_LAYOUT_H

#include "kernel_operator.h"
#include "bce_with_logits_tiling.h"

namespace BceWithLogits {

using TempBuf = AscendC::TBuf<AscendC::TPosition::VECCALC>;

// Bytes from `offset` to the next UB offset at `phase` mod BANK_CYCLE_BYTES.
__aicore__ inline uint32_t PadToPhase(uint32_t offset, uint32_t phase)
{
    return (phase + BANK_CYCLE_BYTES - offset % BANK_CYCLE_BYTES) % BANK_CYCLE_BYTES;
}

// The temps' pads for N temps of tileBytes (what the host counts as their part of bankPadBytes).
__aicore__ inline uint32_t TempPadBytes(uint32_t temps, uint32_t tileBytes)
{
    uint32_t end = 0, pads = 0;
    for (uint32_t k = 0; k < temps; ++k) {
        const uint32_t pad = PadToPhase(end, k == 0 ? 0 : BANK_HALF_PHASE);
        pads += pad;
        end += pad + tileBytes;
    }
    return pads;
}

// InitBuffers temps[0..N) of tileBytes each, the pads (pads[k] before temps[k]) only if `padded`;
// returns the UB offset after them.
template <uint32_t N>
__aicore__ inline uint32_t InitTempsAtBankPhases(AscendC::TPipe& pipe, TempBuf* const (&temps)[N],
                                                 TempBuf (&pads)[N], uint32_t tileBytes, bool padded)
{
    uint32_t end = 0;
    for (uint32_t k = 0; k < N; ++k) {
        const uint32_t pad = PadToPhase(end, k == 0 ? 0 : BANK_HALF_PHASE);
        if (padded && pad != 0) {
            pipe.InitBuffer(pads[k], pad);
            end += pad;
        }
        pipe.InitBuffer(*temps[k], tileBytes);
        end += tileBytes;
    }
    return end;
}

// The fp32 target queue at phase 0, from UB offset `start`: the pad before it and its buffer length.
struct TargetPlacement {
    uint32_t pad;
    uint32_t bufferBytes;
};
__aicore__ inline TargetPlacement PlaceTarget(uint32_t start, uint32_t tileBytes)
{
    return TargetPlacement{PadToPhase(start, 0), (tileBytes + BANK_CYCLE_BYTES - 1) / BANK_CYCLE_BYTES * BANK_CYCLE_BYTES};
}

}  // namespace BceWithLogits

#endif  // BCE_WITH_LOGITS_UB_LAYOUT_H
