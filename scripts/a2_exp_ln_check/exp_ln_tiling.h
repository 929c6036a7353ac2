// POD tiling data of the exp_ln_accuracy check kernel, shared by the host program and the kernel.
#ifndef EXP_LN_TILING_H
#define EXP_LN_TILING_H

#include <cstdint>

namespace ExpLnCheck {

// Element types the check runs in (the values of ExpLnTiling::dtype).
enum class DType : uint32_t { FLOAT32 = 0, FLOAT16 = 1 };

constexpr uint32_t BLOCK_BYTES = 32;  // DataCopy moves whole 32-B blocks only
// Every length the host passes is a multiple of 16 elements: 32 B of fp16, 64 B of fp32, so
// each tile (and the last, shorter one) is a whole number of blocks for both dtypes.
constexpr uint32_t ALIGN_ELEMS = BLOCK_BYTES / 2;
// Elements per tile: 3 queues x 2 buffers x 4096 x 4 B = 96 KiB of the 192 KiB UB.
constexpr uint32_t DEFAULT_TILE_ELEMS = 4096;

struct ExpLnTiling {
    uint32_t totalLength;  // elements of x, expOut and lnOut in GM (a multiple of ALIGN_ELEMS)
    uint32_t tileLength;   // elements per tile (a multiple of ALIGN_ELEMS, <= DEFAULT_TILE_ELEMS)
    uint32_t dtype;        // DType of x and of both outputs
};

}  // namespace ExpLnCheck

#endif  // EXP_LN_TILING_H
