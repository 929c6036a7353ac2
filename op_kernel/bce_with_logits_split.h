// Work split of the bce_with_logits kernels: which whole tiles a block owns, and each tile's span.
#ifndef BCE_WITH_LOGITS_SPLIT_H
#define BCE_WITH_LOGITS_SPLIT_H

#include "kernel_operator.h"
#include "bce_with_logits_tiling.h"

namespace BceWithLogits {

struct TileRange {
    uint64_t first;  // first tile of this block
    uint64_t end;    // one past its last tile
};

// Balanced split of whole tiles: the first numTiles % blockDim blocks take one tile more. Tiles
// never depend on the block count, so neither does any result.
__aicore__ inline TileRange BlockTiles(const TilingData& tiling)
{
    const uint64_t blockIdx = AscendC::GetBlockIdx();
    const uint64_t base = tiling.numTiles / tiling.blockDim;
    const uint64_t extra = tiling.numTiles % tiling.blockDim;
    const uint64_t first = blockIdx * base + (blockIdx < extra ? blockIdx : extra);
    return TileRange{first, first + base + (blockIdx < extra ? 1 : 0)};
}

// Elements of `tile` (all but the last tile are full).
__aicore__ inline uint32_t TileCount(const TilingData& tiling, uint64_t tile)
{
    const uint64_t left = tiling.totalLength - tile * tiling.tileLength;
    return left < tiling.tileLength ? static_cast<uint32_t>(left) : static_cast<uint32_t>(tiling.tileLength);
}

}  // namespace BceWithLogits

#endif  // BCE_WITH_LOGITS_SPLIT_H
