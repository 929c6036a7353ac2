// Work split of the bce_with_logits kernels: which whole tiles a block owns, and each tile's span.
// Pure integer arithmetic shared by the kernels and the host tiling (op_host LaunchBlocks: how many
// blocks to launch), so both use one split.
#ifndef BCE_WITH_LOGITS_SPLIT_H
#define BCE_WITH_LOGITS_SPLIT_H

#include "bce_with_logits_tiling.h"

// Kernel builds include kernel_operator.h first, which defines __aicore__; the host tiling does
// not, and compiles these as plain inline functions (undefined again at the end of this header).
#ifndef __aicore__
#define __aicore__
#define BCE_SPLIT_HOST_AICORE
#endif

namespace BceWithLogits {

struct TileRange {
    uint64_t first;  // first tile of this block
    uint64_t end;    // one past its last tile
};

// Balanced split of whole tiles: the first numTiles % blockDim blocks take one tile more. Tiles
// never depend on the block count, so neither does any result.
__aicore__ inline TileRange BlockRange(uint64_t numTiles, uint64_t blockDim, uint64_t blockIdx)
{
    const uint64_t base = numTiles / blockDim;
    const uint64_t extra = numTiles % blockDim;
    const uint64_t first = blockIdx * base + (blockIdx < extra ? blockIdx : extra);
    return TileRange{first, first + base + (blockIdx < extra ? 1 : 0)};
}

// The tiles of block `blockIdx` when `blockDim` blocks split the launch's tiles. Row tiles whose
// chunks split evenly over the blocks (blockDim a multiple of rowChunks) give each chunk's tiles
// to blockDim / rowChunks blocks of their own: no block's tiles reach two chunks, so none loads a
// ROW operand's chunk twice, and no block takes more tiles than the plain split would give it
// (at most ceil(rows / (blockDim / rowChunks)) = ceil(numTiles / blockDim) either way). A block
// whose tiles did reach two chunks waited for the second chunk's copy between its tiles (fp32 mean
// with pos_weight[21841] at 4.1M elements: 47 blocks, 3 of them with a chunk change, each about
// 0.45 us behind the rest). Otherwise the plain balanced split. Which block computes a tile
// changes no result: partials and outputs go to the tile's own slots.
__aicore__ inline TileRange BlockTilesOf(const TilingData& tiling, uint64_t blockDim, uint64_t blockIdx)
{
    const uint64_t chunks = tiling.rowLength != 0 ? tiling.rowChunks : 0;
    if (chunks > 1 && blockDim % chunks == 0) {
        const uint64_t rows = tiling.numTiles / chunks;
        const uint64_t chunkBlocks = blockDim / chunks;
        const uint64_t chunkFirst = blockIdx / chunkBlocks * rows;
        const TileRange inChunk = BlockRange(rows, chunkBlocks, blockIdx % chunkBlocks);
        return TileRange{chunkFirst + inChunk.first, chunkFirst + inChunk.end};
    }
    return BlockRange(tiling.numTiles, blockDim, blockIdx);
}

// The tiles of block `blockIdx` (AscendC::GetBlockIdx() in a kernel).
__aicore__ inline TileRange BlockTiles(const TilingData& tiling, uint64_t blockIdx)
{
    return BlockTilesOf(tiling, tiling.blockDim, blockIdx);
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

// Elements of tiles [first, end), in O(1): flat tiles are full but the last; row tiles are full
// but each row's last chunk, which are the final `rows` tiles (chunk-major order, TileAt).
__aicore__ inline uint64_t TilesElems(const TilingData& tiling, uint64_t first, uint64_t end)
{
    if (first >= end) {
        return 0;
    }
    const uint64_t full = (end - first) * tiling.tileLength;
    if (tiling.rowLength == 0) {
        const uint64_t past = end * tiling.tileLength;
        return full - (past > tiling.totalLength ? past - tiling.totalLength : 0);
    }
    const uint64_t rows = tiling.totalLength / tiling.rowLength;
    const uint64_t shortFirst = (tiling.rowChunks - 1) * rows;
    const uint64_t shortTiles = end > shortFirst ? end - (first > shortFirst ? first : shortFirst) : 0;
    const uint64_t lastChunk = tiling.rowLength - (tiling.rowChunks - 1) * tiling.tileLength;
    return full - shortTiles * (tiling.tileLength - lastChunk);
}

}  // namespace BceWithLogits

#ifdef BCE_SPLIT_HOST_AICORE
#undef __aicore__
#undef BCE_SPLIT_HOST_AICORE
#endif

#endif  // BCE_WITH_LOGITS_SPLIT_H
