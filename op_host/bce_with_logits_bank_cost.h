// Host side of the kernels' bank plans (op_kernel/bce_with_logits_bank_plan.h): how much a plan's
// layout leaves buffers in the bank rows of the tiles they meet, which the tiling minimises over
// the plans (BankPlanAt). A heuristic on the bank model (cpu_sim ub_banks.h): it counts bank-row
// clashes of the pairs Compute works on in place, not every instruction; kernels never evaluate it.
#ifndef BCE_WITH_LOGITS_BANK_COST_H
#define BCE_WITH_LOGITS_BANK_COST_H

#include <cstdint>

#include "../op_kernel/bce_with_logits_bank_plan.h"

namespace BceWithLogits {

// UB offset of buffer `k` of a partner tile in a placement.
inline uint64_t PartnerOffset(const UbPlacement& p, Partner partner, uint32_t k)
{
    switch (partner) {
        case Partner::FIRST_TEMP:
            return p.tempOffset[0];
        case Partner::SECOND_TEMP:
            return p.tempOffset[1];
        case Partner::THIRD_TEMP:
            return p.tempOffset[2];
        case Partner::INPUT:
            return p.inputOffset + static_cast<uint64_t>(k) * p.inputBufferBytes;
        default:
            return 0;  // tmpA
    }
}

// Repeats of an in-place pass on the partner tile at `partner` that meet a buffer at `at` in one
// bank: the pass writes repeat r a beat late, beside its reads of repeat r + 1, so the two
// buffers clash where those lie in the same BANK_ROW_BYTES row.
inline uint32_t RowClashes(uint64_t partner, uint64_t at, uint32_t repeats)
{
    uint32_t clashes = 0;
    for (uint32_t r = 0; r + 1 < repeats; ++r) {
        const uint64_t written = partner + static_cast<uint64_t>(r) * REPEAT_BYTES;
        const uint64_t read = at + static_cast<uint64_t>(r + 1) * REPEAT_BYTES;
        clashes += written / BANK_ROW_BYTES == read / BANK_ROW_BYTES ? 1 : 0;
    }
    return clashes;
}

inline uint32_t SlotClashes(const UbSlot& slot, uint64_t at, uint32_t bufferBytes, const UbOrder& order,
                                       const UbPlacement& p, uint32_t repeats)
{
    if (slot.bytes == 0 || slot.partner == Partner::NONE) {
        return 0;
    }
    const uint32_t partnerBuffers = slot.partner == Partner::INPUT ? order.input.num : 1;
    uint32_t clashes = 0;
    for (uint32_t k = 0; k < slot.num; ++k) {
        for (uint32_t j = 0; j < partnerBuffers; ++j) {
            clashes += RowClashes(PartnerOffset(p, slot.partner, j), at + static_cast<uint64_t>(k) * bufferBytes,
                                  repeats);
        }
    }
    return clashes;
}

// Repeats where a pass from an fp32 input into tmpA (Mins(a, x, 0)) writes a bank it reads: an
// input buffer at neither phase 0 (bank for bank on tmpA, the write delayed) nor the half phase
// shares bank groups with tmpA in every repeat, and a bank where both lie in one bank row.
inline uint32_t InputClashes(const UbOrder& order, const UbPlacement& p, uint32_t repeats)
{
    if (!order.input.placeable) {
        return 0;
    }
    uint32_t clashes = 0;
    for (uint32_t k = 0; k < order.input.num; ++k) {
        const uint64_t at = p.inputOffset + static_cast<uint64_t>(k) * p.inputBufferBytes;
        if (at % BANK_HALF_PHASE == 0) {
            continue;
        }
        for (uint32_t r = 0; r < repeats; ++r) {
            const uint64_t offset = static_cast<uint64_t>(r) * REPEAT_BYTES;
            clashes += offset / BANK_ROW_BYTES == (at + offset) / BANK_ROW_BYTES ? 1 : 0;
        }
    }
    return clashes;
}

// Repeats of a Cast between an fp32 tile at `wide` and a 16-bit buffer at `narrow` that write a bank
// they read (cpu_sim ub_banks.h: a Cast's narrow side never lies bank for bank on the wide one, so
// repeat r writes in the beat it reads): y's widening into tmpA reads the target's 128 B at
// narrow + 128 r and writes tmpA's 256 B at wide + 256 r, the gradient's narrowing reads those and
// writes these. A clash where the two lie in one bank row and the narrow side's 4 blocks meet the
// wide side's 8 bank groups.
inline uint32_t NarrowCastClashes(uint64_t wide, uint64_t narrow, uint32_t repeats)
{
    constexpr uint32_t NARROW_REPEAT_BYTES = REPEAT_BYTES / 2;
    constexpr uint64_t BANK_GROUPS = BANK_CYCLE_BYTES / BLOCK_BYTES;
    uint32_t clashes = 0;
    for (uint32_t r = 0; r < repeats; ++r) {
        const uint64_t wideAt = wide + static_cast<uint64_t>(r) * REPEAT_BYTES;
        const uint64_t wideGroup = wideAt / BLOCK_BYTES % BANK_GROUPS;
        bool clash = false;
        for (uint32_t b = 0; b < NARROW_REPEAT_BYTES / BLOCK_BYTES; ++b) {
            const uint64_t at = narrow + static_cast<uint64_t>(r) * NARROW_REPEAT_BYTES + b * BLOCK_BYTES;
            const uint64_t group = at / BLOCK_BYTES % BANK_GROUPS;
            const bool sameRow = at / BANK_ROW_BYTES == wideAt / BANK_ROW_BYTES;
            clash = clash || (sameRow && (group + BANK_GROUPS - wideGroup) % BANK_GROUPS < REPEAT_BYTES / BLOCK_BYTES);
        }
        clashes += clash ? 1 : 0;
    }
    return clashes;
}

// The backward kernels with 16-bit tiles (UbOrder::narrowCasts): y's widening into tmpA (dL/dinput),
// x's widening into the last later temp (tmpD) and the gradient's narrowing from there back into
// x's buffer (LossIntoInput: the same two tiles, counted twice), as NarrowCastClashes.
inline uint32_t CastClashes(const UbOrder& order, const UbPlacement& p, uint32_t repeats)
{
    if (!order.narrowCasts) {
        return 0;
    }
    uint32_t clashes = order.target.bytes == 0 ? 0 : NarrowCastClashes(0, p.targetOffset, repeats);
    const uint32_t lastTemp = order.laterTemps < GRAD_FP32_TEMPS - 1 ? order.laterTemps : GRAD_FP32_TEMPS - 1;
    for (uint32_t k = 0; lastTemp != 0 && k < order.input.num; ++k) {
        const uint64_t input = p.inputOffset + static_cast<uint64_t>(k) * p.inputBufferBytes;
        clashes += 2 * NarrowCastClashes(p.tempOffset[lastTemp - 1], input, repeats);
    }
    return clashes;
}

// Row clashes of the pairwise sum of the loss tile at `loss` (bce_with_logits_reduce.h PairwiseSum):
// each halving adds the upper part into the lower in place, and the two meet in one bank where they
// lie in one bank row (a tile across a row boundary keeps part of them apart). A halving with an odd
// number of repeats in its half and nothing left over goes to tmpA instead (UB offset 0, `spareBytes`
// long) when that lies in other bank rows, with no clash, and the halvings go on there (and back).
inline uint32_t PairwiseClashes(uint64_t loss, uint32_t fp32TileBytes, uint32_t spareBytes)
{
    const uint64_t tiles[2] = {loss, 0};
    uint32_t at = 0;
    uint32_t clashes = 0;
    for (uint32_t len = fp32TileBytes; len > REPEAT_BYTES;) {
        const uint32_t half = ((len + 1) / 2 + REPEAT_BYTES - 1) / REPEAT_BYTES * REPEAT_BYTES;
        const bool oddHalf = half / REPEAT_BYTES % 2 == 1;
        if (oddHalf && len == 2 * half && half <= spareBytes && InOtherBankRows(tiles[at], len, tiles[1 - at], half)) {
            at = 1 - at;
        } else {
            clashes += RowClashes(tiles[at], tiles[at] + half, (len - half + REPEAT_BYTES - 1) / REPEAT_BYTES);
        }
        len = half;
    }
    return clashes;
}

// What the host minimises over the plans: the repeats per tile where a buffer meets the tile it is
// multiplied into in one bank row (each later temp with tmpA, the target and the operands' buffers
// with theirs), plus every repeat of an early buffer a plan below PLACED leaves at any phase, and of
// an fp32 PERIODIC pos_weight's Mul without tmpA's slack.
// `p` is the plan's placement (PlaceUb(order, plan)).
inline uint64_t BankPlanCost(const UbOrder& order, BankPlan plan, const UbPlacement& p)
{
    const uint32_t repeats = (order.fp32TileBytes + REPEAT_BYTES - 1) / REPEAT_BYTES;
    const bool phased = plan.level >= BankLevel::PLACED;
    uint64_t cost = InputClashes(order, p, repeats);
    UbSlot target = order.target;
    if (p.tmpASlack != 0 && order.shiftedTargetIntoTmpA) {
        target.partner = Partner::TMP_A;
        // (1 - y) * n1, the difference and the quotient formed in place in x's buffer, with tmpD,
        // tmpB, then tmpC (the gradient stays there: LossIntoInput).
        for (uint32_t k = 0; k < order.input.num; ++k) {
            const uint64_t term = p.inputOffset + static_cast<uint64_t>(k) * p.inputBufferBytes;
            cost += RowClashes(term, p.tempOffset[0], repeats) + RowClashes(term, p.tempOffset[1], repeats) +
                    RowClashes(term, p.tempOffset[2], repeats);
        }
    }
    cost += SlotClashes(target, p.targetOffset, p.targetBufferBytes, order, p, repeats);
    cost += CastClashes(order, p, repeats);
    cost += plan.level < BankLevel::TARGET && order.target.placeable && order.target.bytes != 0 ? repeats : 0;
    for (uint32_t k = 0; k < PLACED_OPERANDS; ++k) {
        cost += SlotClashes(order.operands[k], p.operandOffset[k], p.operandBufferBytes[k], order, p, repeats);
        cost += !phased && order.operands[k].placeable ? repeats : 0;
    }
    cost += order.narrowCasts ? 0 : SlotClashes(order.out, p.outOffset, p.outBufferBytes, order, p, repeats);
    for (uint32_t k = 0; k < order.laterTemps && k < GRAD_FP32_TEMPS - 1; ++k) {
        cost += RowClashes(0, p.tempOffset[k], repeats);
    }
    cost += order.sumsLoss ? PairwiseClashes(p.tempOffset[1], order.fp32TileBytes, order.fp32TileBytes) : 0;
    // An fp32 PERIODIC pos_weight multiplied in place: its expansion's read moves through the 16 bank
    // phases from tile to tile (OppositePeriodReadElems), so the Mul reads both sources in one bank
    // group in every repeat of 15 tiles in 16. A slack plan multiplies from tmpA at the opposite phase.
    cost += order.tmpASlack != 0 && p.tmpASlack == 0 ? repeats : 0;
    return cost;
}

}  // namespace BceWithLogits

#endif  // BCE_WITH_LOGITS_BANK_COST_H
