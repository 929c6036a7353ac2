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

// Where a tile lies in the flat index space.
struct TileSpan {
    uint64_t offset;  // flat index of its first element
    uint32_t count;   // its elements
};

// Flat tiles: all but the last are full. Row tiles (tiling.rowLength != 0): chunk-major, so that a
// block's consecutive tiles are the same chunk of consecutive rows; only a row's last chunk is short.
// O(1) scalar work per tile.
__aicore__ inline TileSpan TileAt(const TilingData& tiling, uint64_t tile)
{
    if (tiling.rowLength == 0) {
        const uint64_t offset = tile * tiling.tileLength;
        const uint64_t left = tiling.totalLength - offset;
        return TileSpan{offset, static_cast<uint32_t>(left < tiling.tileLength ? left : tiling.tileLength)};
    }
    const uint64_t rows = tiling.totalLength / tiling.rowLength;
    const uint64_t chunkStart = tile / rows * tiling.tileLength;
    const uint64_t left = tiling.rowLength - chunkStart;
    return TileSpan{tile % rows * tiling.rowLength + chunkStart,
                    static_cast<uint32_t>(left < tiling.tileLength ? left : tiling.tileLength)};
}

}  // namespace BceWithLogits

#endif  // BCE_WITH_LOGITS_SPLIT_H
