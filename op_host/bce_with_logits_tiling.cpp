// Host tiling of bce_with_logits: SoC presets, UB budget and the TilingData the kernel reads.
#include "bce_with_logits_tiling.h"

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <stdexcept>

#include "bce_with_logits_bank_cost.h"
#include "../op_kernel/bce_with_logits_split.h"

namespace BceWithLogits {
namespace {

constexpr uint64_t AlignUp(uint64_t value, uint64_t align)
{
    return (value + align - 1) / align * align;
}
constexpr uint64_t AlignDown(uint64_t value, uint64_t align) { return value / align * align; }

struct SocPreset {
    const char* name;
    uint32_t vectorCores;
};

// Atlas A2 (910B): 2 vector cores per AI core; every variant has 192 KiB UB per vector core.
constexpr SocPreset SOC_PRESETS[] = {{"910B1", 48}, {"910B2", 48}, {"910B3", 40}, {"910B4", 40}};
constexpr uint32_t A2_UB_BYTES = 196608;

std::optional<Shape> ShapeIfPresent(const OperandDesc& desc)
{
    return desc.present ? std::optional<Shape>(desc.shape) : std::nullopt;
}

void CheckRequest(const TilingRequest& req)
{
    DTypeBytes(req.dtype);
    if (req.weight.present) {
        DTypeBytes(req.weight.dtype);
    }
    if (req.posWeight.present) {
        DTypeBytes(req.posWeight.dtype);
    }
    if (static_cast<uint32_t>(req.kernel) > static_cast<uint32_t>(KernelKind::BACKWARD_TARGET)) {
        throw std::invalid_argument("kernel code " + std::to_string(static_cast<uint32_t>(req.kernel)) +
                                    " is out of range (0 = forward, 1 = backward, 2 = backward_target)");
    }
    if (static_cast<uint32_t>(req.reduction) > static_cast<uint32_t>(Reduction::SUM)) {
        throw std::invalid_argument("reduction code " +
                                    std::to_string(static_cast<uint32_t>(req.reduction)) +
                                    " is out of range (0 = none, 1 = mean, 2 = sum)");
    }
    if (req.soc.vectorCores == 0 || req.soc.ubBytes == 0) {
        throw std::invalid_argument("SoC '" + req.soc.name + "' has no vector cores or no UB");
    }
    ValidateShapes(req.inputShape, req.inputShape, ShapeIfPresent(req.weight), ShapeIfPresent(req.posWeight));
}

// UB a PERIODIC operand holds for the whole launch: the expanded fp32 period, the operand as
// loaded from GM, and its fp32 cast when the GM dtype is 16-bit; the fp32 one behind its head if it
// has one (bce_with_logits_period_plan.h).
uint64_t PeriodicFixedBytes(const OperandTiling& op)
{
    const uint64_t sOp = DTypeBytes(static_cast<DType>(op.dtype));
    const uint64_t fp32Staged = AlignUp((PeriodHeadElems(op) + op.numel) * FP32_BYTES, BLOCK_BYTES);
    return op.periodAligned * FP32_BYTES +
           (sOp != FP32_BYTES ? AlignUp(op.numel * sOp, BLOCK_BYTES) + fp32Staged : fp32Staged);
}

bool IsBackward(const TilingData& t) { return t.kernel != static_cast<uint32_t>(KernelKind::FORWARD); }

// Only the forward reductions keep partials (the backward of mean/sum is elementwise).
bool HasPartials(const TilingData& t)
{
    return !IsBackward(t) && t.reduction != static_cast<uint32_t>(Reduction::NONE);
}

bool IsGeneric(const OperandTiling& op) { return op.mode == static_cast<uint32_t>(OperandMode::GENERIC); }

// UB a GENERIC operand holds for the whole launch: the operand itself when resident, else its
// per-tile span buffers.
uint64_t GenericFixedBytes(const OperandTiling& op)
{
    const uint64_t sOp = DTypeBytes(static_cast<DType>(op.dtype));
    if (op.gatherSpan == GATHER_RESIDENT) {
        return AlignUp(op.numel * sOp, BLOCK_BYTES);
    }
    return op.bufferNum * AlignUp(static_cast<uint64_t>(op.gatherSpan) * sOp, BLOCK_BYTES);
}

bool IsColumn(const OperandTiling& op) { return op.mode == static_cast<uint32_t>(OperandMode::COLUMN); }

// UB a COLUMN operand holds: its window of row values, as stored in GM.
uint64_t ColumnFixedBytes(const OperandTiling& op)
{
    return AlignUp(uint64_t{MAX_COLUMN_ROWS} * DTypeBytes(static_cast<DType>(op.dtype)), BLOCK_BYTES);
}

uint64_t FixedBytes(const TilingData& t)
{
    uint64_t bytes = HasPartials(t) ? REDUCE_FIXED_BYTES : 0;
    for (const OperandTiling* op : {&t.weight, &t.posWeight}) {
        if (op->mode == static_cast<uint32_t>(OperandMode::PERIODIC)) {
            bytes += PeriodicFixedBytes(*op);
        } else if (IsGeneric(*op)) {
            bytes += GenericFixedBytes(*op);
        } else if (IsColumn(*op)) {
            bytes += ColumnFixedBytes(*op);
        }
    }
    return bytes;
}

uint64_t BytesPerElem(const TilingData& t)
{
    const uint64_t sT = DTypeBytes(static_cast<DType>(t.dtype));
    // the x and y (unless dL/dtarget) queues; no output tile: a kernel without partials writes its
    // result into x's buffer (LossIntoInput), and the partials' buffers are fixed bytes
    uint64_t bytes = sT * (BUFFER_NUM + TargetBuffers(t.kernel));
    bytes += (IsBackward(t) ? GRAD_FP32_TEMPS : FP32_TEMPS) * FP32_BYTES;
    for (const OperandTiling* op : {&t.weight, &t.posWeight, &t.gradOutput}) {
        const auto mode = static_cast<OperandMode>(op->mode);
        if (mode == OperandMode::FULL) {
            bytes += op->bufferNum * DTypeBytes(static_cast<DType>(op->dtype));  // streamed like x
        } else if (mode == OperandMode::PERIODIC) {
            // the expanded period's tail of one fp32 tile, if this tile length needs one
            bytes += PeriodHasTail(*op, t.tileLength) ? FP32_BYTES : 0;
        } else if (mode == OperandMode::GENERIC) {
            bytes += GENERIC_FP32_TILES * FP32_BYTES;  // expanded tile, gather offsets, index ramp
        } else if (mode == OperandMode::ROW) {
            const uint64_t sOp = DTypeBytes(static_cast<DType>(op->dtype));
            bytes += sOp + (sOp != FP32_BYTES ? FP32_BYTES : 0);  // one chunk buffer, its fp32 widening
        }
    }
    return bytes;
}

// GENERIC starts resident when the operand fits MAX_RESIDENT_BYTES; otherwise PlanGenericSpans
// sizes its per-tile span once the tile length is known.
void MakeGeneric(OperandTiling& op)
{
    op.mode = static_cast<uint32_t>(OperandMode::GENERIC);
    op.period = 0;
    op.periodAligned = 0;
    const uint64_t bytes = op.numel * DTypeBytes(static_cast<DType>(op.dtype));
    op.gatherSpan = bytes <= MAX_RESIDENT_BYTES ? GATHER_RESIDENT : 1;
}

// dL/d(loss) of the backward: streamed like x for 'none', one scalar for mean/sum.
OperandTiling BuildGradOutput(const TilingRequest& req, uint64_t totalLength)
{
    OperandTiling op{};
    op.dtype = static_cast<uint32_t>(req.dtype);
    if (req.kernel == KernelKind::FORWARD) {
        op.mode = static_cast<uint32_t>(OperandMode::ABSENT);
    } else if (req.reduction == Reduction::NONE) {
        op.mode = static_cast<uint32_t>(OperandMode::FULL);
        op.numel = totalLength;
    } else {
        op.mode = static_cast<uint32_t>(OperandMode::SCALAR);
        op.numel = 1;
    }
    return op;
}

// Mode from the collapsed strides: see OperandMode in op_kernel/bce_with_logits_tiling.h.
OperandTiling BuildOperand(const OperandDesc& desc, const CollapsedLayout& layout,
                           const int64_t* strides, uint64_t totalLength)
{
    OperandTiling op{};
    op.dtype = static_cast<uint32_t>(desc.dtype);
    if (!desc.present) {
        op.mode = static_cast<uint32_t>(OperandMode::ABSENT);
        return op;
    }
    std::copy(strides, strides + MAX_DIMS, op.strides);
    op.numel = NumElements(desc.shape);
    if (op.numel == 1 || op.numel == totalLength) {
        op.mode = static_cast<uint32_t>(op.numel == 1 ? OperandMode::SCALAR : OperandMode::FULL);
        return op;
    }
    MakeGeneric(op);
    uint32_t lead = 0;
    while (lead < layout.rank && strides[lead] == 0) {
        ++lead;
    }
    if (lead == layout.rank) {
        return op;  // only reachable for N = 0 with a non-scalar operand: nothing to compute
    }
    uint64_t period = 1;
    for (uint32_t d = lead; d < layout.rank; ++d) {
        period *= layout.dims[d];
    }
    // Beyond this bound the fp32 period alone exceeds the budget (and lcm could overflow).
    if (period > MAX_PERIOD_BYTES / FP32_BYTES) {
        return op;
    }
    OperandTiling periodic = op;
    periodic.mode = static_cast<uint32_t>(OperandMode::PERIODIC);
    periodic.period = period;
    periodic.periodAligned = std::lcm(period, static_cast<uint64_t>(ALIGN_ELEMS_FP32));
    return PeriodicFixedBytes(periodic) <= MAX_PERIOD_BYTES ? periodic : op;
}

// Tile lengths are multiples of this: one fp32 repeat; for reductions also one fp32 repeat of
// partials in one input buffer (block 0 reads them through the input queue), so 16-bit
// reductions align to 128 elements.
uint64_t TileAlign(const TilingData& t)
{
    return HasPartials(t) ? REPEAT_ELEMS_FP32 * FP32_BYTES / DTypeBytes(static_cast<DType>(t.dtype))
                          : REPEAT_ELEMS_FP32;
}

// Alignment of the final, balanced tile: reductions keep TileAlign (whole fp32 repeats of partials
// per tile), elementwise tiles only 32-B blocks of a 16-bit dtype.
uint64_t BalancedTileAlign(const TilingData& t)
{
    return HasPartials(t) ? TileAlign(t) : ELEMENTWISE_ALIGN_ELEMS;
}

// Bytes per tile element with a tile of `tileLength` (a PERIODIC operand's tail depends on it).
uint64_t BytesPerElemAt(const TilingData& t, uint64_t tileLength)
{
    TilingData at = t;
    at.tileLength = tileLength;
    return BytesPerElem(at);
}

// The longest aligned tile that fits `room` with the PERIODIC tails it needs (PeriodHasTail: a tile
// longer than the period of an operand copied period by period needs one; any tile does otherwise).
// From the longest tile without tails, each step shortens to what fits paying for the tails, or to
// just below a period it exceeds (which drops that tail), whichever is longer; every step is
// shorter, and the one that fits is kept.
uint64_t LongestFittingTile(const TilingData& t, uint64_t room, uint64_t align)
{
    uint64_t tile = AlignDown(room / BytesPerElemAt(t, 0), align);
    for (;;) {
        const uint64_t fits = AlignDown(room / BytesPerElemAt(t, tile), align);
        if (fits >= tile) {
            return tile;
        }
        uint64_t next = fits;
        for (const OperandTiling* op : {&t.weight, &t.posWeight}) {
            if (op->mode == static_cast<uint32_t>(OperandMode::PERIODIC) && IsOwnPeriod(*op) &&
                op->periodAligned < tile) {
                next = std::max(next, AlignDown(op->periodAligned, align));
            }
        }
        tile = next;
    }
}

// 0 when not even one aligned tile fits.
uint64_t TileLengthFor(const TilingData& t)
{
    const uint64_t fixed = FixedBytes(t);
    if (fixed >= t.ubBytes) {
        return 0;
    }
    const uint64_t align = TileAlign(t);
    const uint64_t tile = LongestFittingTile(t, t.ubBytes - fixed, align);
    // Tiny inputs get a tile just big enough, not the whole UB.
    const uint64_t fitted = std::min(tile, AlignUp(std::max<uint64_t>(t.totalLength, 1), align));
    // A GENERIC tile is gathered by one Gather call: at most MAX_GATHER_REPEATS repeats.
    const uint64_t gathered = IsGeneric(t.weight) || IsGeneric(t.posWeight)
                                  ? std::min<uint64_t>(fitted, AlignDown(MAX_GATHER_ELEMS_FP32, align))
                                  : fitted;
    // A flat COLUMN tile touches at most MAX_COLUMN_ROWS rows ((L - 1) / C + 2 of them): L <= (MAX - 1) * C.
    // Never binds for UB-sized tiles (C >= MIN_COLUMN_RUN); kept so the bound holds by construction.
    if ((IsColumn(t.weight) || IsColumn(t.posWeight)) && t.rowLength == 0) {
        return std::min<uint64_t>(gathered, AlignDown((MAX_COLUMN_ROWS - 1) * t.dims[1], align));
    }
    return gathered;
}

// Streamed operands (FULL, and GENERIC spans) share the VECIN event ids with x and y: double buffered while every
// VECIN buffer of the core stays within MAX_VECIN_BUFFERS, single buffered after that.
void ChooseOperandBuffers(TilingData& t)
{
    uint32_t used = BUFFER_NUM + TargetBuffers(t.kernel);
    OperandTiling* streamed[] = {&t.gradOutput, &t.weight, &t.posWeight};
    uint32_t left = 0;
    const auto isStreamed = [](const OperandTiling& op) {
        return op.mode == static_cast<uint32_t>(OperandMode::FULL) ||
               (op.mode == static_cast<uint32_t>(OperandMode::GENERIC) && op.gatherSpan != GATHER_RESIDENT);
    };
    for (OperandTiling* op : streamed) {
        left += isStreamed(*op) ? 1 : 0;
        // A ROW chunk changes a few times per block: one buffer, taken before the double buffers.
        if (op->mode == static_cast<uint32_t>(OperandMode::ROW)) {
            op->bufferNum = 1;
            ++used;
        }
    }
    for (OperandTiling* op : streamed) {
        if (op->mode == static_cast<uint32_t>(OperandMode::ROW)) {
            continue;
        }
        if (!isStreamed(*op)) {
            op->bufferNum = 0;
            continue;
        }
        --left;
        // Double buffer this one only if the ones after it can still have one buffer each.
        op->bufferNum = used + BUFFER_NUM + left <= MAX_VECIN_BUFFERS ? BUFFER_NUM : 1;
        used += op->bufferNum;
    }
}

// Sizes every spanned GENERIC operand's buffer for the current tile length; false when some
// operand's span (or pieces) exceeds MAX_SPAN_BYTES at this length. A shorter tile never needs a
// longer span, so planning the span, then the tile with it, stays consistent.
bool PlanGenericSpans(TilingData& t)
{
    for (OperandTiling* op : {&t.weight, &t.posWeight}) {
        if (IsGeneric(*op) && op->gatherSpan != GATHER_RESIDENT) {
            const uint64_t span = MaxTileSpan(t, *op);
            if (span * DTypeBytes(static_cast<DType>(op->dtype)) > MAX_SPAN_BYTES) {
                return false;
            }
            op->gatherSpan = static_cast<uint32_t>(span);
        }
    }
    return true;
}

// Sets t.tileLength; when UB is too small, demotes the costliest PERIODIC operand to GENERIC, and
// with none left the largest resident GENERIC operand to per-tile spans (two resident operands of
// up to MAX_RESIDENT_BYTES each can fill the UB: weight and pos_weight [1001, 1, 48] in 16 bits). A
// span that does not fit MAX_SPAN_BYTES halves the tile until it does (the pieces of a tile need
// about the tile's length, so some length fits).
void ChooseTileLength(TilingData& t)
{
    uint64_t cap = UINT64_MAX;
    for (;;) {
        t.tileLength = std::min(TileLengthFor(t), cap);
        if (t.tileLength >= TileAlign(t)) {
            if (!PlanGenericSpans(t)) {
                cap = AlignDown(t.tileLength / 2, TileAlign(t));
                continue;
            }
            ChooseOperandBuffers(t);
            t.tileLength = std::min(TileLengthFor(t), cap);
            if (t.tileLength >= TileAlign(t)) {
                return;
            }
        }
        OperandTiling* costliest = nullptr;
        for (OperandTiling* op : {&t.weight, &t.posWeight}) {
            if (op->mode == static_cast<uint32_t>(OperandMode::PERIODIC) &&
                (costliest == nullptr || PeriodicFixedBytes(*op) > PeriodicFixedBytes(*costliest))) {
                costliest = op;
            }
        }
        if (costliest == nullptr) {
            OperandTiling* resident = nullptr;
            for (OperandTiling* op : {&t.weight, &t.posWeight}) {
                if (IsGeneric(*op) && op->gatherSpan == GATHER_RESIDENT &&
                    (resident == nullptr || GenericFixedBytes(*op) > GenericFixedBytes(*resident))) {
                    resident = op;
                }
            }
            if (resident != nullptr) {
                resident->gatherSpan = 1;  // sized by PlanGenericSpans for the tile
                ChooseOperandBuffers(t);
                continue;
            }
            throw std::runtime_error("bce_with_logits: UB of " + std::to_string(t.ubBytes) +
                                     " bytes cannot hold one tile of " +
                                     std::to_string(REPEAT_ELEMS_FP32) + " elements");
        }
        MakeGeneric(*costliest);
    }
}

// Blocks assumed when weighing a resident GENERIC operand against per-tile spans: a constant (the
// reduction spread), so the choice, and with it the tile length and any summation order, never
// depends on the block count or the A2 variant.
constexpr uint64_t PLANNED_BLOCKS = 48;

// An operand with a head (bce_with_logits_period_plan.h) is copied period by period: its set-up
// gathers under lcm(P, 8) elements once per block, with no index arithmetic, where a GENERIC tile
// gathers each of its elements after 5-10 vector passes of offsets and a row tile pays its issue
// costs per row. On the A2 timeline it is the cheaper plan once a block reads more than 1/this of
// lcm(P, 8) (fp32 pos_weight[1001]: 200,200 elements 7.32 -> 7.12 us 'none', 8.84 -> 7.95 us
// 'mean'; at 130,130 row tiles still win, 6.16 against 6.59 us).
constexpr uint64_t HEAD_PERIODIC_BLOCK_SHARE = 2;

// A resident operand is read in full by every block; the spans a block's tiles touch can be far
// less (weight[N, 1]: a few rows per tile). Switches such operands to spans and re-plans the UB.
void PreferSpans(TilingData& t)
{
    bool changed = false;
    const uint64_t tiles = (std::max<uint64_t>(t.totalLength, 1) + t.tileLength - 1) / t.tileLength;
    const uint64_t tilesPerBlock = (tiles + PLANNED_BLOCKS - 1) / PLANNED_BLOCKS;
    // A PERIODIC set-up expands lcm(P, 8) elements per block: more than a small input's block ever
    // reads (pw[1001] on 10 x 1001: 8008 per block for 209 elements). Gathering per tile (or row
    // tiles) is cheaper then; for an operand copied period by period only below a share of it.
    const uint64_t elemsPerBlock = (std::max<uint64_t>(t.totalLength, 1) + PLANNED_BLOCKS - 1) / PLANNED_BLOCKS;
    for (OperandTiling* op : {&t.weight, &t.posWeight}) {
        const uint64_t worthFrom = PeriodHeadElems(*op) != 0 ? op->periodAligned / HEAD_PERIODIC_BLOCK_SHARE
                                                             : op->periodAligned;
        if (op->mode == static_cast<uint32_t>(OperandMode::PERIODIC) && elemsPerBlock < worthFrom) {
            MakeGeneric(*op);
            changed = true;
        }
    }
    for (OperandTiling* op : {&t.weight, &t.posWeight}) {
        if (!IsGeneric(*op) || op->gatherSpan != GATHER_RESIDENT) {
            continue;
        }
        const uint64_t span = MaxTileSpan(t, *op);
        if (span * DTypeBytes(static_cast<DType>(op->dtype)) <= MAX_SPAN_BYTES && tilesPerBlock * span < op->numel) {
            op->gatherSpan = static_cast<uint32_t>(span);
            changed = true;
        }
    }
    if (changed) {
        ChooseOperandBuffers(t);
        ChooseTileLength(t);
    }
}

// Rank-2 [R, C] spaces with GENERIC operands that are row vectors (strides {0, 1}, pos_weight[C] too
// long for a PERIODIC expansion) or column vectors (strides {1, 0}, weight[N, 1]) need no Gather,
// which costs every element about 25 simple vector passes plus its offsets:
// - row tiles (TilingData.rowLength): every tile lies in one row, so a row vector is one contiguous
//   chunk (OperandMode::ROW) and a column vector one value per tile;
// - a column vector with rows of at least MIN_COLUMN_RUN scales each row piece of a tile with one
//   Muls (OperandMode::COLUMN), under row tiles or under flat tiles whose row pieces start 32-B
//   aligned (C a multiple of ALIGN_ELEMS_FP32).
// Row tiles start anywhere in a row, so they take no PERIODIC or other GENERIC operand.
bool IsRowVector(const TilingData& t, const OperandTiling& op)
{
    return t.rank == 2 && op.mode == static_cast<uint32_t>(OperandMode::GENERIC) && op.strides[0] == 0 &&
           op.strides[1] == 1;
}

bool IsColumnVector(const TilingData& t, const OperandTiling& op)
{
    return t.rank == 2 && op.mode == static_cast<uint32_t>(OperandMode::GENERIC) && op.strides[0] == 1 &&
           op.strides[1] == 0 && t.dims[1] >= MIN_COLUMN_RUN;
}

// Switches eligible operands to ROW / COLUMN (with row tiles where needed) and re-plans the UB.
// The cheaper plan on the A2 timeline: a row tile costs only its copies' and instructions' issue, and
// neither mode holds the operand, a span, offsets or a ramp in UB; short unaligned rows of a column
// vector are the exception (MIN_ROW_TILE_ELEMS).
void PreferRowsAndColumns(TilingData& t)
{
    bool rowsAllowed = t.rank == 2, rowsWanted = false;
    // A row vector is GENERIC only when too long for PERIODIC, where row tiles beat a Gather; an
    // unaligned column vector asks for them only from MIN_ROW_TILE_ELEMS on (it is a COLUMN under
    // row tiles that a row vector asked for, whatever its rows).
    const bool columnWantsRows = t.dims[1] % ALIGN_ELEMS_FP32 != 0 && t.dims[1] >= MIN_ROW_TILE_ELEMS;
    for (const OperandTiling* op : {&t.weight, &t.posWeight}) {
        const auto mode = static_cast<OperandMode>(op->mode);
        if (IsRowVector(t, *op) || (IsColumnVector(t, *op) && columnWantsRows)) {
            rowsWanted = true;
        } else if (!IsColumnVector(t, *op) && mode != OperandMode::ABSENT && mode != OperandMode::SCALAR &&
                   mode != OperandMode::FULL) {
            rowsAllowed = false;  // PERIODIC and other GENERIC operands assume flat, aligned tile starts
        }
    }
    const bool rows = rowsAllowed && rowsWanted;
    bool changed = false;
    for (OperandTiling* op : {&t.weight, &t.posWeight}) {
        if (rows && IsRowVector(t, *op)) {
            op->mode = static_cast<uint32_t>(OperandMode::ROW);
        } else if (IsColumnVector(t, *op) && (rows || t.dims[1] % ALIGN_ELEMS_FP32 == 0)) {
            op->mode = static_cast<uint32_t>(OperandMode::COLUMN);
        } else {
            continue;
        }
        op->gatherSpan = 0;
        changed = true;
    }
    if (!changed) {
        return;
    }
    t.rowLength = rows ? t.dims[1] : 0;
    ChooseOperandBuffers(t);
    ChooseTileLength(t);
}

// Cuts each row into rowChunks chunks of at most the UB-planned tile: ceil(C / K) rounded up to the
// alignment (the last chunk shorter by under one unit per chunk). K is the largest count that gives
// the busiest of `blocks` blocks no more tiles than the fewest chunks the UB allows: row tiles are
// balanced by their number, not by a flat tile's length (10 x 1000 fp32 on 48 blocks: 4 chunks of
// 256, 40 tiles, one per block, where chunks of the flat balanced tile, 224, made 50 and gave two
// blocks two). Reductions pass PLANNED_BLOCKS, so their chunks (and summation order) depend on the
// shape, dtypes and UB only; elementwise kernels pass the launch's block cap.
void ChunkRows(TilingData& t, uint64_t blocks)
{
    if (t.rowLength == 0) {
        return;
    }
    const uint64_t align = BalancedTileAlign(t);
    const uint64_t rows = t.totalLength / t.rowLength;
    const uint64_t fewest = (t.rowLength + t.tileLength - 1) / t.tileLength;
    const uint64_t most = (t.rowLength + align - 1) / align;  // chunks of one alignment unit
    const uint64_t busiestTiles = (rows * fewest + blocks - 1) / blocks;
    const uint64_t chunks = std::min(std::max(busiestTiles * blocks / rows, fewest), most);
    t.tileLength = AlignUp((t.rowLength + chunks - 1) / chunks, align);
    t.rowChunks = (t.rowLength + t.tileLength - 1) / t.tileLength;
}

// Shortens the tile (never lengthens it) so that `blocks` blocks get nearly equal element counts:
// with the UB-limited length, N = 4096000 fp32 elements on 48 cores would give 877 tiles of
// 4672, so some blocks take 19 tiles where 18.3 is the average; 912 tiles of 4496 give every
// block 19. Tiles stay multiples of `align`. The busiest block keeps the tile count the UB-limited
// length gives it, so it pays no more copies (each with its fixed issue cost) than before, only
// shorter ones. A longer tile (16 KiB copies, say) can never take a tile off it, only add
// elements: 16-bit mean with pos_weight[1000] at 4.1M elements took 11 tiles of 8192 where 11 of
// 7808 do (modelled 34.37 -> 33.14 us).
//
// A block with one tile runs its copy-in, compute and copy-out in series; with two, the second's
// copy-in overlaps the first's compute and the first's copy-out the second's. For a kernel that
// writes an output tile (a partial's copy-out is 32 B: nothing to overlap) that pays once each
// copy still carries PIPELINE_SPLIT_MIN_COPY_BYTES, as measured on the timeline: fp32 'none' with
// pos_weight[1000] gains from 128 rows (tiles of 1344: 5.91 -> 5.83 us; 256 rows: 7.20 -> 6.89) and
// loses at 64 (672: 5.26 -> 5.48); fp16 'none' gains at 2672-element tiles (5.3 KB) and loses at
// 2000 (4 KB).
constexpr uint64_t PIPELINE_SPLIT_MIN_COPY_BYTES = 5 * 1024;

void BalanceTileLength(TilingData& t, uint64_t blocks, uint64_t align)
{
    const uint64_t total = std::max<uint64_t>(t.totalLength, 1);
    uint64_t tilesPerBlock = (total + t.tileLength * blocks - 1) / (t.tileLength * blocks);
    const uint64_t halfShare = AlignUp((total + 2 * blocks - 1) / (2 * blocks), align);
    if (tilesPerBlock == 1 && !HasPartials(t) &&
        halfShare * DTypeBytes(static_cast<DType>(t.dtype)) >= PIPELINE_SPLIT_MIN_COPY_BYTES) {
        tilesPerBlock = 2;
    }
    const uint64_t tiles = tilesPerBlock * blocks;
    t.tileLength = AlignUp((total + tiles - 1) / tiles, align);
}

// Shortens a UB-filling tile until the pads of the target and the later temps fit beside it
// (BankLevel::PLACED without the operands' buffers, the input and output queues unplaced). Without
// them the temps of fp16 'none' with pos_weight[1000] at 4M elements sat at phases 0, 0 and half,
// and bank conflicts took 17 % of its vector time; a step of the alignment costs the tile about
// 1 %. The pads of the operands and of the input and output queues, and the bank rows, only come
// from room the tile leaves: shortening for them gave fp32 'none' with pos_weight[1000] at 4M
// elements one tile more per block (19, not 18), 5 % more work for 3 % of conflicts.
void MakeRoomForBankPads(TilingData& t)
{
    const uint64_t align = TileAlign(t);
    for (;;) {
        UbOrder order = KernelUbOrder(t);
        for (UbSlot& operand : order.operands) {
            operand = UbSlot{};
        }
        order.out.placeable = false;
        order.input.placeable = false;
        const BankPlan plan{OutputSlot::MIDDLE, BankLevel::PLACED, false, false};
        if (t.tileLength <= align || UbBytesUsed(t) + PlaceUb(order, plan).padBytes <= t.ubBytes) {
            return;
        }
        t.tileLength -= align;
    }
}

// The bank plan the UB has room for beside the tiles with the fewest bank clashes (BankPlanCost),
// encoded for TilingData.bankPadBytes; 0 when none fits. On a tie the one with the fewest pad bytes
// (then the lowest plan index): the cost sees the operands' and the target's partners only, and a
// buffer moved without need can meet others (the partial sums' in-place Adds within tmpC moved
// into one bank row with bank rows for fp16 'mean' at 1M elements: 0.4 % slower).
uint64_t ChooseBankPads(const TilingData& t)
{
    const uint64_t used = UbBytesUsed(t);
    const UbOrder order = KernelUbOrder(t);
    uint64_t chosen = 0;
    uint64_t bestCost = UINT64_MAX;
    uint64_t bestPads = UINT64_MAX;
    for (uint32_t k = 0; k < BANK_PLAN_COUNT; ++k) {
        const BankPlan plan = BankPlanAt(k);
        const UbPlacement placement = PlaceUb(order, plan);
        const uint64_t pads = placement.padBytes;
        const uint64_t cost = BankPlanCost(order, plan, placement);
        if (used + pads <= t.ubBytes && (cost < bestCost || (cost == bestCost && pads < bestPads))) {
            bestCost = cost;
            bestPads = pads;
            chosen = EncodeBankPlan(pads, k);
        }
    }
    return chosen;
}

}  // namespace

uint64_t MaxTileSpan(const TilingData& t, const OperandTiling& op)
{
    const uint64_t reach = t.tileLength > 0 ? t.tileLength - 1 : 0;  // flat distance first -> last
    const uint64_t blockElems = BLOCK_BYTES / DTypeBytes(static_cast<DType>(op.dtype));
    uint64_t inners[MAX_DIMS] = {0};
    FlatInners(t, inners);
    uint64_t span = 1;
    for (uint32_t d = t.rank; d-- > 0;) {
        const uint64_t steps = std::min<uint64_t>(t.dims[d] - 1, (reach + inners[d] - 1) / inners[d]);
        uint64_t need = SingleSpan(op, t, d, steps);
        // A tile whose outermost changing dim is d may copy pieces instead (the kernel's choice when
        // its single span exceeds the buffer): one per cell of P = max(d, PieceDim) it touches, each
        // reading at most its own elements, plus under one block of alignment per piece.
        const uint32_t piece = PieceCellDim(op, t.rank, d);
        if (steps > 0 && piece + 1 < t.rank) {
            const uint64_t pieces = (reach + inners[piece] - 1) / inners[piece] + 1;
            if (pieces <= MAX_SPAN_PIECES) {
                need = std::min(need, t.tileLength + pieces * blockElems);
            }
        }
        span = std::max(span, need);
    }
    return span;
}

uint64_t MaxColumnTileRows(const TilingData& t)
{
    if (t.rowLength != 0 || t.tileLength == 0) {
        return 1;
    }
    return (t.tileLength - 1) / t.dims[1] + 2;
}

SocInfo GetSocInfo(const std::string& name)
{
    std::string valid;
    for (const SocPreset& preset : SOC_PRESETS) {
        if (name == preset.name) {
            return SocInfo{preset.name, preset.vectorCores, A2_UB_BYTES};
        }
        valid += (valid.empty() ? "" : ", ") + std::string(preset.name);
    }
    throw std::invalid_argument("unknown SoC '" + name + "'; valid names: " + valid);
}

uint32_t DTypeBytes(DType dtype)
{
    switch (dtype) {
        case DType::FLOAT32:
            return 4;
        case DType::FLOAT16:
        case DType::BFLOAT16:
            return 2;
    }
    throw std::invalid_argument("dtype code " + std::to_string(static_cast<uint32_t>(dtype)) +
                                " is out of range (0 = float32, 1 = float16, 2 = bfloat16)");
}

namespace {

// The most work a block gets when `blockDim` blocks split t's tiles: its elements, plus a tile's
// elements for each row chunk past its first that its tiles reach (row tiles are chunk-major, and a
// ROW operand loads its chunk again when a block's tiles move to the next one).
uint64_t BusiestBlockWork(const TilingData& t, uint64_t blockDim)
{
    const uint64_t rows = t.rowLength != 0 ? t.totalLength / t.rowLength : 0;
    uint64_t most = 0;
    for (uint64_t b = 0; b < blockDim; ++b) {
        const TileRange r = BlockTilesOf(t, blockDim, b);
        uint64_t work = TilesElems(t, r.first, r.end);
        if (rows != 0 && r.end > r.first) {
            work += ((r.end - 1) / rows - r.first / rows) * t.tileLength;
        }
        most = std::max(most, work);
    }
    return most;
}

}  // namespace

uint32_t LaunchBlocks(const TilingData& t, uint32_t blockCap)
{
    if (t.numTiles == 0 || blockCap == 0) {
        return 1;  // an empty launch still runs one block (its reduction writes the result)
    }
    const uint64_t cap = std::min<uint64_t>(blockCap, t.numTiles);
    const uint64_t busiestTiles = (t.numTiles + cap - 1) / cap;
    // Every count from `fewest` to `cap` keeps the busiest block at busiestTiles tiles; of those,
    // the fewest blocks whose busiest block gets no more work than with `cap`.
    const uint64_t fewest = (t.numTiles + busiestTiles - 1) / busiestTiles;
    const uint64_t atCap = BusiestBlockWork(t, cap);
    uint64_t blocks = fewest;
    while (blocks < cap && BusiestBlockWork(t, blocks) > atCap) {
        ++blocks;
    }
    return static_cast<uint32_t>(blocks);
}

TilingData ComputeTiling(const TilingRequest& req)
{
    CheckRequest(req);
    const CollapsedLayout layout =
        CollapseBroadcast(req.inputShape, ShapeIfPresent(req.weight), ShapeIfPresent(req.posWeight));
    TilingData t{};
    t.totalLength = NumElements(req.inputShape);
    t.reduction = static_cast<uint32_t>(req.reduction);
    t.dtype = static_cast<uint32_t>(req.dtype);
    t.rank = layout.rank;
    std::copy(layout.dims, layout.dims + MAX_DIMS, t.dims);
    t.weight = BuildOperand(req.weight, layout, layout.weightStrides, t.totalLength);
    t.posWeight = BuildOperand(req.posWeight, layout, layout.posWeightStrides, t.totalLength);
    t.gradOutput = BuildGradOutput(req, t.totalLength);
    t.kernel = static_cast<uint32_t>(req.kernel);
    // The framework keeps RESERVED_UB_BYTES of every core's UB.
    t.ubBytes = req.soc.ubBytes > RESERVED_UB_BYTES ? req.soc.ubBytes - RESERVED_UB_BYTES : 0;
    ChooseOperandBuffers(t);
    // Depends on N, dtypes and UB only, never on the block count: the reduction chunks (and so
    // the fp32 summation order) must be identical for any number of blocks.
    ChooseTileLength(t);
    PreferSpans(t);
    PreferRowsAndColumns(t);
    const uint32_t blockCap = req.maxBlocks != 0 ? std::min(req.soc.vectorCores, req.maxBlocks)
                                                 : req.soc.vectorCores;
    MakeRoomForBankPads(t);
    // Elementwise kernels have no summation order to keep: their work is evened out over the
    // launch's blocks. Reductions balance over PLANNED_BLOCKS, a constant, not the SoC's or the
    // launch's core count: the summation order, fixed by the tiles, stays the same for every block
    // count and A2 variant (and a small input still gets a tile per planned block: 256 x 256 fp32
    // on a UB-sized tile would be 14 tiles, 14 busy cores).
    const uint64_t balanceBlocks = HasPartials(t) ? PLANNED_BLOCKS : blockCap;
    if (t.rowLength != 0) {
        ChunkRows(t, balanceBlocks);
    } else {
        BalanceTileLength(t, balanceBlocks, BalancedTileAlign(t));
    }
    // The final tile's own spans. MaxTileSpan is not monotonic in the tile length (a tile that wraps
    // a broadcast row re-reads its elements: weight [2, 1, 4096] over [2, 7, 4096] on one block was
    // planned with spans of 2960 for a longer tile, then needed 3088 for its 3072), so a shorter tile
    // may need more: shortened until they fit.
    PlanGenericSpans(t);
    const uint64_t spanStep = BalancedTileAlign(t);
    while (t.rowLength == 0 && t.tileLength > spanStep && UbBytesUsed(t) > t.ubBytes) {
        t.tileLength -= spanStep;
        PlanGenericSpans(t);
    }
    t.numTiles = t.rowLength != 0 ? t.rowChunks * (t.totalLength / t.rowLength)
                                  : (t.totalLength + t.tileLength - 1) / t.tileLength;
    // Partials are combined in two levels: groups that fill one input buffer, then at most
    // tileLength group sums (one fp32 tile).
    if (HasPartials(t)) {
        t.partialGroupLength = t.tileLength * DTypeBytes(static_cast<DType>(t.dtype)) / FP32_BYTES;
        if (t.numTiles > t.partialGroupLength * t.tileLength) {
            // A property of the request (too many elements to reduce), not a failure: ValueError.
            throw std::invalid_argument("bce_with_logits: " + std::to_string(t.numTiles) +
                                        " tiles exceed the two-level reduction limit of " +
                                        std::to_string(t.partialGroupLength * t.tileLength) +
                                        " (input too large for reduction 'mean'/'sum'; 'none' has no limit)");
        }
    }
    t.blockDim = LaunchBlocks(t, blockCap);
    t.workspaceBytes = HasPartials(t) ? AlignUp(t.numTiles * FP32_BYTES, BLOCK_BYTES) : 0;
    // Bank pads only from the room the tile left: they never shorten a tile, so the tiles (and
    // every summation order) are the same with or without them.
    t.bankPadBytes = ChooseBankPads(t);
    return t;
}

uint64_t UbBytesUsed(const TilingData& tiling)
{
    return FixedBytes(tiling) + tiling.tileLength * BytesPerElem(tiling) + BankPadsOf(tiling.bankPadBytes);
}

uint64_t BankPadBytes(const TilingData& t, const BankPlan& plan)
{
    return plan.level == BankLevel::PACKED ? 0 : PlaceUb(KernelUbOrder(t), plan).padBytes;
}

}  // namespace BceWithLogits
