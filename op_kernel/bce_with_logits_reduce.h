// Deterministic fp32 reduction of bce_with_logits: pairwise sums whose order depends only on the
// element count, never on the block count, so mean/sum are bit-identical for any launch.
#ifndef BCE_WITH_LOGITS_REDUCE_H
#define BCE_WITH_LOGITS_REDUCE_H

#include "kernel_operator.h"
#include "bce_with_logits_bank_plan.h"
#include "bce_with_logits_reduce_compat.h"
#include "bce_with_logits_tiling.h"

namespace BceWithLogits {

__aicore__ inline uint32_t AlignUpElems(uint32_t count, uint32_t align)
{
    return (count + align - 1) / align * align;
}

// Elements the pairwise sum reads: at least one full fp32 repeat.
__aicore__ inline uint32_t PairwiseSpan(uint32_t count)
{
    const uint32_t span = AlignUpElems(count, REPEAT_ELEMS_FP32);
    return span == 0 ? REPEAT_ELEMS_FP32 : span;
}

// A tile PairwiseSum may halve into, and the UB offsets of both tiles (bank rows: BANK_ROW_BYTES).
struct PairwiseSpare {
    AscendC::LocalTensor<float> tile;
    uint64_t tileUb;     // UB offset of `tile`
    uint64_t srcUb;      // UB offset of PairwiseSum's src
    bool holdsUpper;     // the first halving's upper half, src[half, len), is in tile[0, len - half)
};

// The first halving's half of a pairwise sum over `count` elements (PairwiseSum).
__aicore__ inline uint32_t FirstPairwiseHalf(uint32_t count)
{
    const uint32_t len = PairwiseSpan(count);
    return AlignUpElems((len + 1) / 2, REPEAT_ELEMS_FP32);
}

// dst[0] = sum of src[0, count). src[count, PairwiseSpan(count)) must hold zeros; src is
// consumed. Halving with Add is a pairwise sum (error O(log n) ulps) where A2's ReduceSum adds
// repeats one after another; the last repeat is finished by ReduceRepeat's vcadd tree inside 256 B,
// which writes dst[0] from the vector pipe: no V_S/S_V round trip through the scalar unit (A2's
// ReduceSum issues the same vcadd, then reads the result back with the scalar unit), so the next
// tile's copy-in is not held behind this tile's vector work. dst needs only element alignment.
// An in-place halving writes each repeat one repeat late, beside the next repeat's read of the
// upper half, in the same bank group when the half is an odd number of repeats: a read-write
// conflict in every repeat where both halves lie in one bank row. With a `spare` tile, such a
// halving with nothing left over (len = 2 half) writes the spare tile instead when it lies in other
// bank rows, and the halvings go on there (and back): the same sums in the same order. A halving
// whose half is an even number of repeats reads both halves in the same bank groups; for the first
// one the caller may put the upper half in the spare tile instead, at the other phase (holdsUpper).
__aicore__ inline void PairwiseSum(const AscendC::LocalTensor<float>& dst, const AscendC::LocalTensor<float>& src,
                                   uint32_t count, const PairwiseSpare* spare = nullptr)
{
    AscendC::LocalTensor<float> tiles[2] = {src, spare != nullptr ? spare->tile : src};
    const uint64_t ubs[2] = {spare != nullptr ? spare->srcUb : 0, spare != nullptr ? spare->tileUb : 0};
    uint32_t at = 0;  // the tile holding the running sums
    uint32_t len = PairwiseSpan(count);
    if (spare != nullptr && spare->holdsUpper && len > REPEAT_ELEMS_FP32) {
        const uint32_t half = FirstPairwiseHalf(count);
        AscendC::Add(src, src, spare->tile, static_cast<int32_t>(len - half));
        len = half;
    }
    while (len > REPEAT_ELEMS_FP32) {
        const uint32_t half = AlignUpElems((len + 1) / 2, REPEAT_ELEMS_FP32);
        const bool oddHalf = half / REPEAT_ELEMS_FP32 % 2 == 1;
        if (spare != nullptr && oddHalf && len == 2 * half &&
            InOtherBankRows(ubs[at], static_cast<uint64_t>(len) * FP32_BYTES, ubs[1 - at],
                            static_cast<uint64_t>(half) * FP32_BYTES)) {
            AscendC::Add(tiles[1 - at], tiles[at], tiles[at][half], static_cast<int32_t>(half));
            at = 1 - at;
        } else {
            AscendC::Add(tiles[at], tiles[at], tiles[at][half], static_cast<int32_t>(len - half));
        }
        len = half;
    }
    constexpr int32_t oneRepeat = 1;
    constexpr int32_t dstRepStride = 1;           // unused with one repeat
    constexpr int32_t srcBlkStride = 1;           // contiguous blocks
    constexpr int32_t srcRepStride = REPEAT_BYTES / BLOCK_BYTES;
    SumEachRepeat<float>(dst, tiles[at], static_cast<int32_t>(REPEAT_ELEMS_FP32), oneRepeat, dstRepStride,
                         srcBlkStride, srcRepStride);
}

// Zeroes what PairwiseSum reads of a tile before the tile's `count` valid elements are
// written (the count forms then leave the zeros beyond `count` untouched).
__aicore__ inline void ZeroPairwiseSpan(const AscendC::LocalTensor<float>& tile, uint32_t count)
{
    AscendC::Duplicate(tile, 0.0f, static_cast<int32_t>(PairwiseSpan(count)));
}

// Zeroes what PairwiseSum reads of a tile past its first `count` elements, from the 32-B block
// holding element `count` on: the tile's `count` valid elements, written after this by count-form
// instructions (which write exactly `count`), overwrite that block's head. The same zeros where
// PairwiseSum reads them as ZeroPairwiseSpan, for at most one repeat of Duplicate (the span ends
// within 64 elements of `count`) instead of the whole span's (a row tile of pos_weight[21841]'s
// last chunk, 5329 of 5504 elements: 84 -> 1).
__aicore__ inline void ZeroPairwisePad(const AscendC::LocalTensor<float>& tile, uint32_t count)
{
    const uint32_t from = count / ALIGN_ELEMS_FP32 * ALIGN_ELEMS_FP32;
    const uint32_t span = PairwiseSpan(count);
    if (span > from) {  // a whole number of repeats reads nothing past `count`
        AscendC::Duplicate(tile[from], 0.0f, static_cast<int32_t>(span - from));
    }
}

// Zeroes tile[AlignUp(count, 8), PairwiseSpan(count)): the part PairwiseSum reads beyond a run
// that a zero-padded copy (CopyZeroPadded) brought in; the copy itself zeroed up to the 32-B block.
__aicore__ inline void ZeroPairwiseTail(const AscendC::LocalTensor<float>& tile, uint32_t count)
{
    const uint32_t copied = AlignUpElems(count, ALIGN_ELEMS_FP32);
    const uint32_t span = PairwiseSpan(count);
    if (span > copied) {
        AscendC::Duplicate(tile[copied], 0.0f, static_cast<int32_t>(span - copied));
    }
}

}  // namespace BceWithLogits

#endif  // BCE_WITH_LOGITS_REDUCE_H
