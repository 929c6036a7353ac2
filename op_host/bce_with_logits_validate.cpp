// Validation of a TilingData before a launch: every field a kernel trusts, against the SoC.
#include "bce_with_logits_validate.h"

#include <algorithm>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>

namespace BceWithLogits {
namespace {

constexpr uint32_t MAX_DTYPE = static_cast<uint32_t>(DType::BFLOAT16);
constexpr uint32_t MAX_REDUCTION = static_cast<uint32_t>(Reduction::SUM);
constexpr uint32_t MAX_KERNEL = static_cast<uint32_t>(KernelKind::BACKWARD_TARGET);
constexpr uint32_t MAX_MODE = static_cast<uint32_t>(OperandMode::COLUMN);
constexpr uint64_t INT64_LIMIT = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());

// "tiling.<field> = <value>: <rule>", the message of every rejection.
template <typename V>
void Require(bool ok, const std::string& field, V value, const std::string& rule)
{
    if (!ok) {
        throw std::invalid_argument("invalid tiling: " + field + " = " + std::to_string(value) + ": " + rule);
    }
}

bool HasPartials(const TilingData& t)
{
    return t.kernel == static_cast<uint32_t>(KernelKind::FORWARD) &&
           t.reduction != static_cast<uint32_t>(Reduction::NONE);
}

bool Is(const OperandTiling& op, OperandMode mode) { return op.mode == static_cast<uint32_t>(mode); }

// Codes first: everything after them (element sizes, UB plan) switches on them.
void CheckCodes(const TilingData& t)
{
    Require(t.dtype <= MAX_DTYPE, "dtype", t.dtype, "must be 0 (float32), 1 (float16) or 2 (bfloat16)");
    Require(t.reduction <= MAX_REDUCTION, "reduction", t.reduction, "must be 0 (none), 1 (mean) or 2 (sum)");
    Require(t.kernel <= MAX_KERNEL, "kernel", t.kernel,
            "must be 0 (forward), 1 (backward) or 2 (backward_target)");
    const std::pair<const OperandTiling*, const char*> operands[] = {
        {&t.weight, "weight"}, {&t.posWeight, "posWeight"}, {&t.gradOutput, "gradOutput"}};
    for (const auto& [op, name] : operands) {
        Require(op->mode <= MAX_MODE, std::string(name) + ".mode", op->mode,
                "must be 0..6 (ABSENT, SCALAR, PERIODIC, FULL, GENERIC, ROW, COLUMN)");
        Require(op->dtype <= MAX_DTYPE, std::string(name) + ".dtype", op->dtype,
                "must be 0 (float32), 1 (float16) or 2 (bfloat16)");
    }
    Require(t.gradOutput.dtype == t.dtype, "gradOutput.dtype", t.gradOutput.dtype,
            "must equal tiling.dtype (" + std::to_string(t.dtype) + ")");
}

// rank in [1, MAX_DIMS], dims > 0 with product N (N = 0: one dim of 0), unused dims zero.
void CheckShape(const TilingData& t)
{
    Require(t.totalLength <= INT64_LIMIT, "totalLength", t.totalLength, "must be at most 2^63 - 1");
    Require(t.rank >= 1 && t.rank <= MAX_DIMS, "rank", t.rank, "must be in [1, " + std::to_string(MAX_DIMS) + "]");
    for (uint32_t d = t.rank; d < MAX_DIMS; ++d) {
        Require(t.dims[d] == 0, "dims[" + std::to_string(d) + "]", t.dims[d], "must be 0 beyond rank");
    }
    if (t.totalLength == 0) {
        Require(t.rank == 1 && t.dims[0] == 0, "rank", t.rank, "an empty input has rank 1 and dims[0] = 0");
        return;
    }
    uint64_t product = 1;
    for (uint32_t d = 0; d < t.rank; ++d) {
        const std::string field = "dims[" + std::to_string(d) + "]";
        Require(t.dims[d] > 0, field, t.dims[d], "must be > 0 for a non-empty input");
        Require(product <= t.totalLength / t.dims[d], field, t.dims[d],
                "the product of dims exceeds totalLength (" + std::to_string(t.totalLength) + ")");
        product *= t.dims[d];
    }
    Require(product == t.totalLength, "totalLength", t.totalLength,
            "must equal the product of dims (" + std::to_string(product) + ")");
}

// Tile length (positive, aligned, bounded by the UB), tile count and block count.
void CheckTiles(const TilingData& t, const SocInfo& soc)
{
    const uint64_t align = HasPartials(t) ? REPEAT_ELEMS_FP32 * FP32_BYTES / DTypeBytes(static_cast<DType>(t.dtype))
                                          : ELEMENTWISE_ALIGN_ELEMS;
    Require(t.tileLength > 0 && t.tileLength <= t.ubBytes, "tileLength", t.tileLength,
            "must be in [1, ubBytes = " + std::to_string(t.ubBytes) + "]");
    Require(t.tileLength % align == 0, "tileLength", t.tileLength,
            "must be a multiple of " + std::to_string(align) +
                (HasPartials(t) ? " (one fp32 repeat of partials per input buffer)" : " (32 B of 16-bit data)"));
    uint64_t tiles = t.totalLength / t.tileLength + (t.totalLength % t.tileLength != 0 ? 1 : 0);
    if (t.rowLength == 0) {
        Require(t.rowChunks == 0, "rowChunks", t.rowChunks, "must be 0 without row tiles (rowLength = 0)");
        Require(t.numTiles == tiles, "numTiles", t.numTiles,
                "must be ceil(totalLength / tileLength) = " + std::to_string(tiles));
    } else {
        // Row tiles: TileAt divides by the row count and every chunk start lies inside the row.
        Require(t.rank == 2 && t.rowLength == t.dims[1], "rowLength", t.rowLength,
                "row tiles need a rank-2 space and rowLength = dims[1]");
        const uint64_t chunks = (t.rowLength + t.tileLength - 1) / t.tileLength;
        Require(t.rowChunks == chunks, "rowChunks", t.rowChunks,
                "must be ceil(rowLength / tileLength) = " + std::to_string(chunks));
        tiles = chunks * t.dims[0];
        Require(t.numTiles == tiles, "numTiles", t.numTiles, "must be rowChunks * dims[0] = " + std::to_string(tiles));
    }
    const uint64_t maxBlocks = std::min<uint64_t>(soc.vectorCores, std::max<uint64_t>(tiles, 1));
    Require(t.blockDim >= 1 && t.blockDim <= maxBlocks, "blockDim", t.blockDim,
            "must be in [1, min(vector cores of " + soc.name + " = " + std::to_string(soc.vectorCores) +
                ", max(numTiles, 1))] = [1, " + std::to_string(maxBlocks) + "]");
}

// PERIODIC/GENERIC operands are read through their strides: contiguous over the non-broadcast
// dims, so every index the kernel forms lies in [0, numel).
void CheckStrides(const TilingData& t, const OperandTiling& op, const std::string& name)
{
    uint64_t running = 1;
    for (uint32_t i = t.rank; i-- > 0;) {
        const std::string field = name + ".strides[" + std::to_string(i) + "]";
        const int64_t stride = op.strides[i];
        Require(stride == 0 || (t.totalLength > 0 && static_cast<uint64_t>(stride) == running), field, stride,
                "must be 0 (broadcast) or the contiguous stride " + std::to_string(running));
        running *= stride == 0 ? 1 : t.dims[i];
    }
    if (t.totalLength > 0) {
        Require(op.numel == running, name + ".numel", op.numel,
                "must equal the product of its non-broadcast dims (" + std::to_string(running) + ")");
    }
}

// PERIODIC: period = the dims from the first non-broadcast one, periodAligned = lcm(period, 8).
void CheckPeriod(const TilingData& t, const OperandTiling& op, const std::string& name)
{
    if (!Is(op, OperandMode::PERIODIC)) {
        Require(op.period == 0 && op.periodAligned == 0, name + ".period", op.period,
                "period and periodAligned must be 0 unless the mode is PERIODIC");
        return;
    }
    uint32_t lead = 0;
    while (lead < t.rank && op.strides[lead] == 0) {
        ++lead;
    }
    Require(t.totalLength > 0 && lead < t.rank, name + ".mode", op.mode,
            "PERIODIC needs a non-empty input and a non-broadcast dim");
    uint64_t period = 1;
    for (uint32_t d = lead; d < t.rank; ++d) {
        period *= t.dims[d];
    }
    Require(op.period == period && period <= MAX_PERIOD_BYTES / FP32_BYTES, name + ".period", op.period,
            "must be the product of the dims from the first non-broadcast one (" + std::to_string(period) +
                ") and at most " + std::to_string(MAX_PERIOD_BYTES / FP32_BYTES));
    const uint64_t aligned = std::lcm(period, static_cast<uint64_t>(ALIGN_ELEMS_FP32));
    Require(op.periodAligned == aligned, name + ".periodAligned", op.periodAligned,
            "must be lcm(period, " + std::to_string(ALIGN_ELEMS_FP32) + ") = " + std::to_string(aligned));
}

// GENERIC: resident only within MAX_RESIDENT_BYTES; a span buffer holds every tile's span.
void CheckGatherSpan(const TilingData& t, const OperandTiling& op, const std::string& name)
{
    if (!Is(op, OperandMode::GENERIC)) {
        Require(op.gatherSpan == 0, name + ".gatherSpan", op.gatherSpan, "must be 0 unless the mode is GENERIC");
        return;
    }
    Require(t.tileLength <= MAX_GATHER_ELEMS_FP32, "tileLength", t.tileLength,
            "must be at most " + std::to_string(MAX_GATHER_ELEMS_FP32) + " with a GENERIC " + name +
                " (one Gather per tile: at most " + std::to_string(MAX_GATHER_REPEATS) + " repeats)");
    if (op.gatherSpan == GATHER_RESIDENT) {
        Require(op.numel * DTypeBytes(static_cast<DType>(op.dtype)) <= MAX_RESIDENT_BYTES, name + ".gatherSpan",
                op.gatherSpan, "resident (0) needs the operand within " + std::to_string(MAX_RESIDENT_BYTES) + " B");
    } else {
        const uint64_t need = MaxTileSpan(t, op);
        Require(op.gatherSpan >= need && op.gatherSpan * uint64_t{DTypeBytes(static_cast<DType>(op.dtype))} <=
                                             MAX_SPAN_BYTES,
                name + ".gatherSpan", op.gatherSpan,
                "must hold the largest span a tile touches (" + std::to_string(need) + ") within " +
                    std::to_string(MAX_SPAN_BYTES) + " B");
    }
}

// numel, buffers, period and strides of one operand against its mode and the dims.
void CheckOperand(const TilingData& t, const OperandTiling& op, const std::string& name)
{
    const OperandMode mode = static_cast<OperandMode>(op.mode);
    if (mode == OperandMode::ABSENT) {
        Require(op.numel == 0, name + ".numel", op.numel, "must be 0 for an ABSENT operand");
    } else if (mode == OperandMode::SCALAR) {
        Require(op.numel == 1, name + ".numel", op.numel, "must be 1 for a SCALAR operand");
    } else if (mode == OperandMode::FULL) {
        Require(op.numel == t.totalLength, name + ".numel", op.numel,
                "must equal totalLength (" + std::to_string(t.totalLength) + ") for a FULL operand");
    } else {
        CheckStrides(t, op, name);
    }
    if (mode == OperandMode::ROW) {
        // One contiguous chunk per tile: a row vector under row tiles, one VECIN buffer.
        Require(t.rowLength != 0 && op.strides[0] == 0 && op.strides[1] == 1 && op.numel == t.rowLength,
                name + ".mode", op.mode, "ROW needs row tiles (rowLength != 0) and a row vector (strides {0, 1})");
        Require(op.bufferNum == 1, name + ".bufferNum", op.bufferNum, "must be 1 for a ROW operand");
    } else if (mode == OperandMode::COLUMN) {
        // One Muls per row piece of a tile: pieces start 32-B aligned, and there are few of them.
        Require(t.rank == 2 && op.strides[0] == 1 && op.strides[1] == 0 && op.numel == t.dims[0] &&
                    t.dims[1] >= MIN_COLUMN_RUN && (t.rowLength != 0 || t.dims[1] % ALIGN_ELEMS_FP32 == 0),
                name + ".mode", op.mode,
                "COLUMN needs a column vector (strides {1, 0}) of rows of at least " + std::to_string(MIN_COLUMN_RUN) +
                    ", with row tiles or rows a multiple of " + std::to_string(ALIGN_ELEMS_FP32));
        // Every tile's rows must fit the kernel's window of MAX_COLUMN_ROWS row values.
        Require(MaxColumnTileRows(t) <= MAX_COLUMN_ROWS, "tileLength", t.tileLength,
                "touches up to " + std::to_string(MaxColumnTileRows(t)) + " rows with a COLUMN " + name +
                    ": at most " + std::to_string(MAX_COLUMN_ROWS) + " (its window of row values)");
    } else if (t.rowLength != 0) {
        Require(mode == OperandMode::ABSENT || mode == OperandMode::SCALAR || mode == OperandMode::FULL,
                name + ".mode", op.mode,
                "row tiles start at unaligned flat indices: only ABSENT, SCALAR, FULL, ROW or COLUMN");
    }
    const bool spanned = mode == OperandMode::GENERIC && op.gatherSpan != GATHER_RESIDENT;
    if (mode == OperandMode::ROW) {
        // checked above
    } else if (mode == OperandMode::FULL || spanned) {
        Require(op.bufferNum == 1 || op.bufferNum == 2, name + ".bufferNum", op.bufferNum,
                "must be 1 or 2 for a FULL operand or a GENERIC one with a span");
    } else {
        Require(op.bufferNum == 0, name + ".bufferNum", op.bufferNum,
                "must be 0 unless the operand is streamed (FULL, GENERIC with a span)");
    }
    CheckPeriod(t, op, name);
    CheckGatherSpan(t, op, name);
}

// gradOutput follows the kernel kind; every VECIN buffer holds one of MAX_VECIN_BUFFERS event ids.
void CheckOperands(const TilingData& t)
{
    CheckOperand(t, t.weight, "weight");
    CheckOperand(t, t.posWeight, "posWeight");
    CheckOperand(t, t.gradOutput, "gradOutput");
    const bool forward = t.kernel == static_cast<uint32_t>(KernelKind::FORWARD);
    const OperandMode expected = forward ? OperandMode::ABSENT
                                 : t.reduction == static_cast<uint32_t>(Reduction::NONE) ? OperandMode::FULL
                                                                                         : OperandMode::SCALAR;
    Require(Is(t.gradOutput, expected), "gradOutput.mode", t.gradOutput.mode,
            "must be " + std::to_string(static_cast<uint32_t>(expected)) +
                " (forward: ABSENT; backward: FULL for reduction none, SCALAR for mean/sum)");
    uint32_t vecin = BUFFER_NUM + TargetBuffers(t.kernel);
    for (const OperandTiling* op : {&t.weight, &t.posWeight, &t.gradOutput}) {
        vecin += op->bufferNum;
    }
    Require(vecin <= MAX_VECIN_BUFFERS, "bufferNum", vecin,
            "VECIN buffers of x, y and the streamed operands exceed the " + std::to_string(MAX_VECIN_BUFFERS) +
                " V_MTE2 event ids of a core");
}

// Forward mean/sum: partial groups of one input buffer, at most one fp32 tile of groups, and a
// workspace for one fp32 partial per tile. Other kernels use neither.
void CheckReduction(const TilingData& t)
{
    if (!HasPartials(t)) {
        Require(t.partialGroupLength == 0, "partialGroupLength", t.partialGroupLength,
                "must be 0 unless the forward reduces");
        Require(t.workspaceBytes == 0, "workspaceBytes", t.workspaceBytes, "must be 0 unless the forward reduces");
        return;
    }
    const uint64_t group = t.tileLength * DTypeBytes(static_cast<DType>(t.dtype)) / FP32_BYTES;
    Require(t.partialGroupLength == group, "partialGroupLength", t.partialGroupLength,
            "must be tileLength * sizeof(dtype) / 4 = " + std::to_string(group) + " (fp32 partials in one input buffer)");
    Require(t.numTiles <= group * t.tileLength, "numTiles", t.numTiles,
            "exceeds the two-level reduction limit partialGroupLength * tileLength = " +
                std::to_string(group * t.tileLength));
    Require(t.workspaceBytes >= t.numTiles * FP32_BYTES, "workspaceBytes", t.workspaceBytes,
            "must hold one fp32 partial per tile (" + std::to_string(t.numTiles * FP32_BYTES) + " B)");
}

}  // namespace

void Validate(const TilingData& tiling, const SocInfo& soc)
{
    Require(soc.vectorCores >= 1 && soc.ubBytes > RESERVED_UB_BYTES, "soc.vectorCores", soc.vectorCores,
            "SoC '" + soc.name + "' needs vector cores and more than " + std::to_string(RESERVED_UB_BYTES) + " B of UB");
    CheckCodes(tiling);
    CheckShape(tiling);
    const uint32_t ubLimit = soc.ubBytes - RESERVED_UB_BYTES;
    Require(tiling.ubBytes <= ubLimit, "ubBytes", tiling.ubBytes,
            "must be at most the UB of " + soc.name + " less the framework's " + std::to_string(RESERVED_UB_BYTES) +
                " B (" + std::to_string(ubLimit) + ")");
    CheckTiles(tiling, soc);
    CheckOperands(tiling);
    CheckReduction(tiling);
    // The kernel decodes its bank plan from bankPadBytes (bce_with_logits_bank_plan.h PlanOf).
    const uint64_t planIndex = tiling.bankPadBytes & BANK_PLAN_BITS;
    Require(tiling.bankPadBytes == 0 || (planIndex >= 1 && planIndex <= BANK_PLAN_COUNT), "bankPadBytes",
            tiling.bankPadBytes,
            "must be 0 or a bank plan's pads plus its index in [1, " + std::to_string(BANK_PLAN_COUNT) +
                "] in the low " + std::to_string(BLOCK_BYTES) + "-B bits");
    if (tiling.bankPadBytes != 0) {
        const uint64_t pads = BankPadBytes(tiling, BankPlanAt(static_cast<uint32_t>(planIndex - 1)));
        Require(BankPadsOf(tiling.bankPadBytes) == pads, "bankPadBytes", tiling.bankPadBytes,
                "must hold the pads of bank plan " + std::to_string(planIndex) + " for this tiling (" +
                    std::to_string(pads) + " B)");
    }
    // Bounded operands and tile length above: the UB plan cannot overflow uint64.
    const uint64_t used = UbBytesUsed(tiling);
    Require(used <= tiling.ubBytes, "ubBytes", tiling.ubBytes,
            "the kernel would allocate " + std::to_string(used) + " B of UB with this tiling");
}

void Validate(const TilingData& tiling) { Validate(tiling, GetSocInfo("910B1")); }

}  // namespace BceWithLogits
