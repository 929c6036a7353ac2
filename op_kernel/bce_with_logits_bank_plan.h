// UB order and bank-group pads of the bce_with_logits kernels: pure arithmetic shared by the kernels'
// Init (bce_with_logits_ub_layout.h) and the host tiling (TilingData.bankPadBytes, Validate), so
// both place every buffer by one formula.
//
// Why this order. On A2 (asc-devkit's 2201 bank guide and bank_conflict_ub sample) two sources of a
// repeat in one bank group cost it a beat, and an in-place instruction (dst on a source, bank for
// bank) writes one repeat late, into the next repeat's beat, where it meets that repeat's reads in
// the same bank: a bank is a bank group of one 64-KiB bank row. Compute's hot two-source
// instructions are in place on one fp32 temp with another (Mul(a, a, b), Add(b, b, a), Div(c, c,
// b), Mul(c, c, y), ...). So the first temp sits at UB offset 0 (phase 0 mod BANK_CYCLE_BYTES), the
// queues follow, and the later temps come after them at the half phase: tmpA and the later temps
// are then in different bank rows for tiles of a few KiB up, and read from opposite halves of the
// bank groups. fp32 kernels that read the target multiply it as it is with a later temp, so its
// queue goes at phase 0 (a pad before it, buffers rounded up to BANK_CYCLE_BYTES) when the host had
// room for that too.
#ifndef BCE_WITH_LOGITS_BANK_PLAN_H
#define BCE_WITH_LOGITS_BANK_PLAN_H

#include "bce_with_logits_tiling.h"

// Kernel builds include kernel_operator.h first, which defines __aicore__; the host does not and
// compiles these as plain inline functions (as bce_with_logits_span.h).
#ifndef __aicore__
#define __aicore__
#define BCE_BANK_PLAN_HOST_AICORE
#endif

namespace BceWithLogits {

// Bytes from `offset` to the next UB offset at `phase` mod BANK_CYCLE_BYTES.
__aicore__ inline uint32_t PadToPhase(uint64_t offset, uint32_t phase)
{
    return static_cast<uint32_t>((phase + BANK_CYCLE_BYTES - offset % BANK_CYCLE_BYTES) % BANK_CYCLE_BYTES);
}

// The buffers a kernel allocates before its later temps, in UB order (each a multiple of 32 B).
struct UbOrder {
    uint32_t fp32TileBytes;  // tmpA and each later temp
    uint32_t inputBytes;     // the input queue, all its buffers
    uint32_t targetTileBytes;  // one target buffer (0: the kernel does not read the target)
    uint32_t outputBytes;    // the output queue, all its buffers
    uint32_t laterTemps;     // temps after tmpA
    bool placeableTarget;    // fp32 kernel that reads the target
};

// One target buffer's length: rounded up to BANK_CYCLE_BYTES when the target is placed.
__aicore__ inline uint32_t TargetBufferBytes(const UbOrder& order, bool placed)
{
    return placed ? (order.targetTileBytes + BANK_CYCLE_BYTES - 1) / BANK_CYCLE_BYTES * BANK_CYCLE_BYTES
                  : order.targetTileBytes;
}

// Pad before the target queue plus the rounding of its buffers (placed at phase 0), or 0.
__aicore__ inline uint32_t TargetPadBytes(const UbOrder& order)
{
    if (!order.placeableTarget || order.targetTileBytes == 0) {
        return 0;
    }
    return PadToPhase(order.fp32TileBytes + order.inputBytes, 0) +
           BUFFER_NUM * (TargetBufferBytes(order, true) - order.targetTileBytes);
}

// UB offset where the later temps start (before their first pad).
__aicore__ inline uint64_t LaterTempsStart(const UbOrder& order, bool targetPlaced)
{
    return static_cast<uint64_t>(order.fp32TileBytes) + order.inputBytes +
           BUFFER_NUM * static_cast<uint64_t>(order.targetTileBytes) + (targetPlaced ? TargetPadBytes(order) : 0) +
           order.outputBytes;
}

// Pad before later temp k (0-based), each at BANK_HALF_PHASE.
__aicore__ inline uint32_t LaterTempPad(const UbOrder& order, bool targetPlaced, uint32_t k)
{
    uint64_t end = LaterTempsStart(order, targetPlaced);
    uint32_t pad = 0;
    for (uint32_t i = 0; i <= k; ++i) {
        pad = PadToPhase(end, BANK_HALF_PHASE);
        end += pad + order.fp32TileBytes;
    }
    return pad;
}

// All the later temps' pads.
__aicore__ inline uint32_t LaterTempPadBytes(const UbOrder& order, bool targetPlaced)
{
    uint32_t pads = 0;
    for (uint32_t k = 0; k < order.laterTemps; ++k) {
        pads += LaterTempPad(order, targetPlaced, k);
    }
    return pads;
}

// The layouts TilingData.bankPadBytes can name: 0 (no pads), the temps' pads alone, or the target's
// and the temps' after a placed target. A target is placed only under the last value (when it
// equals the temps-alone one the two layouts take the same bytes, and the kernel takes that one).
__aicore__ inline bool TargetPlaced(const UbOrder& order, uint64_t bankPadBytes)
{
    return bankPadBytes != 0 && bankPadBytes != LaterTempPadBytes(order, false);
}

}  // namespace BceWithLogits

#ifdef BCE_BANK_PLAN_HOST_AICORE
#undef __aicore__
#undef BCE_BANK_PLAN_HOST_AICORE
#endif

#endif  // BCE_WITH_LOGITS_BANK_PLAN_H
