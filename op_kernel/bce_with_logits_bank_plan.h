// UB order and bank pads of the bce_with_logits kernels: pure arithmetic shared by the kernels'
// Init (bce_with_logits_ub_layout.h) and the host tiling (TilingData.bankPadBytes, Validate), so
// both place every buffer by one formula.
//
// The bank model (asc-devkit's 2201 bank guide and bank_conflict_ub sample; cpu_sim ub_banks.h): UB
// addresses equal mod BANK_CYCLE_BYTES share a bank group, and a bank is a bank group of one
// BANK_ROW_BYTES row. Two sources of a repeat in one bank group cost it a beat; an in-place
// instruction (dst on a source, bank for bank) writes one repeat late, into the next repeat's beat,
// where it meets that repeat's reads: the other source then must sit at the other half phase (no
// shared bank group) AND in another bank row (no shared bank). Compute's hot two-source
// instructions are in place on one fp32 temp with another or with an operand (Mul(c, c, y),
// Div(c, c, a), Mul(c, c, pos_weight), ...), so:
// - tmpA sits at UB offset 0 (phase 0);
// - the early buffers follow it: the input queue, the target queue (fp32: at phase 0) and the
//   buffers the operands' Mul reads (bce_with_logits_operand.h Allocate: at the phase opposite
//   their partner temp);
// - the late buffers come last, each at the half phase: the later temps, then an fp32 output
//   queue (away from the operands' streams it is multiplied with; a 16-bit one, a narrowing
//   Cast's destination, is an early buffer, out of the temps' bank rows).
// With room (BankLevel::ROWS) the late buffers start in a bank row of their own, so tmpA, the
// target and the operands never share a bank with the temps they meet; large tiles spread the UB
// over its rows by themselves (tmpA in the first, the later temps in the last).
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

// How much of the plan TilingData.bankPadBytes pays for, each level adding to the one before.
enum class BankLevel : uint32_t {
    PACKED = 0,  // buffers back to back, in the plan's order
    TEMPS = 1,   // the late buffers (tile-sized output queue, later temps) at the half phase
    PLACED = 2,  // and the fp32 target queue and the operands' Mul buffers at their phases
    ROWS = 3,    // and the late buffers from a bank row of their own
};
constexpr uint32_t BANK_LEVELS = 4;

// Operands whose Mul buffer the plan places, in allocation order: weight, pos_weight, gradOutput.
constexpr uint32_t PLACED_OPERANDS = 3;

// Bytes from `offset` to the next UB offset at `phase` mod BANK_CYCLE_BYTES.
__aicore__ inline uint32_t PadToPhase(uint64_t offset, uint32_t phase)
{
    return static_cast<uint32_t>((phase + BANK_CYCLE_BYTES - offset % BANK_CYCLE_BYTES) % BANK_CYCLE_BYTES);
}

__aicore__ inline uint32_t RoundUpToCycle(uint32_t bytes)
{
    return (bytes + BANK_CYCLE_BYTES - 1) / BANK_CYCLE_BYTES * BANK_CYCLE_BYTES;
}

// One InitBuffer the plan may place: `num` buffers of `bytes` (0: none), wanted at `phase`.
// Buffers of a queue of several are rounded up to BANK_CYCLE_BYTES when placed, so all of them
// keep the phase.
struct UbSlot {
    uint32_t bytes;
    uint32_t num;
    uint32_t phase;
    bool placeable;
};

// The buffers a kernel allocates before its operands' set-up, in UB order (tmpA first at offset 0).
struct UbOrder {
    uint32_t fp32TileBytes;             // tmpA and each later temp
    uint32_t inputBytes;                // the input queue, all its buffers
    UbSlot target;                      // the target queue (bytes 0: not read)
    UbSlot operands[PLACED_OPERANDS];   // each operand's Mul buffer (bytes 0: none)
    UbSlot out;                         // the output queue (placeable when tile-sized)
    uint32_t laterTemps;                // temps after tmpA, each fp32TileBytes at the half phase
};

// The output queue goes after the later temps when placeable, else before them.
__aicore__ inline bool OutputIsLate(const UbOrder& order) { return order.out.placeable; }

// Pads (a TBuf before the buffer, 0 for none) and lengths of one level's plan.
struct UbPlacement {
    uint32_t targetPad;
    uint32_t targetBufferBytes;
    uint32_t operandPad[PLACED_OPERANDS];
    uint32_t operandBufferBytes[PLACED_OPERANDS];
    uint32_t outPad;
    uint32_t outBufferBytes;
    uint32_t tempPad[GRAD_FP32_TEMPS - 1];
    uint64_t padBytes;  // every pad plus every rounding: TilingData.bankPadBytes for this level
};

// Where the first late buffer goes: at the half phase, and at ROWS in the bank row after the one
// the early buffers end in.
__aicore__ inline uint32_t LatePad(uint64_t offset, BankLevel level)
{
    if (level == BankLevel::ROWS) {
        const uint64_t rowStart = (offset + BANK_ROW_BYTES - 1) / BANK_ROW_BYTES * BANK_ROW_BYTES;
        return static_cast<uint32_t>(rowStart + BANK_HALF_PHASE - offset);
    }
    return PadToPhase(offset, BANK_HALF_PHASE);
}

// One slot at `offset`: its pad and buffer length when placed (else 0 and its own bytes); moves
// `offset` past it and adds its pad and rounding to `padBytes`.
__aicore__ inline void PlaceSlot(const UbSlot& slot, bool placed, uint32_t pad, uint64_t& offset, uint32_t& padOut,
                                 uint32_t& bytesOut, uint64_t& padBytes)
{
    padOut = 0;
    bytesOut = slot.bytes;
    if (slot.bytes == 0) {
        return;
    }
    if (placed && slot.placeable) {
        padOut = pad;
        bytesOut = slot.num > 1 ? RoundUpToCycle(slot.bytes) : slot.bytes;
    }
    padBytes += padOut + static_cast<uint64_t>(slot.num) * (bytesOut - slot.bytes);
    offset += padOut + static_cast<uint64_t>(slot.num) * bytesOut;
}

// The plan of `level`: walks the order from tmpA and places each buffer it pays for.
__aicore__ inline UbPlacement PlaceUb(const UbOrder& order, BankLevel level)
{
    UbPlacement p{};
    const bool early = level >= BankLevel::PLACED;
    const bool late = level >= BankLevel::TEMPS;
    uint64_t offset = static_cast<uint64_t>(order.fp32TileBytes) + order.inputBytes;
    PlaceSlot(order.target, early, PadToPhase(offset, order.target.phase), offset, p.targetPad, p.targetBufferBytes,
              p.padBytes);
    for (uint32_t k = 0; k < PLACED_OPERANDS; ++k) {
        const UbSlot& slot = order.operands[k];
        PlaceSlot(slot, early, PadToPhase(offset, slot.phase), offset, p.operandPad[k], p.operandBufferBytes[k],
                  p.padBytes);
    }
    // A placeable output queue is a late buffer, after the temps; any other an early one.
    if (!OutputIsLate(order)) {
        PlaceSlot(order.out, false, 0, offset, p.outPad, p.outBufferBytes, p.padBytes);
    }
    for (uint32_t k = 0; k < order.laterTemps && k < GRAD_FP32_TEMPS - 1; ++k) {
        const UbSlot temp{order.fp32TileBytes, 1, BANK_HALF_PHASE, true};
        const uint32_t pad = k == 0 ? LatePad(offset, level) : PadToPhase(offset, BANK_HALF_PHASE);
        uint32_t bytes = 0;
        PlaceSlot(temp, late, pad, offset, p.tempPad[k], bytes, p.padBytes);
    }
    if (OutputIsLate(order)) {
        PlaceSlot(order.out, late, PadToPhase(offset, BANK_HALF_PHASE), offset, p.outPad, p.outBufferBytes,
                  p.padBytes);
    }
    return p;
}

// The level TilingData.bankPadBytes names: the highest whose pads it equals (two levels with equal
// pads take the same UB, so the kernel may take the fuller plan), PACKED for 0. The host only
// writes 0 or one level's pads (Validate).
__aicore__ inline BankLevel LevelOf(const UbOrder& order, uint64_t bankPadBytes)
{
    for (uint32_t level = BANK_LEVELS - 1; level > 0; --level) {
        if (bankPadBytes != 0 && PlaceUb(order, static_cast<BankLevel>(level)).padBytes == bankPadBytes) {
            return static_cast<BankLevel>(level);
        }
    }
    return BankLevel::PACKED;
}

__aicore__ inline uint32_t DTypeElemBytes(uint32_t dtype)
{
    return static_cast<DType>(dtype) == DType::FLOAT32 ? FP32_BYTES : FP32_BYTES / 2;
}

// The buffer an operand's Apply multiplies into the tile (allocated by BroadcastOperand::Allocate,
// before the late buffers): a PERIODIC expansion, a GENERIC tile's gathered values, an fp32 FULL
// stream, a ROW chunk (fp32) or its fp32 widening. None for a 16-bit FULL stream: it is widened
// into tmpA or a later temp first, and its Cast meets that temp's bank row, so it stays after the
// temps (SetUp). `phase` is the half opposite the partner tile's.
__aicore__ inline UbSlot OperandSlot(const OperandTiling& op, uint32_t tileLength, uint32_t phase)
{
    const uint32_t fp32Tile = tileLength * FP32_BYTES;
    const bool fp32 = static_cast<DType>(op.dtype) == DType::FLOAT32;
    switch (static_cast<OperandMode>(op.mode)) {
        case OperandMode::PERIODIC:
            return UbSlot{static_cast<uint32_t>((op.periodAligned + tileLength) * FP32_BYTES), 1, phase, true};
        case OperandMode::GENERIC:
        case OperandMode::ROW:
            return UbSlot{fp32Tile, 1, phase, true};
        case OperandMode::FULL:
            return fp32 ? UbSlot{fp32Tile, op.bufferNum, phase, true} : UbSlot{0, 0, 0, false};
        default:
            return UbSlot{0, 0, 0, false};
    }
}

// The kernels' UB order for a tiling (forward, backward and backward-target kernels alike).
// Partners of the operands' Mul: a later temp or a tile-sized output buffer (both at the half
// phase), except the backward's weight and dL/dloss for 16-bit data, multiplied into tmpA.
__aicore__ inline UbOrder KernelUbOrder(const TilingData& t)
{
    const uint32_t tileLength = static_cast<uint32_t>(t.tileLength);
    const uint32_t sT = DTypeElemBytes(t.dtype);
    const uint32_t tileBytes = tileLength * sT;
    const bool fp32 = static_cast<DType>(t.dtype) == DType::FLOAT32;
    const auto kernel = static_cast<KernelKind>(t.kernel);
    const bool backward = kernel != KernelKind::FORWARD;
    const bool partials = !backward && static_cast<Reduction>(t.reduction) != Reduction::NONE;
    const uint32_t factorPhase = backward && !fp32 ? BANK_HALF_PHASE : 0;
    UbOrder order{};
    order.fp32TileBytes = tileLength * FP32_BYTES;
    order.inputBytes = BUFFER_NUM * tileBytes;
    order.target = UbSlot{kernel == KernelKind::BACKWARD_TARGET ? 0 : tileBytes, BUFFER_NUM, 0, fp32};
    order.operands[0] = OperandSlot(t.weight, tileLength, factorPhase);
    order.operands[1] = OperandSlot(t.posWeight, tileLength, 0);
    order.operands[2] = OperandSlot(t.gradOutput, tileLength, factorPhase);
    // An fp32 output tile is the destination of a two-source pass on the later temps (at their
    // phase, as they are) and multiplied by a FULL operand's stream (in an early bank row); a 16-bit
    // one the narrowing Cast's, which meets its fp32 source's bank group every other repeat at any
    // phase: it stays early, out of the temps' bank rows. mean/sum
    // write one fp32 partial per tile: a 32-B block is the smallest UB buffer.
    order.out = partials ? UbSlot{BLOCK_BYTES, BUFFER_NUM, 0, false}
                         : UbSlot{tileBytes, BUFFER_NUM, BANK_HALF_PHASE, fp32};
    order.laterTemps = (backward ? GRAD_FP32_TEMPS : FP32_TEMPS) - 1;
    return order;
}

}  // namespace BceWithLogits

#ifdef BCE_BANK_PLAN_HOST_AICORE
#undef __aicore__
#undef BCE_BANK_PLAN_HOST_AICORE
#endif

#endif  // BCE_WITH_LOGITS_BANK_PLAN_H
