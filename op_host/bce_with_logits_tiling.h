// Host tiling of bce_with_logits: SoC presets, UB budget and the TilingData the kernel reads.
#ifndef BCE_WITH_LOGITS_HOST_TILING_H
#define BCE_WITH_LOGITS_HOST_TILING_H

#include <cstdint>
#include <string>

#include "../op_kernel/bce_with_logits_bank_plan.h"  // the UB order and bank pads shared with the kernel
#include "../op_kernel/bce_with_logits_span.h"  // the span-window arithmetic shared with the kernel
#include "../op_kernel/bce_with_logits_period_plan.h"  // a PERIODIC operand's staging, shared with the kernel
#include "../op_kernel/bce_with_logits_tiling.h"
#include "bce_with_logits_shape.h"

namespace BceWithLogits {

// UB plan: BUFFER_NUM, FP32_TEMPS, REPEAT_ELEMS_FP32, ALIGN_ELEMS_FP32 and
// MAX_PERIOD_BYTES live in op_kernel/bce_with_logits_tiling.h, shared with the kernel.
// UbBytesUsed() must equal what the kernel passes to InitBuffer.
constexpr uint32_t REDUCE_FIXED_BYTES = 2 * BLOCK_BYTES;  // reductions: partial sum + combine scratch
constexpr uint32_t GENERIC_FP32_TILES = 3;  // GENERIC: expanded tile, gather offsets, index ramp

struct SocInfo {
    std::string name;
    uint32_t vectorCores;
    uint32_t ubBytes;
};

// Presets "910B1".."910B4"; throws std::invalid_argument listing the valid names.
SocInfo GetSocInfo(const std::string& name);

struct OperandDesc {
    bool present = false;
    DType dtype = DType::FLOAT32;
    Shape shape;
};

struct TilingRequest {
    Shape inputShape;  // target has the same shape and dtype
    DType dtype = DType::FLOAT32;
    OperandDesc weight;
    OperandDesc posWeight;
    Reduction reduction = Reduction::MEAN;  // backward: the forward's reduction
    KernelKind kernel = KernelKind::FORWARD;
    SocInfo soc;
    uint32_t maxBlocks = 0;  // 0 = no cap
};

// Bytes of one element of `dtype` in GM (4 or 2); throws std::invalid_argument if out of range.
uint32_t DTypeBytes(DType dtype);

// Blocks a launch of t's tiles runs on at most `blockCap` cores: the fewest that keep the busiest
// block at ceil(numTiles / cap) tiles and at no more work (elements, and row chunks reached) than
// `cap` blocks give it (100 row
// tiles on 48 cores: 34 blocks of 3, not 4 of 3 and 44 of 2). The critical path is the same work;
// the fewer cores streaming meanwhile leave each a larger HBM share (up to one core's DMA limit),
// as TBE's ModifyTiling also launches ceil(tiles / ceil(tiles / cores)) blocks.
uint32_t LaunchBlocks(const TilingData& t, uint32_t blockCap);

// Tiling of the forward or the backward kernel (req.kernel); the backward's gradOutput has the
// input's dtype, and the input's shape for 'none'. Pure and re-entrant; validates the request
// (std::invalid_argument, also when a forward mean/sum has more tiles than the two-level reduction
// combines: partialGroupLength * tileLength, about 2^27 tiles of fp32) and throws
// std::runtime_error if no tile of >= 64 elements fits the UB. Allocates nothing that
// scales with N, so any N up to INT64_MAX is fine.
TilingData ComputeTiling(const TilingRequest& req);

// Elements a GENERIC span buffer needs for tiles of t.tileLength: per outermost dim D whose
// coordinate changes inside a tile, the smaller of the single span (D's steps times its stride
// plus the full extent of the dims inside D) and, where allowed, the tile's pieces (one per cell
// of max(D, PieceDim) touched, at most MAX_SPAN_PIECES; the tile's length plus one 32-B block per
// piece). The kernel copies the single span when it fits the buffer, else the pieces.
uint64_t MaxTileSpan(const TilingData& t, const OperandTiling& op);
// Rows a tile touches at most with a COLUMN operand (rank-2 [R, C] space): 1 under row tiles, else
// (tileLength - 1) / C + 2; each must fit the kernel's window of MAX_COLUMN_ROWS row values.
uint64_t MaxColumnTileRows(const TilingData& t);

// Total UB bytes the kernel allocates with this tiling: fixed + tileLength * bytes per element,
// plus the pads tiling.bankPadBytes names.
uint64_t UbBytesUsed(const TilingData& tiling);

// The pads (and roundings) TilingData.bankPadBytes holds for a plan of the kernels' bank layout
// (op_kernel/bce_with_logits_bank_plan.h BankPlanAt) at this tiling's tile length and operands; 0
// for BankLevel::PACKED. bankPadBytes is 0 or a plan's pads, encoded (EncodeBankPlan).
uint64_t BankPadBytes(const TilingData& t, const BankPlan& plan);

}  // namespace BceWithLogits

#endif  // BCE_WITH_LOGITS_HOST_TILING_H
