// Fused BCEWithLogitsLoss forward for A2 vector cores: loss, in-kernel broadcast of weight and
// pos_weight, reduction and output cast in one launch.
#ifndef BCE_WITH_LOGITS_H
#define BCE_WITH_LOGITS_H

#include "kernel_operator.h"
#include "bce_with_logits_copy.h"
#include "bce_with_logits_math.h"
#include "bce_with_logits_split.h"
#include "bce_with_logits_operand.h"
#include "bce_with_logits_reduce.h"
#include "bce_with_logits_tiling.h"
#include "bce_with_logits_ub_alloc.h"

namespace BceWithLogits {

struct KernelArgs {
    GM_ADDR input;
    GM_ADDR target;
    GM_ADDR weight;
    GM_ADDR posWeight;
    GM_ADDR out;
    GM_ADDR workspace;
};

// Repeats a first pairwise halving needs before the loss's upper half is put in tmpA for it.
constexpr uint32_t SPLIT_LOSS_MIN_REPEATS = 32;
// Tile partials a mean/sum gathers in one 32-B out-queue buffer before one copy writes them all:
// a copy per tile would pay a DMA's set-up (about 112 cycles on the core's GM link, cpu_sim
// cost_table.h) for 4 bytes, which an HBM-bound launch takes from its input copies.
constexpr uint32_t PARTIALS_PER_COPY = BLOCK_BYTES / FP32_BYTES;

template <typename T>
class KernelBceWithLogits {
public:
    __aicore__ inline KernelBceWithLogits() {}

    __aicore__ inline void Init(const KernelArgs& args, const TilingData& tiling)
    {
        tiling_ = tiling;
        tileLength_ = static_cast<uint32_t>(tiling.tileLength);
        reduce_ = static_cast<Reduction>(tiling.reduction) != Reduction::NONE;
        tiles_ = BlockTiles(tiling, AscendC::GetBlockIdx());

        inputGm_.SetGlobalBuffer(reinterpret_cast<__gm__ T*>(args.input), tiling.totalLength);
        targetGm_.SetGlobalBuffer(reinterpret_cast<__gm__ T*>(args.target), tiling.totalLength);
        outGm_.SetGlobalBuffer(reinterpret_cast<__gm__ T*>(args.out), reduce_ ? 1 : tiling.totalLength);
        partialGm_.SetGlobalBuffer(reinterpret_cast<__gm__ float*>(args.workspace), tiling.numTiles);

        // tmpA, the queues, the operands' Mul buffers and the later temps at their bank phases and
        // rows (bce_with_logits_ub_alloc.h); the operands' other buffers after them.
        const OperandAt operands[] = {{&weight_, args.weight, &tiling_.weight},
                                      {&posWeight_, args.posWeight, &tiling_.posWeight}};
        TempBuf* const laterTemps[] = {&tmpB_, &tmpC_};
        const UbPlacement place =
            AllocateInPlanOrder(pipe_, tiling_, pads_, tmpA_, inQueueX_, inQueueY_, outQueue_, operands, laterTemps);
        // A slack plan: tmpA has room to put y * softplus(-x) opposite pos_weight's expansion. Only
        // fp32 kernels get one; IS_FP32 also drops the path from the 16-bit kernels' code.
        shiftsLoss_ = IS_FP32 && place.tmpASlack != 0;
        posWeightOffset_ = place.operandOffset[1];
        lossUb_ = place.tempOffset[1];
        // The loss's upper half in tmpA (Compute) for a sum with no weight (the Sub is the loss's last
        // pass) when the first halving's half is an even number of repeats, tmpC lies at the half
        // phase and in other bank rows than tmpA, and the halving is long enough to pay for the
        // second Sub's issue: at least SPLIT_LOSS_MIN_REPEATS repeats, each a beat shorter (a beat
        // is about a cycle, an instruction's issue 23: the add sample's figures, cpu_sim cost_table.h).
        const uint64_t tileBytes = static_cast<uint64_t>(tileLength_) * FP32_BYTES;
        const uint32_t firstHalf = FirstPairwiseHalf(tileLength_);
        splitsLoss_ = reduce_ && static_cast<OperandMode>(tiling.weight.mode) == OperandMode::ABSENT &&
                      firstHalf / REPEAT_ELEMS_FP32 % 2 == 0 &&
                      (PairwiseSpan(tileLength_) - firstHalf) / REPEAT_ELEMS_FP32 >= SPLIT_LOSS_MIN_REPEATS &&
                      lossUb_ % BANK_CYCLE_BYTES == BANK_HALF_PHASE && InOtherBankRows(0, tileBytes, lossUb_, tileBytes);
        const SetupScratch scratch{{tmpA_.Get<float>(), tmpB_.Get<float>(), tmpC_.Get<float>()}, tileLength_};
        weight_.SetUp(pipe_, scratch);
        posWeight_.SetUp(pipe_, scratch);
    }

    // x is copied in one tile ahead: CopyIn(tile) issues this tile's y and operands, then the next
    // tile's x, all before this tile's vector work. The scalar unit issues every pipe's instructions
    // in program order into per-pipe instruction queues, and a full queue holds it (asc-devkit: the
    // dav-2201 page, "指令队列容易满，会阻塞其他指令下发"; A2 counts vec_iq_full cycles). Issued after
    // Compute(tile), x's copy would wait for all but the last few of this tile's vector instructions
    // to start, and V for the copy on every tile (cpu_sim set_pipe_queue_depth 8: +13 to 30 % at
    // 4.1M elements). On MTE2 the next x follows this tile's y and operands, which Compute needs
    // first (ahead of them it made fp32 'none' with pos_weight[1000] 10 % slower).
    __aicore__ inline void Process()
    {
        if (tiles_.first < tiles_.end) {
            CopyInInput(tiles_.first);
        }
        for (uint64_t tile = tiles_.first; tile < tiles_.end; ++tile) {
            const TileSpan span = TileAt(tiling_, tile);
            const uint64_t offset = span.offset;
            const uint32_t count = span.count;
            CopyIn(tile, offset, count);
            Compute(offset, count);
            CopyOut(tile, offset, count);
        }
        weight_.Release();
        posWeight_.Release();
        if (reduce_) {
            // Every block's partials must be in GM before block 0 combines them: SyncAll starts
            // with PipeBarrier<PIPE_ALL> (dav_c220 SyncAllImpl), so the copies are done.
            AscendC::SyncAll();
            if (AscendC::GetBlockIdx() == 0) {
                CombinePartials();
            }
        }
    }

private:
    static constexpr bool IS_FP32 = std::is_same<T, float>::value;

    // The target and operands of `tile` (at offset, count), then the input of the tile after it.
    // The operands stay in tile order, each copy after the Compute of the tiles before.
    __aicore__ inline void CopyIn(uint64_t tile, uint64_t offset, uint32_t count)
    {
        CopyInTile(inQueueY_, targetGm_[offset], count);
        weight_.CopyIn(offset, count);
        posWeight_.CopyIn(offset, count);
        if (tile + 1 < tiles_.end) {
            CopyInInput(tile + 1);
        }
    }

    // The input x of `tile`: its queue holds two tiles from here to this tile's DeQue in Compute.
    // A 'none' tile takes the buffer whose loss CopyOut(tile - BUFFER_NUM) copied out.
    __aicore__ inline void CopyInInput(uint64_t tile)
    {
        const TileSpan span = TileAt(tiling_, tile);
        CopyInTileAfterCopyOut(pipe_, inQueueX_, inputGm_[span.offset], span.count,
                               !reduce_ && tile >= tiles_.first + BUFFER_NUM);
    }

    // loss = w * [(1 - y) * softplus(x) + pw * y * softplus(-x)] with
    // softplus(+-x) = max(+-x, 0) + log1p(exp(-|x|)): both terms are >= 0 for y in [0, 1], so
    // nothing cancels (the usual (1 - y) * x + ... form returns 0 at x = -20, y = 0).
    // Three fp32 tiles a, b, c for every dtype: a 16-bit x is widened twice (one Cast more)
    // rather than kept, which is what lets a 16-bit tile reach 16 KB per DataCopy.
    __aicore__ inline void Compute(uint64_t offset, uint32_t count)
    {
        LocalTensor<float> a = tmpA_.Get<float>();
        LocalTensor<float> b = tmpB_.Get<float>();
        LocalTensor<float> c = tmpC_.Get<float>();
        // A short tile's zeros past its count stay in tmpC until a tile of another count: every
        // write to tmpC in a tile (the chain's count forms, PairwiseSum's halvings into its first
        // half) stays within [0, count). A block's row tiles of a row's last chunk share one count,
        // so it zeroes them once, and such a tile costs no more vector time than a full one. Before
        // x's DeQue: on a block's first tile the vector pipe is still waiting for x's copy.
        if (reduce_ && count < tileLength_ && count != paddedCount_) {
            ZeroPairwisePad(c, count);
        }
        paddedCount_ = count;
        LocalTensor<T> input = inQueueX_.DeQue<T>();
        Log1pExpNegAbs(a, Widen(input, c, count), c, b, count);  // a = log1p(exp(-|x|))
        // b = softplus(x), c = softplus(-x); a is free from here
        SoftplusPair(b, c, Widen(input, c, count), a, count);
        // The target is dequeued only now: its MTE2 copy (and the operands' after it) runs while
        // the vector pipe works on x, which a block with a single tile otherwise waits for.
        LocalTensor<T> target = inQueueY_.DeQue<T>();
        LocalTensor<float> y = Widen(target, a, count);
        // term = (y - 1) * softplus(x): in tmpA, or in x's buffer when the pos_weight product is
        // shifted (fp32 only: shiftsLoss_ is false for 16-bit tiles, whose y is widened into tmpA).
        LocalTensor<float> term = a;
        if (shiftsLoss_) {
            term = ShiftedTargetTerms(input, target, y, b, c, offset, count);
        } else {
            AscendC::Mul(c, c, y, count);             // c = y * softplus(-x)
            // a = (y - 1) * softplus(x) = -(1 - y) * softplus(x) exactly (round-to-nearest is odd-
            // symmetric), so the loss is c - a: one pass for 1 - y where -y + 1 took two. Same bits as
            // c + (1 - y) * softplus(x) but for the sign of a zero loss when c = -0 and y = 1.
            // Every two-source pass from here reads tmpA with a later temp, never b with c: those
            // share a bank phase (bce_with_logits_bank_plan.h). The exception: a 16-bit FULL
            // pos_weight is widened into b, the only free temp, and multiplied into c.
            AscendC::Adds(a, y, -1.0f, count);        // y - 1 is exact for y in [0.5, 1] (Sterbenz)
            // y's last read: its one buffer (TargetBuffers) takes the next tile's copy from here.
            inQueueY_.FreeTensor(target);
            AscendC::Mul(a, b, a, count);             // b is free again
            posWeight_.Apply(c, b, offset, count);    // c = pw * y * softplus(-x)
        }
        if constexpr (IS_FP32) {
            if (!reduce_) {
                // fp32 'none' writes the loss straight into x's buffer (LossIntoInput), which
                // CopyOut copies out and frees; on a slack plan term is there already (in place).
                AscendC::Sub(input, c, term, count);
                weight_.Apply(input, a, offset, count);
                lossTile_ = input;
                return;
            }
        }
        // A full tile whose first pairwise halving has an even number of repeats in its half would
        // read both halves in one bank group: the upper half of the loss goes into tmpA instead
        // (phase 0, another bank row; tmpA holds nothing else by now, or the term read ahead of it).
        const bool upperInA = splitsLoss_ && count == tileLength_;
        const uint32_t half = upperInA ? FirstPairwiseHalf(count) : count;
        AscendC::Sub(c, c, term, half);
        if (upperInA) {
            AscendC::Sub(a, c[half], term[half], count - half);
        }
        // a is free after the Sub: the weight widens into it, at the other phase from c (b with c
        // would conflict every repeat of a 16-bit FULL weight's Cast and Mul).
        weight_.Apply(c, a, offset, count);
        if (!reduce_) {
            // Narrowed into x's buffer, dead since SoftplusPair's widening (LossIntoInput).
            AscendC::Cast(input, c, AscendC::RoundMode::CAST_RINT, count);
            lossTile_ = input;
            return;
        }
        inQueueX_.FreeTensor(input);
        if (partialsHeld_ == 0) {
            partials_ = outQueue_.AllocTensor<float>();
        }
        // tmpA (UB offset 0) is free: the halvings that would meet their delayed writes in
        // tmpC's bank row go there. The sum lands in its slot from the vector pipe (element
        // alignment is enough for PairwiseSum's dst).
        const PairwiseSpare spare{a, 0, lossUb_, upperInA};
        PairwiseSum(partials_[partialsHeld_], c, count, &spare);
        ++partialsHeld_;
    }

    // The target's terms with an fp32 PERIODIC pos_weight on a slack plan: y * softplus(-x) goes into
    // tmpA at the phase opposite the expansion's read for this tile (OppositePeriodReadElems), so the
    // pos_weight Mul reads its sources in different bank groups and writes c, in another bank row;
    // (y - 1) * softplus(x) goes into x's buffer (fp32, at phase 0 on such a plan, and x is dead after
    // SoftplusPair). The same roundings as the in-place order: c = (softplus(-x) * y) * pw and
    // softplus(x) * (y - 1). Returns the tile holding (y - 1) * softplus(x).
    __aicore__ inline LocalTensor<float> ShiftedTargetTerms(const LocalTensor<T>& input, LocalTensor<T>& target,
                                                           const LocalTensor<float>& y, const LocalTensor<float>& b,
                                                           const LocalTensor<float>& c, uint64_t offset,
                                                           uint32_t count)
    {
        const LocalTensor<float> term = input.template ReinterpretCast<float>();
        const LocalTensor<float> shifted =
            tmpA_.Get<float>()[OppositePeriodReadElems(posWeightOffset_, tiling_.posWeight, offset)];
        AscendC::Mul(shifted, c, y, count);       // y * softplus(-x)
        AscendC::Adds(term, y, -1.0f, count);
        inQueueY_.FreeTensor(target);             // y's last read
        AscendC::Mul(term, b, term, count);       // (y - 1) * softplus(x)
        posWeight_.ApplyPeriodicFrom(c, shifted, offset, count);  // c = pw * y * softplus(-x)
        return term;
    }

    // A mean/sum writes its partials once PARTIALS_PER_COPY are held, or at the block's last tile:
    // the same values at the same GM slots (partialGm_[tile]) as a copy per tile would write.
    __aicore__ inline void CopyOut(uint64_t tile, uint64_t offset, uint32_t count)
    {
        if (reduce_) {
            if (partialsHeld_ == PARTIALS_PER_COPY || tile + 1 == tiles_.end) {
                outQueue_.EnQue(partials_);
                LocalTensor<float> partials = outQueue_.DeQue<float>();
                // DataCopyPad for any count: the slots start wherever the block's tiles do, so the
                // GM address need not be 32-B aligned.
                AscendC::DataCopyPad(partialGm_[tile + 1 - partialsHeld_], partials, OneRun<float>(partialsHeld_));
                outQueue_.FreeTensor(partials);
                partialsHeld_ = 0;
            }
        } else {
            // The loss is in x's buffer (Compute).
            CopyOutOfInputTile(pipe_, inQueueX_, outGm_[offset], lossTile_, count);
        }
    }

    // Block 0, after SyncAll: level 1 sums groups of partialGroupLength partials in index order,
    // level 2 sums the group sums, so the order is fixed by numTiles alone. The partials come in
    // through inQueueX_ like any input (empty by now: no x is copied in past the block's last tile):
    // its AllocTensor waits (and frees) the V_MTE2 id of the buffer's last FreeTensor, so the combine
    // needs no V_MTE2 id of its own; with x, y and both operands streamed the queues hold 7 of the 8.
    __aicore__ inline void CombinePartials()
    {
        LocalTensor<float> reduceTmp = tmpB_.Get<float>();
        LocalTensor<float> groupSums = tmpC_.Get<float>();
        const uint64_t groupLength = tiling_.partialGroupLength;
        const uint64_t numGroups = (tiling_.numTiles + groupLength - 1) / groupLength;
        ZeroPairwiseSpan(groupSums, static_cast<uint32_t>(numGroups));
        for (uint64_t group = 0; group < numGroups; ++group) {
            const uint64_t left = tiling_.numTiles - group * groupLength;
            const uint32_t count = left < groupLength ? static_cast<uint32_t>(left) : static_cast<uint32_t>(groupLength);
            LocalTensor<float> partials = inQueueX_.AllocTensor<float>();
            CopyZeroPadded(partials, partialGm_[group * groupLength], count);
            inQueueX_.EnQue(partials);
            partials = inQueueX_.DeQue<float>();
            ZeroPairwiseTail(partials, count);
            // The group's sum lands in groupSums[group] from the vector pipe itself.
            PairwiseSum(groupSums[static_cast<uint32_t>(group)], partials, count);
            inQueueX_.FreeTensor(partials);
        }
        LocalTensor<float> sum = outQueue_.AllocTensor<float>();
        PairwiseSum(sum, groupSums, static_cast<uint32_t>(numGroups));
        if (static_cast<Reduction>(tiling_.reduction) == Reduction::MEAN) {
            // Div, not Muls by 1/N: one rounding. N = 0 gives 0/0 = NaN, as torch.
            AscendC::Duplicate(reduceTmp, static_cast<float>(tiling_.totalLength), ALIGN_ELEMS_FP32);
            AscendC::Div(sum, sum, reduceTmp, 1);
        }
        WriteScalarResult(sum);
    }

    __aicore__ inline void WriteScalarResult(LocalTensor<float>& sum)
    {
        if constexpr (IS_FP32) {
            outQueue_.EnQue(sum);
            LocalTensor<float> out = outQueue_.DeQue<float>();
            CopyContiguous(outGm_, out, 1);
            outQueue_.FreeTensor(out);
        } else {
            LocalTensor<T> out = outQueue_.AllocTensor<T>();
            AscendC::Cast(out, sum, AscendC::RoundMode::CAST_RINT, 1);
            outQueue_.FreeTensor(sum);
            outQueue_.EnQue(out);
            out = outQueue_.DeQue<T>();
            CopyContiguous(outGm_, out, 1);
            outQueue_.FreeTensor(out);
        }
    }

    TilingData tiling_{};
    uint32_t tileLength_ = 0;
    bool reduce_ = false;
    bool shiftsLoss_ = false;       // fp32 PERIODIC pos_weight on a slack plan (ShiftedTargetTerms)
    LocalTensor<float> partials_;   // a mean/sum's out-queue buffer of tile partials (CopyOut)
    LocalTensor<T> lossTile_;       // 'none': x's buffer holding the tile's loss (CopyOut frees it)
    uint32_t partialsHeld_ = 0;     // partials in it, not yet copied
    uint64_t posWeightOffset_ = 0;  // UB offset of pos_weight's expansion
    uint64_t lossUb_ = 0;           // UB offset of tmpC, the loss tile
    bool splitsLoss_ = false;       // a full tile's loss has its upper half put in tmpA (Compute)
    uint32_t paddedCount_ = 0;      // count of the last tile: tmpC holds zeros past it if it was short
    TileRange tiles_{};
    TPipe pipe_;
    TQue<TPosition::VECIN, PREFETCH_QUEUE_DEPTH> inQueueX_;  // x(tile + 1) is enqueued before x(tile)'s DeQue
    TQue<TPosition::VECIN, QUEUE_DEPTH> inQueueY_;
    TQue<TPosition::VECOUT, QUEUE_DEPTH> outQueue_;  // mean/sum only (LossIntoInput)
    TBuf<TPosition::VECCALC> tmpA_;
    TBuf<TPosition::VECCALC> tmpB_;
    TBuf<TPosition::VECCALC> tmpC_;
    BankPads pads_;
    GlobalTensor<T> inputGm_;
    GlobalTensor<T> targetGm_;
    GlobalTensor<T> outGm_;
    GlobalTensor<float> partialGm_;
    BroadcastOperand weight_;
    BroadcastOperand posWeight_;
};

}  // namespace BceWithLogits

#endif  // BCE_WITH_LOGITS_H
