// Gather offsets of a broadcast operand of bce_with_logits, computed on the vector pipe: for the
// flat indices first + i (i < count) of the iteration space, the byte offset of the operand element
// each one reads. The scalar unit only does O(rank) arithmetic per call (coordinates of the first
// and last index); no element is touched by it. Used by PERIODIC set-up and by GENERIC tiles.
#ifndef BCE_WITH_LOGITS_GATHER_H
#define BCE_WITH_LOGITS_GATHER_H

#include "kernel_operator.h"
#include "bce_with_logits_tiling.h"
#include "bce_with_logits_span.h"

namespace BceWithLogits {

// Index arithmetic runs in fp32 on integers below 2^17 (exact); an inner block longer than this
// (> any window) is handled as "crossed at most once" so that no value exceeds 2 * SMALL_INNER.
constexpr uint64_t SMALL_INNER = 1u << 15;
constexpr float HALF_STEP = 0.5f;

// fp32 tiles an offset computation works in; each holds at least the window's count.
struct GatherTiles {
    AscendC::LocalTensor<float> term;     // one dim's coordinate
    AscendC::LocalTensor<float> work;     // scratch of the modulo
    AscendC::LocalTensor<float> offsets;  // the sum, returned as uint32 byte offsets
};

// What the offsets are relative to.
struct GatherWindow {
    uint64_t base;       // operand element the offsets count from (0 unless relative)
    uint64_t span;       // operand elements from `base` the window reads (relative windows)
    uint32_t baseBytes;  // Gather's srcBaseOffset: constant terms of the window, in bytes
};

// ramp[i] = i for i < length: CreateVecIndex for one repeat (its first block is written by the
// scalar unit), then doubling Adds, log2(length / 64) instructions instead of length / 64.
__aicore__ inline void BuildRamp(const AscendC::LocalTensor<float>& ramp, uint32_t length)
{
    const uint32_t first = length < REPEAT_ELEMS_FP32 ? length : REPEAT_ELEMS_FP32;
    AscendC::CreateVecIndex(ramp, 0.0f, first);
    for (uint32_t done = first; done < length; done *= 2) {
        const uint32_t count = done < length - done ? done : length - done;
        AscendC::Adds(ramp[done], ramp, static_cast<float>(done), static_cast<int32_t>(count));
    }
}

// dst = floor((src + addend + 1/2) / divisor) for integer-valued src + addend in [0, 2^17): the half
// keeps the exact quotient at least 1/(2 divisor) from an integer, over 20 times the error of the
// product with fl(1/divisor), so Cast's floor is exact. dst may be src.
__aicore__ inline void FloorDiv(const AscendC::LocalTensor<float>& dst, const AscendC::LocalTensor<float>& src,
                                float addend, float divisor, uint32_t count)
{
    AscendC::Adds(dst, src, addend + HALF_STEP, static_cast<int32_t>(count));
    AscendC::Muls(dst, dst, 1.0f / divisor, static_cast<int32_t>(count));
    AscendC::LocalTensor<int32_t> asInt = dst.ReinterpretCast<int32_t>();
    AscendC::Cast(asInt, dst, AscendC::RoundMode::CAST_FLOOR, count);
    AscendC::Cast(dst, asInt, AscendC::RoundMode::CAST_NONE, count);
}

// How one dim's coordinate moves over a window: q(i) = floor((i + rem) / inner), i < count.
struct DimStep {
    uint64_t rem;    // (after the large-inner rewrite) offset of the window's first index
    uint64_t inner;  // (after the rewrite) flat length of one step of this dim
    bool constant;   // q is 0 over the whole window
};

__aicore__ inline DimStep StepOf(uint64_t first, uint64_t inner, uint32_t count)
{
    const uint64_t rem = first % inner;
    if (inner <= SMALL_INNER) {
        return DimStep{rem, inner, false};
    }
    // i < count <= SMALL_INNER < inner: q is 1 from i = inner - rem on, if that comes at all.
    const uint64_t toNext = inner - rem;
    if (toNext >= count) {
        return DimStep{0, 1, true};
    }
    return DimStep{SMALL_INNER - toNext, SMALL_INNER, false};
}

// tiles.term (as int32) = start + q(i), mod dim when `wraps`; q from the ramp. A step count that
// needs neither start nor wrap stays in int32 straight from Cast's floor (3 passes).
__aicore__ inline AscendC::LocalTensor<int32_t> Coordinate(const GatherTiles& tiles,
                                                           const AscendC::LocalTensor<float>& ramp,
                                                           const DimStep& step, uint64_t start, uint64_t dim,
                                                           bool wraps, uint32_t count)
{
    const int32_t n = static_cast<int32_t>(count);
    const AscendC::LocalTensor<int32_t> asInt = tiles.term.ReinterpretCast<int32_t>();
    if (step.inner == 1) {
        AscendC::Adds(tiles.term, ramp, static_cast<float>(start + step.rem), n);
    } else {
        AscendC::Adds(tiles.term, ramp, static_cast<float>(step.rem) + HALF_STEP, n);
        AscendC::Muls(tiles.term, tiles.term, 1.0f / static_cast<float>(step.inner), n);
        AscendC::Cast(asInt, tiles.term, AscendC::RoundMode::CAST_FLOOR, count);
        if (start == 0 && !wraps) {
            return asInt;
        }
        AscendC::Cast(tiles.term, asInt, AscendC::RoundMode::CAST_NONE, count);
        if (start != 0) {
            AscendC::Adds(tiles.term, tiles.term, static_cast<float>(start), n);
        }
    }
    if (wraps) {
        const float d = static_cast<float>(dim);
        FloorDiv(tiles.work, tiles.term, 0.0f, d, count);
        AscendC::Muls(tiles.work, tiles.work, d, n);
        AscendC::Sub(tiles.term, tiles.term, tiles.work, n);
    }
    AscendC::Cast(asInt, tiles.term, AscendC::RoundMode::CAST_RINT, count);
    return asInt;
}

// Where a window of flat indices first + i (i < count) reads the operand. `relative` (GENERIC:
// real indices): base is the operand element of the window's fixed outer coordinates, and the
// outermost dim that changes inside the window (`outer`) counts its steps from there, so no value
// grows with N; span is what the window reads from base. Otherwise (PERIODIC: virtual indices
// below lcm(P, 8)) every dim from `fromDim` is a wrapped absolute coordinate and base is 0.
struct WindowShape {
    uint64_t inners[MAX_DIMS];  // flat length of one step of each dim
    uint32_t outer;             // first dim whose coordinate is computed per element
    GatherWindow window;
};

__aicore__ inline WindowShape ShapeOf(uint64_t first, uint32_t count, const OperandTiling& op,
                                      const TilingData& tiling, uint32_t fromDim, bool relative)
{
    const uint32_t rank = tiling.rank;
    const uint64_t last = first + count - 1;
    WindowShape shape{};
    FlatInners(tiling, shape.inners);
    shape.window = GatherWindow{0, 1, 0};
    shape.outer = fromDim;
    if (!relative) {
        return shape;
    }
    shape.outer = rank;
    for (uint32_t d = 0; d < rank; ++d) {
        if (first / shape.inners[d] != last / shape.inners[d]) {
            shape.outer = d;
            break;
        }
    }
    for (uint32_t d = 0; d < rank && d <= shape.outer; ++d) {
        shape.window.base += static_cast<uint64_t>(op.strides[d]) * (first / shape.inners[d] % tiling.dims[d]);
    }
    const uint64_t outerSteps =
        shape.outer < rank ? last / shape.inners[shape.outer] - first / shape.inners[shape.outer] : 0;
    const uint64_t extent = SingleSpan(op, tiling, shape.outer, outerSteps);
    const uint64_t left = op.numel - shape.window.base;
    shape.window.span = extent < left ? extent : left;
    return shape;
}

// A window whose single span exceeds the span buffer is copied as pieces: one per cell of dim
// `dim` it touches (cells: flat index / inners[dim]), piece k into the slot at k * slot - headSkip
// (piece 0 from its 32-B aligned start headSkip), so that the operand element with cell step k and
// in-cell offset r sits at k * slot + r - headSkip. Inside `dim` only dims with a non-zero stride
// may precede a broadcast one (PieceDim), so the in-cell offset never decreases along a piece: a
// piece reads an index range no longer than its element count.
struct PiecePlan {
    uint32_t dim;        // the dim whose cells are the pieces
    uint32_t pieces;     // cells the window touches
    uint64_t firstCell;  // first / inners[dim]
    uint64_t extent;     // operand elements one whole cell reads: 1 + sum stride * (dim - 1) inside
    uint64_t slot;       // extent rounded up to a 32-B block of the operand dtype
    uint64_t headSkip;   // the window's first in-cell offset, rounded down to a block
    uint64_t tailEnd;    // the window's last in-cell offset + 1
};

struct PieceCopy {
    uint64_t gmStart;  // operand element
    uint32_t ubStart;  // element of the span buffer, 32-B aligned
    uint32_t length;   // elements
};

// Operand offset of flat index `index` over the dims inside `dim`.
__aicore__ inline uint64_t InCellOffset(const WindowShape& shape, uint64_t index, const OperandTiling& op,
                                        const TilingData& tiling, uint32_t dim)
{
    uint64_t rel = 0;
    for (uint32_t e = dim + 1; e < tiling.rank; ++e) {
        rel += static_cast<uint64_t>(op.strides[e]) * (index / shape.inners[e] % tiling.dims[e]);
    }
    return rel;
}

__aicore__ inline PiecePlan PiecesOf(const WindowShape& shape, uint64_t first, uint32_t count,
                                     const OperandTiling& op, const TilingData& tiling, uint32_t blockElems)
{
    PiecePlan plan{};
    plan.dim = PieceCellDim(op, tiling.rank, shape.outer);
    const uint64_t last = first + count - 1;
    const uint64_t inner = shape.inners[plan.dim];
    plan.firstCell = first / inner;
    plan.pieces = static_cast<uint32_t>(last / inner - plan.firstCell + 1);
    plan.extent = CellExtent(op, tiling, plan.dim);
    plan.slot = (plan.extent + blockElems - 1) / blockElems * blockElems;
    plan.headSkip = InCellOffset(shape, first, op, tiling, plan.dim) / blockElems * blockElems;
    plan.tailEnd = InCellOffset(shape, last, op, tiling, plan.dim) + 1;
    return plan;
}

// Where piece k of the plan comes from in GM and goes to in the span buffer.
__aicore__ inline PieceCopy PieceOf(const PiecePlan& plan, const WindowShape& shape, uint32_t k,
                                    const OperandTiling& op, const TilingData& tiling)
{
    const uint64_t cellStart = (plan.firstCell + k) * shape.inners[plan.dim];
    uint64_t base = 0;
    for (uint32_t d = 0; d <= plan.dim; ++d) {
        base += static_cast<uint64_t>(op.strides[d]) * (cellStart / shape.inners[d] % tiling.dims[d]);
    }
    const uint64_t from = k == 0 ? plan.headSkip : 0;
    const uint64_t to = k + 1 == plan.pieces ? plan.tailEnd : plan.extent;
    const uint64_t ubStart = k == 0 ? 0 : k * plan.slot - plan.headSkip;
    return PieceCopy{base + from, static_cast<uint32_t>(ubStart), static_cast<uint32_t>(to - from)};
}

// Elements of the span buffer a plan fills.
__aicore__ inline uint64_t PiecesLength(const PiecePlan& plan)
{
    return (plan.pieces - 1) * plan.slot + plan.tailEnd - plan.headSkip;
}

// Byte offsets (elemBytes per operand element) of the window's elements relative to
// window.base + window.baseBytes, as uint32 in tiles.offsets (see ShapeOf). The coordinates are
// integers below 2^17, exact in fp32; the byte offsets are summed in int32. With `plan`, relative
// to the plan's span buffer instead: its dim steps by one slot, and the head skip is subtracted.
__aicore__ inline GatherWindow GatherOffsets(const GatherTiles& tiles, const AscendC::LocalTensor<float>& ramp,
                                             uint64_t first, uint32_t count, const OperandTiling& op,
                                             const TilingData& tiling, uint32_t fromDim, bool relative,
                                             uint32_t elemBytes, const PiecePlan* plan = nullptr)
{
    WindowShape shape = ShapeOf(first, count, op, tiling, fromDim, relative);
    if (plan != nullptr) {
        shape.outer = plan->dim;
        shape.window.base = 0;
    }
    GatherWindow window = shape.window;
    const uint32_t outer = shape.outer;
    const uint32_t rank = tiling.rank;
    bool empty = true;
    int64_t constantBytes = 0;
    const int32_t n = static_cast<int32_t>(count);
    const AscendC::LocalTensor<int32_t> offsets = tiles.offsets.ReinterpretCast<int32_t>();
    for (uint32_t d = outer; d < rank; ++d) {
        const bool pieceStep = plan != nullptr && d == outer;
        const uint64_t stride = pieceStep ? plan->slot : static_cast<uint64_t>(op.strides[d]);
        if (stride == 0) {
            continue;
        }
        const int32_t byteStride = static_cast<int32_t>(stride * elemBytes);
        const DimStep step = StepOf(first, shape.inners[d], count);
        const bool steps = relative && d == outer;  // counts from base: start 0, never wraps
        const uint64_t start = steps ? 0 : first / shape.inners[d] % tiling.dims[d];
        if (step.constant) {
            constantBytes += static_cast<int64_t>(byteStride) * static_cast<int64_t>(start);
            continue;
        }
        const uint64_t maxStep = (count - 1 + step.rem) / step.inner;
        const AscendC::LocalTensor<int32_t> term =
            Coordinate(tiles, ramp, step, start, tiling.dims[d], !steps && start + maxStep >= tiling.dims[d], count);
        if (empty) {
            AscendC::Muls(offsets, term, byteStride, n);
            empty = false;
        } else {
            AscendC::Muls(term, term, byteStride, n);
            AscendC::Add(offsets, offsets, term, n);
        }
    }
    if (empty) {
        AscendC::Duplicate(offsets, 0, n);
    }
    if (plan != nullptr) {
        constantBytes -= static_cast<int64_t>(plan->headSkip * elemBytes);
    }
    if (constantBytes < 0) {
        // Only a piece plan's head skip: every element's total offset is still >= 0.
        AscendC::Adds(offsets, offsets, static_cast<int32_t>(constantBytes), n);
        constantBytes = 0;
    }
    window.baseBytes = static_cast<uint32_t>(constantBytes);
    return window;
}

}  // namespace BceWithLogits

#endif  // BCE_WITH_LOGITS_GATHER_H
