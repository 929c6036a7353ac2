// A kernel's UB allocated in the order of its bank plan (bce_with_logits_bank_plan.h), shared by the
// forward and backward kernels: tmpA first (UB offset 0), the input queue, the output queue if the
// plan puts it early, the target queue, each operand's Mul buffer (BroadcastOperand::Allocate; right
// after tmpA instead on an operands-first plan), the output queue if in the middle, the later temps,
// the output queue if late. TPipe places buffers back
// to back in InitBuffer order, so this must be the kernel's first allocation; the operands' SetUp
// (their other buffers and one-off work) follows it.
#ifndef BCE_WITH_LOGITS_UB_ALLOC_H
#define BCE_WITH_LOGITS_UB_ALLOC_H

#include "kernel_operator.h"
#include "bce_with_logits_operand.h"
#include "bce_with_logits_tiling.h"
#include "bce_with_logits_ub_layout.h"

namespace BceWithLogits {

// One broadcast operand of a kernel with its GM address and tiling, in the order of
// UbPlacement::operandPad.
struct OperandAt {
    BroadcastOperand* operand;
    GM_ADDR gm;
    const OperandTiling* tiling;
};

// The output queue, if the plan puts it at `slot`.
template <typename OutQueue>
__aicore__ inline void InitOutputAt(AscendC::TPipe& pipe, OutQueue& out, BankPads& pads, const BankPlan& plan,
                                    const UbOrder& order, const UbPlacement& place, OutputSlot slot)
{
    if (plan.out == slot) {
        InitPlacedQueue(pipe, out, pads.out, place.outPad, order.out.num, place.outBufferBytes);
    }
}

// Each operand's Mul buffer (BroadcastOperand::Allocate), in the order of UbPlacement::operandPad.
template <uint32_t N>
__aicore__ inline void AllocateOperands(AscendC::TPipe& pipe, const TilingData& tiling, const UbPlacement& place,
                                        const OperandAt (&operands)[N])
{
    for (uint32_t k = 0; k < N; ++k) {
        operands[k].operand->Allocate(pipe, operands[k].gm, *operands[k].tiling, tiling, place.operandPad[k],
                                      place.operandBufferBytes[k]);
    }
}

// The kernel's buffers by role, each queue with the buffers its UbOrder slot holds; tmpA with the
// plan's slack behind it. Returns the placement.
template <typename InputQueue, typename TargetQueue, typename OutQueue, uint32_t N, uint32_t M>
__aicore__ inline UbPlacement AllocateInPlanOrder(AscendC::TPipe& pipe, const TilingData& tiling, BankPads& pads,
                                           TempBuf& tmpA, InputQueue& input, TargetQueue& target, OutQueue& out,
                                           const OperandAt (&operands)[N], TempBuf* const (&laterTemps)[M])
{
    // UbPlacement and BankPads hold one pad per placed operand and per later temp.
    static_assert(N <= PLACED_OPERANDS, "more operands than UbPlacement places");
    static_assert(M <= GRAD_FP32_TEMPS - 1, "more later temps than BankPads has pads for");
    const UbOrder order = KernelUbOrder(tiling);
    const BankPlan plan = PlanOf(tiling.bankPadBytes);
    const UbPlacement place = PlaceUb(order, plan);
    pipe.InitBuffer(tmpA, order.fp32TileBytes + place.tmpASlack);
    const bool operandsFirst = OperandsFirst(order, plan);
    if (operandsFirst) {
        AllocateOperands(pipe, tiling, place, operands);
    }
    InitPlacedQueue(pipe, input, pads.input, place.inputPad, order.input.num, place.inputBufferBytes);
    InitOutputAt(pipe, out, pads, plan, order, place, OutputSlot::EARLY);
    InitPlacedQueue(pipe, target, pads.target, place.targetPad, order.target.num, place.targetBufferBytes);
    if (!operandsFirst) {
        AllocateOperands(pipe, tiling, place, operands);
    }
    InitOutputAt(pipe, out, pads, plan, order, place, OutputSlot::MIDDLE);
    InitLaterTemps(pipe, laterTemps, pads, place, order.fp32TileBytes);
    InitOutputAt(pipe, out, pads, plan, order, place, OutputSlot::LATE);
    return place;
}

}  // namespace BceWithLogits

#endif  // BCE_WITH_LOGITS_UB_ALLOC_H
