// UB placement of the fp32 temp tiles: the first at UB offset 0 (bank-group phase 0), every later
// one at the half phase (BANK_HALF_PHASE), so that the hot two-source instructions read tmpA and
// another temp from opposite halves of the 16 bank groups (asc-devkit's 2201 bank guide: two
// sources in one bank group cost every repeat a beat). The pads are 256-B-granular TBufs the host
// counted in TilingData.bankPadBytes; with no room for them (bankPadBytes = 0) the temps lie back
// to back. Must be the first InitBuffers of the kernel's TPipe.
#ifndef BCE_WITH_LOGITS_UB_LAYOUT_H
#define BCE_WITH_LOGITS_UB_LAYOUT_H

#include "kernel_operator.h"
#include "bce_with_logits_tiling.h"

namespace BceWithLogits {

using TempBuf = AscendC::TBuf<AscendC::TPosition::VECCALC>;

// InitBuffers temps[0..N) of tileBytes each, the pads (pads[k] before temps[k]) only if `padded`.
template <uint32_t N>
__aicore__ inline void InitTempsAtBankPhases(AscendC::TPipe& pipe, TempBuf* const (&temps)[N], TempBuf (&pads)[N],
                                             uint32_t tileBytes, bool padded)
{
    uint32_t end = 0;
    for (uint32_t k = 0; k < N; ++k) {
        const uint32_t phase = k == 0 ? 0 : BANK_HALF_PHASE;
        const uint32_t pad = (phase + BANK_CYCLE_BYTES - end % BANK_CYCLE_BYTES) % BANK_CYCLE_BYTES;
        if (padded && pad != 0) {
            pipe.InitBuffer(pads[k], pad);
            end += pad;
        }
        pipe.InitBuffer(*temps[k], tileBytes);
        end += tileBytes;
    }
}

}  // namespace BceWithLogits

#endif  // BCE_WITH_LOGITS_UB_LAYOUT_H
