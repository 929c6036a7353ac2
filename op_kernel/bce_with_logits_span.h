// Span-window arithmetic of a GENERIC operand: the flat step of each collapsed dim, the operand
// elements a window's single span reads, and the dim whose cells split a window into pieces. Pure
// integer arithmetic shared by the kernel (bce_with_logits_gather.h: what a tile copies) and the
// host tiling (op_host MaxTileSpan: the span buffer that must hold it), so both use one formula.
#ifndef BCE_WITH_LOGITS_SPAN_H
#define BCE_WITH_LOGITS_SPAN_H

#include "bce_with_logits_tiling.h"

// Kernel builds include kernel_operator.h first (bce_with_logits_gather.h), which defines
// __aicore__; the host tiling (op_host, the op package's tiling library) does not, and compiles
// these as plain inline functions. The stand-in is undefined again at the end of this header.
#ifndef __aicore__
#define __aicore__
#define BCE_SPAN_HOST_AICORE
#endif

namespace BceWithLogits {

// inners[d] = flat length of one step of collapsed dim d (the product of the dims inside it), d < rank.
__aicore__ inline void FlatInners(const TilingData& tiling, uint64_t inners[MAX_DIMS])
{
    uint64_t inner = 1;
    for (uint32_t d = tiling.rank; d-- > 0;) {
        inners[d] = inner;
        inner *= tiling.dims[d];
    }
}

// Operand elements one whole cell of `dim` reads: 1 + the sum of stride * (size - 1) of the dims inside it.
__aicore__ inline uint64_t CellExtent(const OperandTiling& op, const TilingData& tiling, uint32_t dim)
{
    uint64_t extent = 1;
    for (uint32_t e = dim + 1; e < tiling.rank; ++e) {
        extent += static_cast<uint64_t>(op.strides[e]) * (tiling.dims[e] - 1);
    }
    return extent;
}

// Operand elements the single span of a window reads when `outer` is its outermost changing dim
// and it takes `steps` steps of it: those steps plus one whole cell of `outer`. outer == rank (no
// dim changes: a one-index window) reads one element.
__aicore__ inline uint64_t SingleSpan(const OperandTiling& op, const TilingData& tiling, uint32_t outer,
                                      uint64_t steps)
{
    if (outer >= tiling.rank) {
        return 1;
    }
    return static_cast<uint64_t>(op.strides[outer]) * steps + CellExtent(op, tiling, outer);
}

// Outermost dim whose inside is a run of strided dims followed only by broadcast ones: inside it
// the in-cell offset never decreases along the flat index, so a piece reads an index range no
// longer than its element count.
__aicore__ inline uint32_t PieceDim(const OperandTiling& op, uint32_t rank)
{
    bool strided = false;
    for (uint32_t d = rank; d-- > 0;) {
        if (op.strides[d] != 0) {
            strided = true;
        } else if (strided) {
            return d;
        }
    }
    return 0;
}

// The dim whose cells are the pieces of a window whose outermost changing dim is `outer`.
__aicore__ inline uint32_t PieceCellDim(const OperandTiling& op, uint32_t rank, uint32_t outer)
{
    const uint32_t pieceDim = PieceDim(op, rank);
    return outer > pieceDim ? outer : pieceDim;
}

}  // namespace BceWithLogits

#ifdef BCE_SPAN_HOST_AICORE
#undef __aicore__
#undef BCE_SPAN_HOST_AICORE
#endif

#endif  // BCE_WITH_LOGITS_SPAN_H
