// UB plan of a PERIODIC operand's expansion: which operands are staged behind a head block (and so
// expanded by whole period copies instead of index arithmetic), and where period copy k lands.
// Pure integer arithmetic shared by the kernel (bce_with_logits_period.h: what it expands) and the
// host tiling (op_host PeriodicFixedBytes: the UB it reserves), so both use one rule.
#ifndef BCE_WITH_LOGITS_PERIOD_PLAN_H
#define BCE_WITH_LOGITS_PERIOD_PLAN_H

#include "bce_with_logits_tiling.h"

// Kernel builds include kernel_operator.h first, which defines __aicore__; the host tiling does
// not, and compiles these as plain inline functions (as bce_with_logits_span.h does).
#ifndef __aicore__
#define __aicore__
#define BCE_PERIOD_PLAN_HOST_AICORE
#endif

namespace BceWithLogits {

// A PERIODIC operand that is its own period (no broadcast dim inside it) and at least one fp32 block
// long is expanded by whole period copies (bce_with_logits_period.h CopyPeriods); any other by the
// general strided gather.
__aicore__ inline bool IsOwnPeriod(const OperandTiling& op)
{
    return op.numel == op.period && op.period >= ALIGN_ELEMS_FP32;
}

// fp32 elements of the head an operand copied period by period is staged behind in UB (a copy of
// its last elements, so that values[head + i] = operand[i mod P] for i in [-head, P)): one 32-B
// block of fp32 when P is not a multiple of 8, so that some period copy starts mid-block; else 0.
__aicore__ inline uint32_t PeriodHeadElems(const OperandTiling& op)
{
    return IsOwnPeriod(op) && op.period % ALIGN_ELEMS_FP32 != 0 ? ALIGN_ELEMS_FP32 : 0;
}

// Whether the expanded buffer holds a tile's worth behind its aligned period, so that a tile
// starting anywhere in the period reads one contiguous run (one Mul). Not when the operand is copied
// period by period and its period is at least a tile long: then a tile that runs past the period
// applies it in two pieces, one more Mul for some tiles, and the UB keeps a tile's worth more for
// every other buffer. (The general gather keeps its index ramp in the tail.)
__aicore__ inline bool PeriodHasTail(const OperandTiling& op, uint64_t tileLength)
{
    return !IsOwnPeriod(op) || op.periodAligned < tileLength;
}

__aicore__ inline uint64_t PeriodTailElems(const OperandTiling& op, uint64_t tileLength)
{
    return PeriodHasTail(op, tileLength) ? tileLength : 0;
}

// Period copy k of an operand with a head: expanded[first, end) = staged fp32 from `source` on.
// It starts at the aligned row holding flat index kP; the indices before kP read the previous
// copy's last elements from the head (source = head + first - kP > 0).
struct PeriodCopy {
    uint64_t first;   // expanded element, 32-B aligned
    uint64_t end;     // the next copy's first, or periodAligned for the last
    uint64_t source;  // element of the staged fp32 operand (head included)
};

__aicore__ inline PeriodCopy PeriodCopyAt(const OperandTiling& op, uint32_t head, uint64_t k)
{
    const uint64_t start = k * op.period;
    const uint64_t next = start + op.period;
    const uint64_t first = start / ALIGN_ELEMS_FP32 * ALIGN_ELEMS_FP32;
    const uint64_t end = next >= op.periodAligned ? op.periodAligned : next / ALIGN_ELEMS_FP32 * ALIGN_ELEMS_FP32;
    return PeriodCopy{first, end, head + first - start};
}

}  // namespace BceWithLogits

#ifdef BCE_PERIOD_PLAN_HOST_AICORE
#undef __aicore__
#undef BCE_PERIOD_PLAN_HOST_AICORE
#endif

#endif  // BCE_WITH_LOGITS_PERIOD_PLAN_H
