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
// Div(c, c, a), Mul(c, c, pos_weight), Mul(out, out, weight), ...), so:
// - tmpA sits at UB offset 0 (phase 0), the input queue after it;
// - the target queue (fp32: at phase 0) and the buffers the operands' Mul reads
//   (BroadcastOperand::Allocate: at the phase opposite the tile they multiply) follow;
// - the later temps come after them, each at the half phase (at BankLevel::ROWS from a bank row of
//   their own: small tiles otherwise share bank row 0 with tmpA and everything else);
// - the output queue (the forward's mean/sum partials, 32-B buffers: the forward's 'none' and the
//   backward kernels write their result into x's buffer, LossIntoInput, and have none) goes right
//   after the input queue, before the later temps or after them;
// - for dL/dinput with 16-bit tiles or an fp32 PERIODIC pos_weight (and any 16-bit 'none' forward
//   or dL/dtarget), plans 16-21 put the operands' buffers right after tmpA instead, in its bank row,
//   and the input and target queues after them (y's widening into tmpA, or the fp32 y * n2 written
//   into tmpA, then reads the target from another bank row).
// Which order and level keeps each buffer out of its partner's bank row depends on the tile's size
// and the operands: the host takes, of the plans the UB has room for, the one with the fewest
// clashes (op_host/bce_with_logits_bank_cost.h), and names it in TilingData.bankPadBytes.
#ifndef BCE_WITH_LOGITS_BANK_PLAN_H
#define BCE_WITH_LOGITS_BANK_PLAN_H

#include "bce_with_logits_period_plan.h"
#include "bce_with_logits_tiling.h"

// Kernel builds include kernel_operator.h first, which defines __aicore__; the host does not and
// compiles these as plain inline functions (as bce_with_logits_span.h).
#ifndef __aicore__
#define __aicore__
#define BCE_BANK_PLAN_HOST_AICORE
#endif

namespace BceWithLogits {

// Buffers of a kernel's target queue: one (SINGLE_BUFFER in bce_with_logits_tiling.h says why), none
// for dL/dtarget, which does not read the target.
__aicore__ inline uint32_t TargetBuffers(uint32_t kernel)
{
    return static_cast<KernelKind>(kernel) == KernelKind::BACKWARD_TARGET ? 0 : SINGLE_BUFFER;
}

// 32-B buffers of the output queue, which holds only a mean/sum's per-tile partials (LossIntoInput).
constexpr uint32_t PARTIALS_BUFFERS = BUFFER_NUM;

// The forward's 'none' loss is written into x's buffer, dead from SoftplusPair on, and copied out
// from there (bce_with_logits.h Compute, CopyOut); so is the gradient of both backward kernels, for
// every reduction, once x is dead (bce_with_logits_grad.h ResultTile, Finish, CopyOut): every kernel
// but a forward mean/sum. Such a kernel has no output queue, and its UB goes to longer tiles.
__aicore__ inline bool LossIntoInput(uint32_t kernel, uint32_t reduction)
{
    return static_cast<KernelKind>(kernel) != KernelKind::FORWARD || static_cast<Reduction>(reduction) == Reduction::NONE;
}

// How much of the plan TilingData.bankPadBytes pays for, each level adding to the one before.
enum class BankLevel : uint32_t {
    PACKED = 0,  // buffers back to back, in the plan's order
    TEMPS = 1,   // the later temps and a tile-sized fp32 output queue at the half phase
    TARGET = 2,  // and the fp32 target queue at phase 0
    PLACED = 3,  // and the operands' Mul buffers at their phases, the fp32 input queue at phase 0
    ROWS = 4,    // and the later temps from a bank row of their own
};

// Where the output queue goes in the order: right after the input queue, between the operands'
// buffers and the later temps, or after the later temps. Which one keeps it, and the buffers around
// it, out of their partners' bank rows depends on the tile's size (the host's BankPlanCost).
enum class OutputSlot : uint32_t { MIDDLE = 0, LATE = 1, EARLY = 2 };

// A layout TilingData.bankPadBytes can name: BankPlanAt(k) for k < BANK_PLAN_COUNT, or PACKED_PLAN.
// `shiftSlack`: tmpA is longer by UbOrder::tmpASlack (a plan at BankLevel::PLACED or above), room for
// the forward's fp32 PERIODIC pos_weight product to start at any bank phase (OppositePeriodReadElems).
// `operandsFirst`: the operands' Mul buffers right after tmpA, before the input queue (a plan at
// BankLevel::PLACED or above, for an order with UbOrder::operandsFirst): tmpA's bank row then holds
// them rather than the target queue.
struct BankPlan {
    OutputSlot out;
    BankLevel level;
    bool shiftSlack;
    bool operandsFirst;
};
// Plans 0..9 as listed below; 10..15 are plans 0..5 (BankLevel::PLACED and ROWS) with the slack;
// 16..21 are plans 0..5 with the slack and the operands first (for an order without
// UbOrder::operandsFirst, the same layouts as plans 10..15, which a tie prefers).
constexpr uint32_t BASE_BANK_PLANS = 10;
constexpr uint32_t SLACK_BANK_PLANS = 6;
constexpr uint32_t OPERANDS_FIRST_PLANS = 6;
constexpr uint32_t BANK_PLAN_COUNT = BASE_BANK_PLANS + SLACK_BANK_PLANS + OPERANDS_FIRST_PLANS;
constexpr BankPlan PACKED_PLAN{OutputSlot::MIDDLE, BankLevel::PACKED, false, false};

// Plan k < BASE_BANK_PLANS (a switch, not a table: kernels read no constant data from GM).
__aicore__ inline BankPlan BaseBankPlanAt(uint32_t k)
{
    switch (k) {
        case 0:
            return BankPlan{OutputSlot::MIDDLE, BankLevel::ROWS, false, false};
        case 1:
            return BankPlan{OutputSlot::MIDDLE, BankLevel::PLACED, false, false};
        case 2:
            return BankPlan{OutputSlot::LATE, BankLevel::ROWS, false, false};
        case 3:
            return BankPlan{OutputSlot::LATE, BankLevel::PLACED, false, false};
        case 4:
            return BankPlan{OutputSlot::EARLY, BankLevel::ROWS, false, false};
        case 5:
            return BankPlan{OutputSlot::EARLY, BankLevel::PLACED, false, false};
        case 6:
            return BankPlan{OutputSlot::MIDDLE, BankLevel::TARGET, false, false};
        case 7:
            return BankPlan{OutputSlot::LATE, BankLevel::TARGET, false, false};
        case 8:
            return BankPlan{OutputSlot::EARLY, BankLevel::TARGET, false, false};
        case 9:
            return BankPlan{OutputSlot::MIDDLE, BankLevel::TEMPS, false, false};
        default:
            return PACKED_PLAN;
    }
}

// Plan k: BaseBankPlanAt(k); for k >= BASE_BANK_PLANS plan k - BASE_BANK_PLANS with tmpA's slack;
// for k >= BASE_BANK_PLANS + SLACK_BANK_PLANS plan k - BASE_BANK_PLANS - SLACK_BANK_PLANS with the
// operands first.
__aicore__ inline BankPlan BankPlanAt(uint32_t k)
{
    if (k < BASE_BANK_PLANS) {
        return BaseBankPlanAt(k);
    }
    if (k < BASE_BANK_PLANS + SLACK_BANK_PLANS) {
        BankPlan plan = BaseBankPlanAt(k - BASE_BANK_PLANS);
        plan.shiftSlack = true;
        return plan;
    }
    if (k < BANK_PLAN_COUNT) {
        BankPlan plan = BaseBankPlanAt(k - BASE_BANK_PLANS - SLACK_BANK_PLANS);
        plan.shiftSlack = true;
        plan.operandsFirst = true;
        return plan;
    }
    return PACKED_PLAN;
}

// Operands whose Mul buffer the plan places, in allocation order: weight, pos_weight, gradOutput.
constexpr uint32_t PLACED_OPERANDS = 3;

// The tile a buffer is multiplied into (in place): it must lie at the other half phase and in
// another bank row.
// (No output tile is a partner: every kernel without partials writes its result into x's buffer.)
enum class Partner : uint32_t { NONE = 0, TMP_A = 1, FIRST_TEMP = 2, SECOND_TEMP = 3, INPUT = 5, THIRD_TEMP = 6 };

// No UB byte of [a, a + aBytes) in a bank row (BANK_ROW_BYTES) of [b, b + bBytes).
__aicore__ inline bool InOtherBankRows(uint64_t a, uint64_t aBytes, uint64_t b, uint64_t bBytes)
{
    return (a + aBytes - 1) / BANK_ROW_BYTES < b / BANK_ROW_BYTES || (b + bBytes - 1) / BANK_ROW_BYTES < a / BANK_ROW_BYTES;
}

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
    Partner partner;
};

// The buffers a kernel allocates before its operands' set-up (tmpA first at offset 0).
struct UbOrder {
    uint32_t fp32TileBytes;             // tmpA and each later temp
    UbSlot input;                       // the input queue
    UbSlot target;                      // the target queue (bytes 0: not read)
    UbSlot operands[PLACED_OPERANDS];   // each operand's Mul buffer (bytes 0: none)
    UbSlot out;                         // the output queue (placeable when fp32 and tile-sized)
    uint32_t laterTemps;                // temps after tmpA, each fp32TileBytes at the half phase
    bool sumsLoss;                      // the loss tile (tmpC) is summed pairwise in place (partials)
    uint32_t tmpASlack;                 // bytes a shiftSlack plan adds to tmpA (0: no use for them)
    bool operandsFirst;                 // an operandsFirst plan moves the operands' buffers (else not)
    bool shiftedTargetIntoTmpA;         // on a slack plan the target's partner is tmpA (BankPlanCost)
    bool narrowCasts;                   // 16-bit dL/dinput: the host counts its Casts to and from tmpA
                                        // as such (bank_cost.h CastClashes)
};

// Pads (a TBuf before the buffer, 0 for none), lengths and offsets of one plan.
struct UbPlacement {
    uint32_t tmpASlack;  // tmpA holds fp32TileBytes + tmpASlack bytes
    uint32_t inputPad;
    uint32_t inputBufferBytes;
    uint64_t inputOffset;
    uint32_t targetPad;
    uint32_t targetBufferBytes;
    uint64_t targetOffset;
    uint32_t operandPad[PLACED_OPERANDS];
    uint32_t operandBufferBytes[PLACED_OPERANDS];
    uint64_t operandOffset[PLACED_OPERANDS];
    uint32_t outPad;
    uint32_t outBufferBytes;
    uint64_t outOffset;
    uint32_t tempPad[GRAD_FP32_TEMPS - 1];
    uint64_t tempOffset[GRAD_FP32_TEMPS - 1];
    uint64_t padBytes;  // every pad plus every rounding: TilingData.bankPadBytes for this plan
};

// Pad before the first later temp: at the half phase, and at ROWS in the bank row after the one
// the buffers before it end in.
__aicore__ inline uint32_t FirstTempPad(uint64_t offset, BankLevel level)
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
                                 uint32_t& bytesOut, uint64_t& at, uint64_t& padBytes)
{
    padOut = 0;
    bytesOut = slot.bytes;
    at = offset;
    if (slot.bytes == 0) {
        return;
    }
    if (placed && slot.placeable) {
        padOut = pad;
        bytesOut = slot.num > 1 ? RoundUpToCycle(slot.bytes) : slot.bytes;
    }
    at = offset + padOut;
    padBytes += padOut + static_cast<uint64_t>(slot.num) * (bytesOut - slot.bytes);
    offset += padOut + static_cast<uint64_t>(slot.num) * bytesOut;
}

__aicore__ inline void PlaceOutput(const UbOrder& order, BankLevel level, uint64_t& offset, UbPlacement& p)
{
    PlaceSlot(order.out, level >= BankLevel::TEMPS, PadToPhase(offset, BANK_HALF_PHASE), offset, p.outPad,
              p.outBufferBytes, p.outOffset, p.padBytes);
}

// A plan's layout: walks the order from tmpA and places each buffer its level pays for.
__aicore__ inline void PlaceOperands(const UbOrder& order, bool placed, uint64_t& offset, UbPlacement& p)
{
    for (uint32_t k = 0; k < PLACED_OPERANDS; ++k) {
        const UbSlot& slot = order.operands[k];
        PlaceSlot(slot, placed, PadToPhase(offset, slot.phase), offset, p.operandPad[k], p.operandBufferBytes[k],
                  p.operandOffset[k], p.padBytes);
    }
}

// Whether the plan puts the operands' buffers before the input queue (PlaceUb, AllocateInPlanOrder).
__aicore__ inline bool OperandsFirst(const UbOrder& order, BankPlan plan)
{
    return plan.operandsFirst && order.operandsFirst && plan.level >= BankLevel::PLACED;
}

__aicore__ inline UbPlacement PlaceUb(const UbOrder& order, BankPlan plan)
{
    UbPlacement p{};
    const bool early = plan.level >= BankLevel::PLACED;
    const bool operandsFirst = OperandsFirst(order, plan);
    p.tmpASlack = plan.shiftSlack && early ? order.tmpASlack : 0;
    p.padBytes = p.tmpASlack;
    uint64_t offset = order.fp32TileBytes + p.tmpASlack;
    if (operandsFirst) {
        PlaceOperands(order, early, offset, p);
    }
    PlaceSlot(order.input, early, PadToPhase(offset, order.input.phase), offset, p.inputPad, p.inputBufferBytes,
              p.inputOffset, p.padBytes);
    if (plan.out == OutputSlot::EARLY) {
        PlaceOutput(order, plan.level, offset, p);
    }
    PlaceSlot(order.target, plan.level >= BankLevel::TARGET, PadToPhase(offset, order.target.phase), offset,
              p.targetPad, p.targetBufferBytes, p.targetOffset, p.padBytes);
    if (!operandsFirst) {
        PlaceOperands(order, early, offset, p);
    }
    if (plan.out == OutputSlot::MIDDLE) {
        PlaceOutput(order, plan.level, offset, p);
    }
    for (uint32_t k = 0; k < order.laterTemps && k < GRAD_FP32_TEMPS - 1; ++k) {
        const UbSlot temp{order.fp32TileBytes, 1, BANK_HALF_PHASE, true, Partner::TMP_A};
        const uint32_t pad = k == 0 ? FirstTempPad(offset, plan.level) : PadToPhase(offset, BANK_HALF_PHASE);
        uint32_t bytes = 0;
        PlaceSlot(temp, plan.level >= BankLevel::TEMPS, pad, offset, p.tempPad[k], bytes, p.tempOffset[k],
                  p.padBytes);
    }
    if (plan.out == OutputSlot::LATE) {
        PlaceOutput(order, plan.level, offset, p);
    }
    return p;
}

// TilingData.bankPadBytes holds the chosen plan's pads (a multiple of BLOCK_BYTES: every pad and
// rounding is) plus its index k + 1 (BankPlanAt(k)) in the bits below BLOCK_BYTES, so that plans with
// equal pads stay apart; 0 is PACKED_PLAN.
constexpr uint64_t BANK_PLAN_BITS = BLOCK_BYTES - 1;
static_assert(BANK_PLAN_COUNT <= BANK_PLAN_BITS, "plan index + 1 must fit below BLOCK_BYTES");

__aicore__ inline uint64_t EncodeBankPlan(uint64_t padBytes, uint32_t planIndex)
{
    return padBytes + planIndex + 1;
}

// The UB bytes of the pads.
__aicore__ inline uint64_t BankPadsOf(uint64_t bankPadBytes) { return bankPadBytes & ~BANK_PLAN_BITS; }

// The plan bankPadBytes names (Validate checks the index and the pads).
__aicore__ inline BankPlan PlanOf(uint64_t bankPadBytes)
{
    const uint64_t index = bankPadBytes & BANK_PLAN_BITS;
    return index == 0 ? PACKED_PLAN : BankPlanAt(static_cast<uint32_t>(index - 1));
}

// Bytes of one element of a TilingData dtype: fp32, or a 16-bit type (fp16, bf16).
__aicore__ inline uint32_t DTypeElemBytes(uint32_t dtype)
{
    return static_cast<DType>(dtype) == DType::FLOAT32 ? FP32_BYTES : FP32_BYTES / 2;
}

// The buffer an operand's Apply multiplies into the tile (allocated by BroadcastOperand::Allocate,
// before the late buffers): a PERIODIC expansion, a GENERIC tile's gathered values, an fp32 FULL
// stream, a ROW chunk (fp32) or its fp32 widening. None for a 16-bit FULL stream: it is widened
// into tmpA or a later temp first, and its Cast meets that temp's bank row, so it stays after the
// temps (SetUp). `phase` is the half opposite the partner tile's.
__aicore__ inline UbSlot OperandSlot(const OperandTiling& op, uint32_t tileLength, uint32_t phase, Partner partner)
{
    const uint32_t fp32Tile = tileLength * FP32_BYTES;
    const bool fp32 = static_cast<DType>(op.dtype) == DType::FLOAT32;
    switch (static_cast<OperandMode>(op.mode)) {
        case OperandMode::PERIODIC:
            return UbSlot{static_cast<uint32_t>((op.periodAligned + PeriodTailElems(op, tileLength)) * FP32_BYTES), 1, phase,
                          true, partner};
        case OperandMode::GENERIC:
        case OperandMode::ROW:
            return UbSlot{fp32Tile, 1, phase, true, partner};
        case OperandMode::FULL:
            return fp32 ? UbSlot{fp32Tile, op.bufferNum, phase, true, partner} : UbSlot{};
        default:
            return UbSlot{};
    }
}

// The kernels' UB order for a tiling (forward, backward and backward-target kernels alike), with
// the tile each buffer is multiplied into (Compute, ApplyFactors): the forward's loss is in the
// second later temp (tmpC), the backward's pos_weight term in the first (tmpB, tmpC for dL/dtarget);
// the factors of an fp32 'none' loss or of an fp32 gradient multiply x's buffer, which holds it
// (LossIntoInput), those of a 16-bit gradient the third later temp (tmpD). A 16-bit target is
// widened into tmpA (forward and dL/dinput; the backward's Partner stays NONE: the host counts that
// Cast's row clashes as CastClashes), and x's buffer is the narrowing Cast's destination from tmpC
// (forward) or tmpD (backward).
__aicore__ inline UbOrder KernelUbOrder(const TilingData& t)
{
    const uint32_t tileLength = static_cast<uint32_t>(t.tileLength);
    const uint32_t tileBytes = tileLength * DTypeElemBytes(t.dtype);
    const bool fp32 = static_cast<DType>(t.dtype) == DType::FLOAT32;
    const auto kernel = static_cast<KernelKind>(t.kernel);
    const bool backward = kernel != KernelKind::FORWARD;
    const bool partials = !backward && static_cast<Reduction>(t.reduction) != Reduction::NONE;
    const Partner loss = kernel == KernelKind::BACKWARD ? Partner::FIRST_TEMP : Partner::SECOND_TEMP;
    const bool lossIntoInput = LossIntoInput(t.kernel, t.reduction);
    const Partner factors = fp32 && lossIntoInput ? Partner::INPUT : (backward ? Partner::THIRD_TEMP : Partner::SECOND_TEMP);
    // Opposite the partner's phase: an fp32 input buffer lies at phase 0, the later temps at the
    // half phase.
    const uint32_t factorPhase = factors == Partner::INPUT ? BANK_HALF_PHASE : 0;
    UbOrder order{};
    order.fp32TileBytes = tileLength * FP32_BYTES;
    // An fp32 input is read beside tmpA's writes (Mins(a, x, 0)): at phase 0 it lies bank for
    // bank on tmpA or in another bank row.
    order.input = UbSlot{tileBytes, BUFFER_NUM, 0, fp32, Partner::NONE};
    const uint32_t targetBuffers = TargetBuffers(t.kernel);
    order.target = UbSlot{targetBuffers == 0 ? 0 : tileBytes, targetBuffers, 0, fp32,
                          fp32 ? loss : (backward ? Partner::NONE : Partner::TMP_A)};
    order.operands[0] = OperandSlot(t.weight, tileLength, factorPhase, factors);
    order.operands[1] = OperandSlot(t.posWeight, tileLength, 0, loss);
    order.operands[2] = OperandSlot(t.gradOutput, tileLength, factorPhase, factors);
    // mean/sum write one fp32 partial per tile: a 32-B block is the smallest UB buffer. The
    // forward's 'none' and the backward kernels have no output queue (LossIntoInput).
    if (partials) {
        order.out = UbSlot{BLOCK_BYTES, PARTIALS_BUFFERS, 0, false, Partner::NONE};
    }
    order.laterTemps = (backward ? GRAD_FP32_TEMPS : FP32_TEMPS) - 1;
    order.sumsLoss = partials;
    // The forward and dL/dinput multiply an fp32 PERIODIC pos_weight into y * softplus(-x) (y * n2)
    // read from tmpA at the phase opposite the expansion's for the tile (OppositePeriodReadElems): up to
    // a bank cycle less a block behind tmpA's start.
    const bool periodicPosWeight = static_cast<OperandMode>(t.posWeight.mode) == OperandMode::PERIODIC;
    order.tmpASlack = kernel != KernelKind::BACKWARD_TARGET && fp32 && periodicPosWeight ? BANK_CYCLE_BYTES - BLOCK_BYTES : 0;
    // dL/dinput with a 16-bit target: y's widening into tmpA reads the target queue in the beat it
    // writes tmpA, a read-write conflict where the two share a bank row (as x's widening into tmpD
    // and the gradient's narrowing back meet x's buffer; the host's CastClashes counts them). With
    // the operands' buffers ahead of the input queue the target can leave tmpA's row, and a PERIODIC
    // pos_weight's expansion can join it, away from tmpB's (its in-place Mul into tmpB). With fp32
    // tiles and a PERIODIC pos_weight (the slack plans' y * n2 written into tmpA beside y's reads, then
    // multiplied into tmpB from there and the expansion) the same moves serve both Muls.
    // The forward's 16-bit 'none' widens y into tmpA alike, and with no output queue between the
    // input and target queues (LossIntoInput) y would start in tmpA's bank row: the operands' buffers
    // ahead of the input queue move it out (the expansion's partner, tmpC, stays last). A 16-bit
    // dL/dtarget (no target queue) gets the same plans: the host's cost chooses where its operands'
    // buffers go, which moves x's buffers (CastClashes) against tmpD's rows.
    order.operandsFirst =
        (kernel == KernelKind::BACKWARD && (!fp32 || order.tmpASlack != 0)) || (lossIntoInput && !fp32);
    // Both backward kernels widen a 16-bit x into tmpD and narrow their gradient from there into
    // x's buffer (dL/dtarget has no target to widen).
    order.narrowCasts = backward && !fp32;
    // dL/dinput's slack plans write y * n2 into tmpA in the beat they read y (grad.h
    // ShiftedTargetTerms): the target queue's partner there is tmpA, not tmpB.
    order.shiftedTargetIntoTmpA = kernel == KernelKind::BACKWARD;
    return order;
}

}  // namespace BceWithLogits

#ifdef BCE_BANK_PLAN_HOST_AICORE
#undef __aicore__
#undef BCE_BANK_PLAN_HOST_AICORE
#endif

#endif  // BCE_WITH_LOGITS_BANK_PLAN_H
