// Broadcast operand (weight, pos_weight, or the backward's incoming gradient) of bce_with_logits:
// brings its values, expanded to the flat input index, into the kernel's fp32 tiles without
// materialising it in GM.
#ifndef BCE_WITH_LOGITS_OPERAND_H
#define BCE_WITH_LOGITS_OPERAND_H

#include "kernel_operator.h"
#include "bce_with_logits_copy.h"
#include "bce_with_logits_period.h"
#include "bce_with_logits_column.h"
#include "bce_with_logits_sync.h"
#include "bce_with_logits_tiling.h"

namespace BceWithLogits {

using AscendC::GlobalTensor;
using AscendC::LocalTensor;
using AscendC::TBuf;
using AscendC::TPipe;
using AscendC::TPosition;
using AscendC::TQue;

// ROW: no chunk copied in yet (no real chunk index reaches it).
constexpr uint64_t NO_CHUNK = ~static_cast<uint64_t>(0);

class BroadcastOperand {
public:
    __aicore__ inline BroadcastOperand() {}

    // First of two steps, in the kernel's UB order (bce_with_logits_bank_plan.h): the buffer Apply
    // multiplies into the tile (OperandSlot), `bufferBytes` each, behind a pad of `padBytes`.
    // `tiling` must outlive the operand (the kernel's own copy).
    __aicore__ inline void Allocate(TPipe& pipe, GM_ADDR gm, const OperandTiling& operand, const TilingData& tiling,
                                    uint32_t padBytes, uint32_t bufferBytes)
    {
        tiling_ = &tiling;
        gm_ = gm;
        op_ = operand;
        tileLength_ = static_cast<uint32_t>(tiling.tileLength);
        const auto mode = static_cast<OperandMode>(op_.mode);
        const bool fp32 = static_cast<DType>(op_.dtype) == DType::FLOAT32;
        if (padBytes != 0) {
            pipe.InitBuffer(pad_, padBytes);
        }
        if (mode == OperandMode::PERIODIC || mode == OperandMode::GENERIC || (mode == OperandMode::ROW && !fp32)) {
            pipe.InitBuffer(expanded_, bufferBytes);
        } else if (mode == OperandMode::FULL && fp32) {
            InitStream(pipe, bufferBytes);
        } else if (mode == OperandMode::ROW) {
            // One VECIN buffer (the host counted it among the V_MTE2 ids).
            pipe.InitBuffer(stream_, 1, bufferBytes);
        }
    }

    // Second step, once the kernel's temps exist: the operand's other buffers and its one-off work.
    // `scratch`: fp32 tiles the PERIODIC set-up may use (the kernel's compute tiles, still free).
    __aicore__ inline void SetUp(TPipe& pipe, const SetupScratch& scratch)
    {
        switch (static_cast<OperandMode>(op_.mode)) {
            case OperandMode::PERIODIC:
                Dispatch<ExpandPeriodTag>(pipe, scratch);
                break;
            case OperandMode::GENERIC:
                pipe.InitBuffer(offsets_, tileLength_ * FP32_BYTES);
                pipe.InitBuffer(ramp_, tileLength_ * FP32_BYTES);
                BuildRamp(ramp_.Get<float>(), tileLength_);
                Dispatch<InitGatherTag>(pipe);
                break;
            case OperandMode::FULL:
                if (static_cast<DType>(op_.dtype) != DType::FLOAT32) {
                    InitStream(pipe, tileLength_ * GmElemBytes(op_));  // widened first (OperandSlot)
                }
                break;
            case OperandMode::COLUMN:
                column_.Init(pipe, gm_, op_, *tiling_);
                break;
            case OperandMode::ROW:
                // A 16-bit chunk is widened once per load into its own fp32 tile (Allocate), so
                // tiles never repeat the Cast.
                if (static_cast<DType>(op_.dtype) != DType::FLOAT32) {
                    pipe.InitBuffer(stream_, 1, tileLength_ * GmElemBytes(op_));
                }
                break;
            default:
                break;  // SCALAR: read at first use (ScalarValue), behind the first tile's copy-in
        }
    }

    // End of the tile loop: a ROW operand gives back the fp32 chunk it still holds (its buffer's
    // V_MTE2 event, like any FreeTensor), a COLUMN one its MTE2_S event id. Nothing for the others.
    __aicore__ inline void Release()
    {
        if (holdsChunk_) {
            stream_.FreeTensor(heldChunk_);
            holdsChunk_ = false;
        }
        column_.Release();
    }

    // SCALAR: the operand's one value, read from GM once per block at its first use. A GM scalar
    // read can miss the data cache and holds the scalar unit, which issues every pipe's
    // instructions: read in Init it held back the first tile's copies; read here, after them, it
    // waits beside the copies and the vector work already issued.
    __aicore__ inline float ScalarValue()
    {
        if (!scalarRead_) {
            Dispatch<ReadScalarTag>();
            scalarRead_ = true;
        }
        return scalar_;
    }

    // Issues the copy-in of one tile for a streamed operand (FULL, the span a GENERIC tile touches,
    // a ROW chunk when it changes); a COLUMN operand makes sure its window holds the tile's rows.
    // Nothing for the other modes. Called for the block's tiles in order (BlockTiles).
    __aicore__ inline void CopyIn(uint64_t offset, uint32_t count)
    {
        if (static_cast<OperandMode>(op_.mode) == OperandMode::FULL) {
            Dispatch<CopyInTag>(offset, count);
        } else if (static_cast<OperandMode>(op_.mode) == OperandMode::COLUMN) {
            column_.Take(offset, count);
        } else if (IsSpanned()) {
            Dispatch<CopySpanTag>(offset, count);
        } else if (static_cast<OperandMode>(op_.mode) == OperandMode::ROW) {
            const uint64_t chunk = offset % op_.numel / tileLength_;
            if (chunk != loadedChunk_) {
                Dispatch<LoadChunkTag>(chunk, count);
            }
        }
    }

    // dst[0, count) *= operand at flat indices [offset, offset + count); `scratch` is a free
    // fp32 tile used to widen a streamed fp16/bf16 operand.
    __aicore__ inline void Apply(const LocalTensor<float>& dst, const LocalTensor<float>& scratch,
                                 uint64_t offset, uint32_t count)
    {
        switch (static_cast<OperandMode>(op_.mode)) {
            case OperandMode::SCALAR:
                AscendC::Muls(dst, dst, ScalarValue(), count);
                break;
            case OperandMode::PERIODIC:
                ApplyPeriod(dst, expanded_.Get<float>(), op_, tileLength_, offset, count);
                break;
            case OperandMode::FULL:
                Dispatch<ApplyStreamTag>(dst, scratch, count);
                break;
            case OperandMode::GENERIC:
                Dispatch<GatherTileTag>(scratch, offset, count);
                AscendC::Mul(dst, dst, expanded_.Get<float>(), count);
                break;
            case OperandMode::COLUMN:
                column_.Scale(dst, offset, count);
                break;
            case OperandMode::ROW:
                if (chunkQueued_) {
                    Dispatch<TakeChunkTag>(count);
                }
                AscendC::Mul(dst, dst, static_cast<DType>(op_.dtype) == DType::FLOAT32 ? heldChunk_
                                                                                      : expanded_.Get<float>(),
                             count);
                break;
            default:
                break;
        }
    }

    // PERIODIC only: dst[0, count) = src[0, count) * the operand at flat indices [offset, offset + count).
    __aicore__ inline void ApplyPeriodicFrom(const LocalTensor<float>& dst, const LocalTensor<float>& src,
                                             uint64_t offset, uint32_t count)
    {
        ApplyPeriodFrom(dst, src, expanded_.Get<float>(), op_, tileLength_, offset, count);
    }

private:
    struct ExpandPeriodTag {};
    struct CopyInTag {};
    struct ApplyStreamTag {};
    struct InitGatherTag {};
    struct CopySpanTag {};
    struct GatherTileTag {};
    struct LoadChunkTag {};
    struct TakeChunkTag {};
    struct ReadScalarTag {};

    // FULL: single or double buffered as the host tiling decided (all VECIN queues of a core share
    // 8 V_MTE2 event ids, one per freed buffer).
    __aicore__ inline void InitStream(TPipe& pipe, uint32_t bufferBytes)
    {
        pipe.InitBuffer(stream_, static_cast<uint8_t>(op_.bufferNum), bufferBytes);
    }

    __aicore__ inline bool IsSpanned() const
    {
        return static_cast<OperandMode>(op_.mode) == OperandMode::GENERIC && op_.gatherSpan != GATHER_RESIDENT;
    }

    // GENERIC set-up: a resident operand is copied to UB once (as stored in GM); a spanned one
    // gets its VECIN buffers, single or double as the host decided (they share the V_MTE2 ids).
    template <typename U>
    __aicore__ inline void Run(InitGatherTag, TPipe& pipe)
    {
        if (op_.gatherSpan == GATHER_RESIDENT) {
            const uint32_t numel = static_cast<uint32_t>(op_.numel);
            pipe.InitBuffer(staging_, numel * sizeof(U));
            CopyAnyAddress(staging_.Get<U>(), OperandGm<U>(gm_, op_.numel), numel);
            WaitPipe<AscendC::HardEvent::MTE2_V>(pipe);
        } else {
            pipe.InitBuffer(stream_, static_cast<uint8_t>(op_.bufferNum), op_.gatherSpan * sizeof(U));
        }
    }

    // One run from any GM element address: DataCopyPad has no GM alignment rule.
    template <typename U>
    __aicore__ inline void CopyAnyAddress(const LocalTensor<U>& dst, const GlobalTensor<U>& src, uint32_t count)
    {
        AscendC::DataCopyPad(dst, src, OneRun<U>(count), AscendC::DataCopyPadExtParams<U>());
    }

    __aicore__ inline GatherWindow TileOffsets(const LocalTensor<float>& scratch, uint64_t offset, uint32_t count)
    {
        const GatherTiles tiles{expanded_.Get<float>(), scratch, offsets_.Get<float>()};
        const WindowShape shape = ShapeOf(offset, count, op_, *tiling_, 0, true);
        if (op_.gatherSpan == GATHER_RESIDENT || shape.window.span <= op_.gatherSpan) {
            return GatherOffsets(tiles, ramp_.Get<float>(), offset, count, op_, *tiling_, 0, true, GmElemBytes(op_));
        }
        const PiecePlan plan = PiecesOf(shape, offset, count, op_, *tiling_, BLOCK_BYTES / GmElemBytes(op_));
        return GatherOffsets(tiles, ramp_.Get<float>(), offset, count, op_, *tiling_, 0, true, GmElemBytes(op_), &plan);
    }

    // The GM span of the operand that this tile reads, into a fresh span buffer: one copy, or one
    // per piece when the span exceeds the buffer (gather.h PiecesOf; the host sized the buffer for
    // either). Apply recomputes the same window: O(rank) scalar arithmetic, no state between the two.
    template <typename U>
    __aicore__ inline void Run(CopySpanTag, uint64_t offset, uint32_t count)
    {
        const WindowShape shape = ShapeOf(offset, count, op_, *tiling_, 0, true);
        const GlobalTensor<U> operand = OperandGm<U>(gm_, op_.numel);
        LocalTensor<U> local = stream_.AllocTensor<U>();
        if (shape.window.span <= op_.gatherSpan) {
            CopyAnyAddress(local, operand[shape.window.base], static_cast<uint32_t>(shape.window.span));
        } else {
            const PiecePlan plan = PiecesOf(shape, offset, count, op_, *tiling_, BLOCK_BYTES / sizeof(U));
            for (uint32_t k = 0; k < plan.pieces; ++k) {
                const PieceCopy piece = PieceOf(plan, shape, k, op_, *tiling_);
                CopyAnyAddress(local[piece.ubStart], operand[piece.gmStart], piece.length);
            }
        }
        stream_.EnQue(local);
    }

    // GENERIC tile: offsets on the vector pipe, one Gather from the resident operand or the tile's
    // span buffer, widened to fp32 for a 16-bit operand. `scratch` is a free fp32 tile.
    template <typename U>
    __aicore__ inline void Run(GatherTileTag, const LocalTensor<float>& scratch, uint64_t offset, uint32_t count)
    {
        const GatherWindow window = TileOffsets(scratch, offset, count);
        const LocalTensor<uint32_t> offsets = offsets_.Get<uint32_t>();
        LocalTensor<float> expanded = expanded_.Get<float>();
        const bool resident = op_.gatherSpan == GATHER_RESIDENT;
        LocalTensor<U> source = resident ? staging_.Get<U>() : stream_.DeQue<U>();
        const uint32_t baseBytes =
            window.baseBytes + (resident ? static_cast<uint32_t>(window.base * sizeof(U)) : 0);
        if constexpr (std::is_same<U, float>::value) {
            AscendC::Gather(expanded, source, offsets, baseBytes, count);
        } else {
            LocalTensor<U> gathered = scratch.ReinterpretCast<U>();
            AscendC::Gather(gathered, source, offsets, baseBytes, count);
            AscendC::Cast(expanded, gathered, AscendC::RoundMode::CAST_NONE, count);
        }
        if (!resident) {
            stream_.FreeTensor(source);
        }
    }

    // Runs the member template matching the operand's GM dtype.
    template <typename Tag, typename... Args>
    __aicore__ inline void Dispatch(Args&&... args)
    {
        GmTypeDispatch::Call<Tag>(op_.dtype, *this, args...);
    }

    friend struct GmTypeDispatch;

    // SCALAR: scalar_ = the operand's one value in fp32 (a scalar GM read).
    template <typename U>
    __aicore__ inline void Run(ReadScalarTag)
    {
        scalar_ = ScalarToFloat(OperandGm<U>(gm_, op_.numel).GetValue(0));
    }

    // PERIODIC set-up: the operand (small by construction) is copied to UB once, widened to
    // fp32 behind a head for a copy of its last elements when it has one
    // (bce_with_logits_period_plan.h), expanded over one aligned period by the vector unit
    // (bce_with_logits_period.h), then replicated by doubling vector copies so that any tile start
    // finds one contiguous, 32-B aligned run, when it has a tail (PeriodTailElems).
    template <typename U>
    __aicore__ inline void Run(ExpandPeriodTag, TPipe& pipe, const SetupScratch& scratch)
    {
        constexpr bool IS_FP32 = std::is_same<U, float>::value;
        const uint32_t numel = static_cast<uint32_t>(op_.numel);
        const uint32_t head = PeriodHeadElems(op_);
        const LocalTensor<float> ramp = PeriodRamp(pipe, expanded_.Get<float>(), op_, tileLength_, scratch);
        const uint32_t rawHead = IS_FP32 ? head : 0;  // a 16-bit operand gets its head when widened
        pipe.InitBuffer(staging_, (rawHead + numel) * sizeof(U));
        LocalTensor<U> raw = staging_.Get<U>()[rawHead];
        CopyContiguous(raw, OperandGm<U>(gm_, op_.numel), numel);
        WaitPipe<AscendC::HardEvent::MTE2_V>(pipe);
        LocalTensor<float> values;
        if constexpr (IS_FP32) {
            values = staging_.Get<float>();
        } else {
            pipe.InitBuffer(widened_, (head + numel) * FP32_BYTES);
            values = widened_.Get<float>();
            AscendC::Cast(values[head], raw, AscendC::RoundMode::CAST_NONE, numel);
        }
        LocalTensor<float> expanded = expanded_.Get<float>();
        if (IsOwnPeriod(op_)) {
            CopyPeriods(expanded, values, head, ramp, op_, tileLength_);
        } else {
            GatherPeriod(expanded, values, ramp, op_, *tiling_, scratch);
        }
        const uint64_t total = op_.periodAligned + PeriodTailElems(op_, tileLength_);
        for (uint64_t filled = op_.periodAligned; filled < total;) {
            const uint64_t chunk = filled < total - filled ? filled : total - filled;
            AscendC::Muls(expanded[filled], expanded, 1.0f, static_cast<int32_t>(chunk));  // exact copy
            filled += chunk;
        }
    }

    template <typename U>
    __aicore__ inline void Run(CopyInTag, uint64_t offset, uint32_t count)
    {
        CopyInTile(stream_, OperandGm<U>(gm_, op_.numel)[offset], count);
    }

    template <typename U>
    __aicore__ inline void Run(ApplyStreamTag, const LocalTensor<float>& dst, const LocalTensor<float>& scratch,
                               uint32_t count)
    {
        LocalTensor<U> local = stream_.DeQue<U>();
        if constexpr (std::is_same<U, float>::value) {
            AscendC::Mul(dst, dst, local, count);
        } else {
            AscendC::Cast(scratch, local, AscendC::RoundMode::CAST_NONE, count);
            AscendC::Mul(dst, dst, scratch, count);
        }
        stream_.FreeTensor(local);
    }

    // ROW: chunk `chunk` of the operand row (every tile of a chunk has the same count), copied in
    // after giving back the previous fp32 chunk: this CopyIn follows the Compute of the last tile
    // that read it, so the queue's V_MTE2 wait orders the overwrite after those reads.
    template <typename U>
    __aicore__ inline void Run(LoadChunkTag, uint64_t chunk, uint32_t count)
    {
        Release();
        CopyInTile(stream_, OperandGm<U>(gm_, op_.numel)[chunk * tileLength_], count);
        loadedChunk_ = chunk;
        chunkQueued_ = true;
    }

    // ROW, first tile of a chunk: an fp32 chunk is kept in its queue buffer until the next load; a
    // 16-bit one is widened into expanded_ and its buffer freed at once.
    template <typename U>
    __aicore__ inline void Run(TakeChunkTag, uint32_t count)
    {
        LocalTensor<U> local = stream_.DeQue<U>();
        if constexpr (std::is_same<U, float>::value) {
            heldChunk_ = local;
            holdsChunk_ = true;
        } else {
            AscendC::Cast(expanded_.Get<float>(), local, AscendC::RoundMode::CAST_NONE, count);
            stream_.FreeTensor(local);
        }
        chunkQueued_ = false;
    }

    const TilingData* tiling_ = nullptr;
    GM_ADDR gm_ = nullptr;
    OperandTiling op_{};
    uint32_t tileLength_ = 0;
    float scalar_ = 1.0f;
    bool scalarRead_ = false;  // SCALAR: scalar_ holds the operand
    TBuf<TPosition::VECCALC> pad_;      // puts the Mul buffer at its bank phase
    TBuf<TPosition::VECCALC> expanded_;
    TBuf<TPosition::VECCALC> offsets_;  // GENERIC: gather offsets of a tile
    TBuf<TPosition::VECCALC> ramp_;     // GENERIC: 0, 1, ..., tileLength - 1
    TBuf<TPosition::VECCALC> staging_;  // PERIODIC, resident GENERIC: the operand as stored in GM
    TBuf<TPosition::VECCALC> widened_;  // PERIODIC: the operand in fp32 (fp16/bf16 operands)
    TQue<TPosition::VECIN, QUEUE_DEPTH> stream_;
    LocalTensor<float> heldChunk_;          // ROW, fp32: the chunk the current tiles read
    uint64_t loadedChunk_ = NO_CHUNK;       // ROW: the chunk last copied in
    bool chunkQueued_ = false;              // ROW: copied in, not yet taken by Apply
    bool holdsChunk_ = false;               // ROW, fp32: heldChunk_ is a live queue buffer
    ColumnRows column_;                     // COLUMN: the block's row values
};

}  // namespace BceWithLogits

#endif  // BCE_WITH_LOGITS_OPERAND_H
