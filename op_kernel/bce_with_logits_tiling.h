// POD tiling data for bce_with_logits, shared by the host tiling function and the kernel.
#ifndef BCE_WITH_LOGITS_TILING_H
#define BCE_WITH_LOGITS_TILING_H

#include <cstdint>

namespace BceWithLogits {

constexpr uint32_t MAX_DIMS = 8;  // rank limit of the operator (as aclnn)

// UB plan constants, used by the host tiling function and the kernel alike (host code may
// use these directly instead of redefining them).
constexpr uint32_t BLOCK_BYTES = 32;           // UB block: every UB operand starts 32-B aligned
constexpr uint32_t REPEAT_BYTES = 256;         // one vector repeat
constexpr uint32_t FP32_BYTES = 4;             // the kernel computes in fp32
constexpr uint32_t REPEAT_ELEMS_FP32 = REPEAT_BYTES / FP32_BYTES;  // tile lengths are multiples
constexpr uint32_t ALIGN_ELEMS_FP32 = BLOCK_BYTES / FP32_BYTES;    // period copies start aligned
// Elementwise kernels (forward 'none', backward) may cut tiles at any multiple of 16 elements:
// 32 B of 16-bit data, so every tile starts 32-B aligned in GM and UB for every dtype, and a
// PERIODIC operand's window (offset mod lcm(P, 8)) stays 32-B aligned in fp32.
constexpr uint32_t ELEMENTWISE_ALIGN_ELEMS = BLOCK_BYTES / 2;
constexpr int32_t QUEUE_DEPTH = 1;             // tensors a TQue holds between EnQue and DeQue
// x's queue: the next tile's x is enqueued before this tile's is dequeued (the kernels' Process), the
// "preload" case for which asc-devkit's TQue page allows a depth of 2.
constexpr int32_t PREFETCH_QUEUE_DEPTH = 2;
constexpr uint32_t BUFFER_NUM = 2;             // double buffering of x and the partials (and FULL
                                               // operands while the VECIN event ids last)
// One buffer for the target. Both kernels read y only in the middle of their chain and free it
// there, so the next tile's copy of y still runs beside the rest of this tile's vector work. The
// UB it frees goes to longer tiles, i.e. fewer copies, each paying its issue cost (with a single
// output tile as well, fp32 'none' with pos_weight[1000] at 4.1M elements: 4,496 -> 5,696-element
// tiles, modelled 41.99 -> 41.37 us; the output now goes into x's buffer, LossIntoInput).
constexpr uint32_t SINGLE_BUFFER = 1;
// A2 has 8 event ids per HardEvent and every freed VECIN buffer holds one V_MTE2 id until it is
// allocated again, every enqueued one an MTE2_V id until its DeQue (asc-devkit TQue), so all VECIN
// queues of a core hold at most 8 buffers, whatever their depth: a buffer holds one id at a time.
constexpr uint32_t MAX_VECIN_BUFFERS = 8;
// UB the Ascend C framework keeps on A2: asc-devkit sets ASC_UB_SIZE = 192 KiB - 256 for
// __NPU_ARCH__ 2201 (the architecture page names the mixed Cube/Vector case; we plan every kernel
// with the smaller size).
constexpr uint32_t RESERVED_UB_BYTES = 256;
constexpr uint32_t FP32_TEMPS = 3;             // forward: fp32 tiles of the compute chain, for every
                                               // dtype (16-bit x and y are widened into them)
constexpr uint32_t GRAD_FP32_TEMPS = 4;        // backward: n1, n2, 1 + e and a scratch tile
// UB bank groups on A2: 16 groups of 32-B rows, so UB addresses equal mod BANK_CYCLE_BYTES share
// their bank group, and a contiguous 256-B repeat at BANK_CYCLE_BYTES / 2 from another reads the
// other 8 groups. Two sources of one repeat in one bank group cost the repeat a beat (asc-devkit's
// 2201 bank guide). The kernels' UB order and pads (bce_with_logits_bank_plan.h) put tmpA at phase
// 0 mod BANK_CYCLE_BYTES, the early buffers after it at their phases and the late ones at the half
// phase when the UB plan leaves room (TilingData.bankPadBytes).
constexpr uint32_t BANK_CYCLE_BYTES = 512;
constexpr uint32_t BANK_HALF_PHASE = BANK_CYCLE_BYTES / 2;
// A bank is a bank group of one UB row of this many bytes (the 2 bank_id bits above an 18-bit UB
// address's 16 low bits): buffers in different rows never share a bank.
constexpr uint32_t BANK_ROW_BYTES = 64 * 1024;
constexpr uint32_t MAX_PERIOD_BYTES = 48 * 1024;  // UB cap for one expanded PERIODIC operand
constexpr uint32_t MIN_COPY_BYTES = 16 * 1024;    // A2 guidance: DataCopies of 16 KB or more
                                                  // reach full bandwidth

// Declared once here; host, kernel and Python use these values.
enum class Reduction : uint32_t { NONE = 0, MEAN = 1, SUM = 2 };
enum class DType : uint32_t { FLOAT32 = 0, FLOAT16 = 1, BFLOAT16 = 2 };
// Which kernel a TilingData is made for (their UB plans differ). Both backward kinds run the
// backward kernel: dL/dinput, or dL/dtarget (which does not read the target).
enum class KernelKind : uint32_t { FORWARD = 0, BACKWARD = 1, BACKWARD_TARGET = 2 };

// How a broadcast operand (weight, pos_weight) reaches the kernel's fp32 tile.
enum class OperandMode : uint32_t {
    ABSENT = 0,    // not given: the factor is 1 and no instruction is issued
    SCALAR = 1,    // one element: read once per block, applied with Muls
    PERIODIC = 2,  // expanded value repeats with period `period` over the flat index:
                   // one period (+ one tile) is expanded in UB once per block
    FULL = 3,      // same shape as the input: streamed tile by tile like x and y
    GENERIC = 4,   // any other pattern: gathered per tile (vector Gather by computed offsets)
                   // from the whole operand kept in UB (gatherSpan == GATHER_RESIDENT), or from
                   // the GM span the tile touches, copied in per tile (gatherSpan elements)
    ROW = 5,       // one row along the last of two collapsed dims (strides {0, 1}) under row tiles
                   // (TilingData.rowLength != 0): every tile lies in one row, so it reads one
                   // contiguous chunk of the operand, copied in when the chunk changes and applied
                   // with Mul. No Gather: a wide pos_weight[C] costs what a FULL operand costs
                   // in vector work, and its GM is read once per chunk per block.
    COLUMN = 6,    // one value per row of a rank-2 [R, C] space (weight[N, 1]: strides {1, 0}),
                   // C >= MIN_COLUMN_RUN: each row piece of a tile is scaled by its row's value
                   // with one Muls. The values of the block's rows are copied to UB in windows of
                   // up to MAX_COLUMN_ROWS and read there by the scalar unit after an MTE2_S flag,
                   // once per window: no scalar read of GM (a DCache miss costs a GM round trip)
                   // and no scalar UB read between a tile's vector instructions. Row pieces start
                   // 32-B aligned: row tiles, or flat tiles with C a multiple of ALIGN_ELEMS_FP32.
};
// Row values a COLUMN operand holds at once (its UB window, and as many fp32 scalars for the Muls):
// a block reads them once per window, so the window covers a block's rows for inputs up to
// MAX_COLUMN_ROWS * 48 rows. Every tile's rows must fit one window: the host keeps
// (tileLength - 1) / C + 2 within it (C >= MIN_COLUMN_RUN: UB-sized tiles touch about 40 rows).
constexpr uint32_t MAX_COLUMN_ROWS = 128;
// Shortest row a COLUMN operand is applied to piece by piece: at most tileLength / this + 1 Muls
// per tile, where a Gather costs the whole tile about 25 simple passes.
constexpr uint64_t MIN_COLUMN_RUN = 256;
// Shortest row whose COLUMN operand gets row tiles when C is not a multiple of ALIGN_ELEMS_FP32
// (shorter ones keep flat tiles and a Gather). A row tile pays every per-tile cost (the copies'
// set-up, each vector instruction's issue, the flags) for one row, where flat tiles pay them once
// per UB tile: on the A2 timeline rows of 257 cost 2.6 to 3.3 times the Gather plan, rows of 1025
// 1.1 to 1.3 times; from rows of 2048 (x and y of one fp32 row tile then fill the 16-KB copy
// guidance, MIN_COPY_BYTES) row tiles are within 6 % of it or cheaper. ROW operands need no such
// bound: PERIODIC takes every row vector shorter than 1537, and row tiles beat a Gather above.
constexpr uint64_t MIN_ROW_TILE_ELEMS = MIN_COPY_BYTES / (2 * sizeof(float));

// OperandTiling::gatherSpan of a GENERIC operand.
constexpr uint32_t GATHER_RESIDENT = 0;           // the whole operand is copied to UB once per block
constexpr uint32_t MAX_RESIDENT_BYTES = 96 * 1024;  // UB cap for a resident GENERIC operand
constexpr uint32_t MAX_SPAN_BYTES = 32 * 1024;      // UB cap for one per-tile span buffer
// A tile whose single span exceeds the buffer (pos_weight[C] with C > 8192 fp32: a tile crossing a
// row boundary spans the whole row) copies one piece per cell it touches instead, each into its own
// 32-B aligned slot (bce_with_logits_gather.h PiecesOf); at most this many pieces per tile.
constexpr uint32_t MAX_SPAN_PIECES = 8;
// Gather's count form holds its repeat count in a uint8_t (dav_c220): at most 255 whole repeats, so
// a GENERIC tile (gathered in one call) has at most this many elements.
constexpr uint32_t MAX_GATHER_REPEATS = 255;
constexpr uint32_t MAX_GATHER_ELEMS_FP32 = MAX_GATHER_REPEATS * REPEAT_ELEMS_FP32;

struct OperandTiling {
    uint32_t mode;            // OperandMode
    uint32_t dtype;           // DType of the operand in GM
    uint64_t numel;           // elements of the operand in GM
    uint64_t period;          // PERIODIC: P, elements of the flat index per period
    uint64_t periodAligned;   // PERIODIC: lcm(P, 8), so every period copy starts 32-B aligned in fp32
    uint32_t bufferNum;       // FULL and GENERIC with a span: VECIN buffers of its stream (1 or 2,
                              // see MAX_VECIN_BUFFERS)
    uint32_t gatherSpan;      // GENERIC: GATHER_RESIDENT, or the elements of the per-tile GM span
                              // buffer (>= the largest span, or pieces, a tile touches); else 0
    int64_t strides[MAX_DIMS];  // element stride of the operand per collapsed dim (0 = broadcast)
};

struct TilingData {
    uint64_t totalLength;     // N, elements of input/target
    uint64_t tileLength;      // elements per tile. Forward mean/sum: a multiple of 64 (one fp32
                              // repeat), the reduction chunk, never dependent on the block count;
                              // elementwise kernels: a multiple of 16, balanced over the blocks
    uint64_t numTiles;        // ceil(N / tileLength)
    uint32_t blockDim;        // blocks launched (<= vector cores, <= numTiles, >= 1)
    uint32_t reduction;       // Reduction
    uint32_t dtype;           // DType of input, target and output
    uint32_t rank;            // collapsed rank of the iteration space (>= 1)
    uint64_t dims[MAX_DIMS];  // collapsed dims, outermost first; their product is N
    OperandTiling weight;
    OperandTiling posWeight;
    OperandTiling gradOutput; // backward: dL/d(loss), FULL for 'none', SCALAR for mean/sum;
                              // forward: ABSENT
    uint64_t workspaceBytes;  // GM scratch: one fp32 partial per tile (forward reductions only)
    uint64_t partialGroupLength;  // forward reductions: partials block 0 sums per level-1 group, a
                                  // multiple of 64 that fits one input buffer (tileLength * sizeof(T) B)
    uint32_t ubBytes;         // UB size the tiling was made for
    uint32_t kernel;          // KernelKind
    uint64_t bankPadBytes;    // the bank plan of bce_with_logits_bank_plan.h (BankPlanAt) that places
                              // the buffers at their bank phases and rows: its UB pads (and roundings,
                              // a multiple of 32 B) plus its index + 1 in the low 5 bits; 0 = no room,
                              // buffers back to back
    uint64_t rowLength;       // 0: flat tiles, tile t = [t * tileLength, + tileLength). Else C = dims[1]
                              // of a rank-2 [R, C] space: row tiles, every one a chunk of one row,
                              // numbered chunk-major (tile t = chunk t / R of row t % R), so that a
                              // block's consecutive tiles share their ROW operand chunk
    uint64_t rowChunks;       // row tiles: chunks per row (K); numTiles = K * R, chunk k covers
                              // [k * tileLength, min((k + 1) * tileLength, C)) of its row; else 0
};

}  // namespace BceWithLogits

#endif  // BCE_WITH_LOGITS_TILING_H
