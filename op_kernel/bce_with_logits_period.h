// PERIODIC operand set-up of bce_with_logits on the vector pipe: expanded[j] = operand at flat index
// j for j < lcm(P, 8), from the operand's one UB copy. An operand that is its own period (staged
// behind a head block, bce_with_logits_period_plan.h) is expanded one period copy at a time: a
// vector copy where the copy's source is 32-B aligned, else one Gather at a constant base from a
// byte ramp. Any other operand is gathered by byte offsets that the vector unit computes from an
// index ramp. No scalar loop and no second GM read of the operand.
#ifndef BCE_WITH_LOGITS_PERIOD_H
#define BCE_WITH_LOGITS_PERIOD_H

#include "kernel_operator.h"
#include "bce_with_logits_gather.h"
#include "bce_with_logits_period_plan.h"
#include "bce_with_logits_sync.h"
#include "bce_with_logits_tiling.h"

namespace BceWithLogits {

// fp32 tiles the kernel lends an operand's set-up in Init (its compute tiles, not yet in use).
struct SetupScratch {
    GatherTiles tiles;
    uint32_t length;  // elements of each
};

// expanded[j] = values[source(j)] for j < op.periodAligned. `values` is the operand in fp32 in UB,
// `ramp` a free span of at least scratch.length fp32 elements.
__aicore__ inline void GatherPeriod(const AscendC::LocalTensor<float>& expanded,
                                    const AscendC::LocalTensor<float>& values,
                                    const AscendC::LocalTensor<float>& ramp, const OperandTiling& op,
                                    const TilingData& tiling, const SetupScratch& scratch)
{
    uint32_t lead = 0;
    while (lead + 1 < tiling.rank && op.strides[lead] == 0) {
        ++lead;
    }
    uint32_t chunk = scratch.length < MAX_GATHER_ELEMS_FP32 ? scratch.length : MAX_GATHER_ELEMS_FP32;
    chunk = op.periodAligned < chunk ? static_cast<uint32_t>(op.periodAligned) : chunk;
    BuildRamp(ramp, chunk);
    for (uint64_t first = 0; first < op.periodAligned; first += chunk) {
        const uint64_t left = op.periodAligned - first;
        const uint32_t count = left < chunk ? static_cast<uint32_t>(left) : chunk;
        const GatherWindow window = GatherOffsets(scratch.tiles, ramp, first, count, op, tiling, lead, false,
                                                  FP32_BYTES);
        AscendC::Gather(expanded[static_cast<uint32_t>(first)], values,
                        scratch.tiles.offsets.ReinterpretCast<uint32_t>(), window.baseBytes, count);
    }
}

// ramp[i] = i * FP32_BYTES as uint32 for i < length, in place: the byte offsets of a Gather of
// `length` consecutive fp32 elements from any element address (its srcBaseAddr).
__aicore__ inline void BuildByteRamp(const AscendC::LocalTensor<float>& ramp, uint32_t length)
{
    BuildRamp(ramp, length);
    AscendC::Muls(ramp, ramp, static_cast<float>(FP32_BYTES), static_cast<int32_t>(length));
    AscendC::Cast(ramp.ReinterpretCast<int32_t>(), ramp, AscendC::RoundMode::CAST_RINT, length);
}

// Elements one Gather of CopyPeriods covers: a whole period copy (under P + one block), or at most
// one tile (the room its byte ramp has) and one count-form Gather.
__aicore__ inline uint32_t PeriodPieceElems(const OperandTiling& op, uint32_t tileLength)
{
    const uint32_t limit = tileLength < MAX_GATHER_ELEMS_FP32 ? tileLength : MAX_GATHER_ELEMS_FP32;
    const uint64_t longest = op.period + ALIGN_ELEMS_FP32;
    return longest < limit ? static_cast<uint32_t>(longest) : limit;
}

// expanded[j] = operand[j mod P] for j < op.periodAligned, for an operand that is its own period
// (IsOwnPeriod): `values` is the staged operand in fp32 behind its head (PeriodHeadElems), and with a
// head `ramp` holds the byte ramp (BuildByteRamp over PeriodPieceElems, PeriodRamp). Period copies are vector copies (Muls by 1:
// exact) where their source is 32-B aligned (the one copy when P is a multiple of 8), else Gathers
// at a constant base, of at most one ramp each.
__aicore__ inline void CopyPeriods(const AscendC::LocalTensor<float>& expanded,
                                   const AscendC::LocalTensor<float>& values, uint32_t head,
                                   const AscendC::LocalTensor<float>& ramp, const OperandTiling& op,
                                   uint32_t tileLength)
{
    const AscendC::LocalTensor<uint32_t> offsets = ramp.ReinterpretCast<uint32_t>();
    const uint32_t piece = PeriodPieceElems(op, tileLength);
    if (head != 0) {  // from the staged operand behind it: no second GM read of its last elements
        AscendC::Gather(values, values[head], offsets, static_cast<uint32_t>(op.period - head) * FP32_BYTES, head);
    }
    for (uint64_t k = 0; k * op.period < op.periodAligned; ++k) {
        const PeriodCopy copy = PeriodCopyAt(op, head, k);
        const uint32_t length = static_cast<uint32_t>(copy.end - copy.first);
        const uint32_t first = static_cast<uint32_t>(copy.first);
        const uint32_t source = static_cast<uint32_t>(copy.source);
        if (source % ALIGN_ELEMS_FP32 == 0) {
            AscendC::Muls(expanded[first], values[source], 1.0f, static_cast<int32_t>(length));
            continue;
        }
        for (uint32_t done = 0; done < length; done += piece) {
            const uint32_t count = length - done < piece ? length - done : piece;
            AscendC::Gather(expanded[first + done], values, offsets, (source + done) * FP32_BYTES, count);
        }
    }
}

// Where a PERIODIC set-up keeps its index ramp: the expanded buffer's not yet replicated tail, or
// without one (PeriodTailElems; only operands copied period by period) a scratch tile, which another
// operand's set-up may have written on the vector pipe. The byte ramp of period copies that start
// mid-block is built here, before the operand arrives; its first block is a scalar store, so in a
// scratch tile it waits for V_S first.
__aicore__ inline AscendC::LocalTensor<float> PeriodRamp(AscendC::TPipe& pipe,
                                                         const AscendC::LocalTensor<float>& expanded,
                                                         const OperandTiling& op, uint32_t tileLength,
                                                         const SetupScratch& scratch)
{
    const bool inTail = PeriodTailElems(op, tileLength) != 0;
    const AscendC::LocalTensor<float> ramp =
        inTail ? expanded[static_cast<uint32_t>(op.periodAligned)] : scratch.tiles.offsets;
    if (PeriodHeadElems(op) != 0) {
        if (!inTail) {
            WaitPipe<AscendC::HardEvent::V_S>(pipe);
        }
        BuildByteRamp(ramp, PeriodPieceElems(op, tileLength));
    }
    return ramp;
}

// dst[0, count) = src[0, count) * the operand at flat indices [offset, offset + count): one Mul from
// the tile's place in the expanded period, and one more from its start when the tile runs past a
// period without a tail (PeriodTailElems); both pieces start 32-B aligned. src may be dst.
__aicore__ inline void ApplyPeriodFrom(const AscendC::LocalTensor<float>& dst, const AscendC::LocalTensor<float>& src,
                                       const AscendC::LocalTensor<float>& expanded, const OperandTiling& op,
                                       uint32_t tileLength, uint64_t offset, uint32_t count)
{
    const uint64_t end = op.periodAligned + PeriodTailElems(op, tileLength);
    uint32_t at = static_cast<uint32_t>(offset % op.periodAligned);
    for (uint32_t done = 0; done < count;) {
        const uint32_t run = end - at < count - done ? static_cast<uint32_t>(end - at) : count - done;
        AscendC::Mul(dst[done], src[done], expanded[at], static_cast<int32_t>(run));
        done += run;
        at = 0;
    }
}

// dst[0, count) *= the operand at flat indices [offset, offset + count) (ApplyPeriodFrom in place).
__aicore__ inline void ApplyPeriod(const AscendC::LocalTensor<float>& dst,
                                   const AscendC::LocalTensor<float>& expanded, const OperandTiling& op,
                                   uint32_t tileLength, uint64_t offset, uint32_t count)
{
    ApplyPeriodFrom(dst, dst, expanded, op, tileLength, offset, count);
}

// The expansion's first read for the tile at `offset` (expanded[offset % periodAligned], the
// expansion at UB offset `expandedOffset`) moves from tile to tile through all 16 bank phases of
// 32 B when the period is not a multiple of 128 elements, so an in-place Mul into a tile at a fixed
// phase reads two sources in one bank group in every repeat of most tiles. This is the element
// offset in a buffer at UB phase 0 (tmpA) that lies at the half phase opposite that read: a tile
// put there is multiplied with no read-read conflict. Below (BANK_CYCLE_BYTES - BLOCK_BYTES) / 4 + 1:
// the tile needs UbOrder::tmpASlack bytes beyond its own.
__aicore__ inline uint32_t OppositePeriodReadElems(uint64_t expandedOffset, const OperandTiling& op, uint64_t offset)
{
    const uint64_t read = expandedOffset + offset % op.periodAligned * FP32_BYTES;
    return static_cast<uint32_t>((read + BANK_HALF_PHASE) % BANK_CYCLE_BYTES / FP32_BYTES);
}

}  // namespace BceWithLogits

#endif  // BCE_WITH_LOGITS_PERIOD_H
