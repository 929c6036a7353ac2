// COLUMN operand of bce_with_logits (weight[N, 1] over an [N, C] input, OperandMode::COLUMN): the
// values of a block's rows, copied to UB in windows of up to MAX_COLUMN_ROWS and read by the scalar
// unit once per window, so that each row piece of a tile is scaled with one Muls by a value in a
// register. No scalar read of GM (a DCache miss costs a GM round trip), and no scalar UB read
// between a tile's vector instructions (a scalar UB read waits for the vector pipe: the compiler's
// V_S).
#ifndef BCE_WITH_LOGITS_COLUMN_H
#define BCE_WITH_LOGITS_COLUMN_H

#include "kernel_operator.h"
#include "bce_with_logits_copy.h"
#include "bce_with_logits_split.h"
#include "bce_with_logits_tiling.h"

namespace BceWithLogits {

class ColumnRows {
public:
    __aicore__ inline ColumnRows() {}

    // Stages the block's first window: its copy runs before the first tile's, and its values are
    // read at the first Take, after that tile's copies were issued (the reads overlap them). The
    // MTE2_S id of a window's copy is held from its SetFlag to the Take that waits for it.
    __aicore__ inline void Init(AscendC::TPipe& pipe, GM_ADDR gm, const OperandTiling& operand,
                                const TilingData& tiling)
    {
        tiling_ = &tiling;
        gm_ = gm;
        op_ = operand;
        pipe_ = &pipe;
        pipe.InitBuffer(staging_, MAX_COLUMN_ROWS * GmElemBytes(op_));
        event_ = pipe.AllocEventID<AscendC::HardEvent::MTE2_S>();
        readsDone_ = pipe.AllocEventID<AscendC::HardEvent::S_MTE2>();
        tiles_ = BlockTiles(tiling, AscendC::GetBlockIdx());
        nextTile_ = tiles_.first;
        if (tiles_.first < tiles_.end) {
            Dispatch<StageTag>(TileAt(tiling, tiles_.first).offset / RowLength(), tiles_.first);
        }
    }

    // At a tile's copy-in (the block's tiles in order): the first tile reads the window staged at
    // Init, a tile past the window the one staged after it; a tile the staged window does not hold
    // either (never, in order) restages from its own first row and waits for it.
    __aicore__ inline void Take(uint64_t offset, uint32_t count)
    {
        const uint64_t first = offset / RowLength();
        const uint64_t last = (offset + count - 1) / RowLength();
        if (!Holds(first, last) && pending_) {
            Dispatch<ReadTag>();
        }
        if (!Holds(first, last)) {
            if (pending_) {
                AscendC::WaitFlag<AscendC::HardEvent::MTE2_S>(event_);
            }
            Dispatch<StageTag>(first, nextTile_);
            Dispatch<ReadTag>();
        }
        ++nextTile_;
    }

    // dst[i] *= operand[row of offset + i]: one Muls per row piece of the tile.
    __aicore__ inline void Scale(const AscendC::LocalTensor<float>& dst, uint64_t offset, uint32_t count) const
    {
        uint64_t row = offset / RowLength();
        for (uint32_t start = 0; start < count; ++row) {
            const uint64_t rowEnd = (row + 1) * RowLength() - offset;
            const uint32_t end = rowEnd < count ? static_cast<uint32_t>(rowEnd) : count;
            AscendC::Muls(dst[start], dst[start], values_[row - valuesFirst_], static_cast<int32_t>(end - start));
            start = end;
        }
    }

    // End of the tile loop: gives back the ids (after waiting for a window nobody read).
    __aicore__ inline void Release()
    {
        if (pipe_ == nullptr) {
            return;
        }
        if (pending_) {
            AscendC::WaitFlag<AscendC::HardEvent::MTE2_S>(event_);
            pending_ = false;
        }
        pipe_->ReleaseEventID<AscendC::HardEvent::MTE2_S>(event_);
        pipe_->ReleaseEventID<AscendC::HardEvent::S_MTE2>(readsDone_);
        pipe_ = nullptr;
    }

private:
    struct StageTag {};
    struct ReadTag {};

    __aicore__ inline uint64_t RowLength() const { return tiling_->dims[1]; }

    __aicore__ inline bool Holds(uint64_t first, uint64_t last) const
    {
        return first >= valuesFirst_ && last < valuesFirst_ + valuesRows_;
    }

    __aicore__ inline uint64_t BlockLastRow() const
    {
        const TileSpan last = TileAt(*tiling_, tiles_.end - 1);
        return (last.offset + last.count - 1) / RowLength();
    }

    // Rows from `firstRow` on that the block's tiles from `tile` on still touch, at most
    // MAX_COLUMN_ROWS. Row tiles are one row each, consecutive until the row index wraps to the next
    // chunk; flat tiles touch the consecutive rows up to the block's last element.
    __aicore__ inline uint32_t RowsAhead(uint64_t firstRow, uint64_t tile) const
    {
        uint64_t rows = 0;
        if (tiling_->rowLength != 0) {
            const uint64_t tiles = tiles_.end - tile;
            rows = tiles < op_.numel - firstRow ? tiles : op_.numel - firstRow;
        } else {
            rows = BlockLastRow() - firstRow + 1;
        }
        return static_cast<uint32_t>(rows < MAX_COLUMN_ROWS ? rows : MAX_COLUMN_ROWS);
    }

    // The block's first tile after the window in values_ (its end when none is left, or when a row
    // tiles' window holds the whole column: the later chunks' tiles find their rows in it).
    __aicore__ inline uint64_t TileAfterWindow() const
    {
        if (tiling_->rowLength != 0) {
            return valuesRows_ == op_.numel ? tiles_.end : stagedTile_ + stagedRows_;
        }
        const uint64_t end = valuesFirst_ + valuesRows_;
        return end > BlockLastRow() ? tiles_.end : end * RowLength() / tiling_->tileLength;
    }

    // Copies the values of the rows [firstRow, + RowsAhead) into staging_ and sets its MTE2_S flag.
    // Over a window the scalar unit has read, the copy first waits for those reads (S_MTE2): a
    // scalar load may still be in flight when the DMA is issued (asc-devkit orders the same reuse
    // of UB so, e.g. dav_c220 WaitPreBlockCalc). The id is this window's own: MTE2 reaches the wait
    // only after its earlier copies, and a second COLUMN operand restaging at the same tile would
    // set a shared id again before that wait cleared it (one flag bit: the later wait would hang).
    // This operand's next set follows its MTE2_S wait for the copy queued after the wait.
    template <typename U>
    __aicore__ inline void Run(StageTag, uint64_t firstRow, uint64_t tile)
    {
        if (valuesRows_ != 0) {
            AscendC::SetFlag<AscendC::HardEvent::S_MTE2>(readsDone_);
            AscendC::WaitFlag<AscendC::HardEvent::S_MTE2>(readsDone_);
        }
        stagedFirst_ = firstRow;
        stagedTile_ = tile;
        stagedRows_ = RowsAhead(firstRow, tile);
        AscendC::DataCopyPad(staging_.Get<U>(), OperandGm<U>(gm_, op_.numel)[firstRow], OneRun<U>(stagedRows_),
                             AscendC::DataCopyPadExtParams<U>());
        AscendC::SetFlag<AscendC::HardEvent::MTE2_S>(event_);
        pending_ = true;
    }

    // Once MTE2 has written the staged window (MTE2_S), the scalar unit reads it into values_, then
    // stages the next window the block needs (after those reads, S_MTE2), so that its copy runs
    // under this window's tiles.
    template <typename U>
    __aicore__ inline void Run(ReadTag)
    {
        AscendC::WaitFlag<AscendC::HardEvent::MTE2_S>(event_);
        pending_ = false;
        const AscendC::LocalTensor<U> staged = staging_.Get<U>();
        for (uint32_t k = 0; k < stagedRows_; ++k) {
            values_[k] = ScalarToFloat(staged.GetValue(k));
        }
        valuesFirst_ = stagedFirst_;
        valuesRows_ = stagedRows_;
        const uint64_t tile = TileAfterWindow();
        if (tile < tiles_.end) {
            Run<U>(StageTag{}, TileAt(*tiling_, tile).offset / RowLength(), tile);
        }
    }

    // Runs the member template matching the operand's GM dtype.
    template <typename Tag, typename... Args>
    __aicore__ inline void Dispatch(Args&&... args)
    {
        GmTypeDispatch::Call<Tag>(op_.dtype, *this, args...);
    }

    friend struct GmTypeDispatch;

    const TilingData* tiling_ = nullptr;
    GM_ADDR gm_ = nullptr;
    OperandTiling op_{};
    AscendC::TPipe* pipe_ = nullptr;  // until Release gives back event_
    AscendC::TBuf<AscendC::TPosition::VECCALC> staging_;  // a window of row values as stored in GM
    AscendC::TEventID event_ = 0;     // MTE2_S id of the staged window's copy, from the pipe
    AscendC::TEventID readsDone_ = 0; // S_MTE2 id: a copy into staging_ after the scalar reads of it
    TileRange tiles_{};               // the block's tiles
    uint64_t nextTile_ = 0;           // the tile Take expects next
    uint64_t stagedFirst_ = 0;        // first row, first tile and rows of the window in staging_
    uint64_t stagedTile_ = 0;
    uint32_t stagedRows_ = 0;
    bool pending_ = false;            // staging_ copied in, not yet read
    uint64_t valuesFirst_ = 0;        // first row and rows of the window in values_
    uint32_t valuesRows_ = 0;
    // The window's values in fp32, for the Muls. Not zero-initialised: every entry Scale reads is
    // written first, and the stack lives in GM behind the DCache (512 B of stores per operand object
    // and launch, whatever its mode).
    float values_[MAX_COLUMN_ROWS];
};

}  // namespace BceWithLogits

#endif  // BCE_WITH_LOGITS_COLUMN_H
