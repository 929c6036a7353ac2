// Fused BCEWithLogitsLoss backward for A2 vector cores: dL/dinput (or, as a launch of its own,
// dL/dtarget) for every element in one launch, with in-kernel broadcast of weight, pos_weight and
// (for mean/sum) the scalar incoming gradient.
#ifndef BCE_WITH_LOGITS_GRAD_H
#define BCE_WITH_LOGITS_GRAD_H

#include "kernel_operator.h"
#include "bce_with_logits_copy.h"
#include "bce_with_logits_math.h"
#include "bce_with_logits_split.h"
#include "bce_with_logits_operand.h"
#include "bce_with_logits_tiling.h"
#include "bce_with_logits_ub_alloc.h"

namespace BceWithLogits {

struct GradKernelArgs {
    GM_ADDR input;
    GM_ADDR target;
    GM_ADDR weight;
    GM_ADDR posWeight;
    GM_ADDR gradOutput;  // dL/d(loss): the input's shape for 'none', one element for mean/sum
    GM_ADDR result;      // dL/dinput (KernelKind::BACKWARD) or dL/dtarget (BACKWARD_TARGET):
                         // the input's shape and dtype
};

template <typename T>
class KernelBceWithLogitsGrad {
public:
    __aicore__ inline KernelBceWithLogitsGrad() {}

    __aicore__ inline void Init(const GradKernelArgs& args, const TilingData& tiling)
    {
        tiling_ = tiling;
        tileLength_ = static_cast<uint32_t>(tiling.tileLength);
        targetGrad_ = static_cast<KernelKind>(tiling.kernel) == KernelKind::BACKWARD_TARGET;
        tiles_ = BlockTiles(tiling, AscendC::GetBlockIdx());

        inputGm_.SetGlobalBuffer(reinterpret_cast<__gm__ T*>(args.input), tiling.totalLength);
        targetGm_.SetGlobalBuffer(reinterpret_cast<__gm__ T*>(args.target), tiling.totalLength);
        resultGm_.SetGlobalBuffer(reinterpret_cast<__gm__ T*>(args.result), tiling.totalLength);

        // tmpA, the queues, the operands' Mul buffers and the later temps at their bank phases and
        // rows (bce_with_logits_ub_alloc.h); the operands' other buffers after them. dL/dtarget
        // does not depend on y: no target queue (the plan gives it 0 bytes).
        const OperandAt operands[] = {{&weight_, args.weight, &tiling_.weight},
                                      {&posWeight_, args.posWeight, &tiling_.posWeight},
                                      {&gradOutput_, args.gradOutput, &tiling_.gradOutput}};
        TempBuf* const laterTemps[] = {&tmpB_, &tmpC_, &tmpD_};
        const UbPlacement place =
            AllocateInPlanOrder(pipe_, tiling_, pads_, tmpA_, inQueueX_, inQueueY_, outQueue_, operands, laterTemps);
        // A slack plan (fp32 PERIODIC pos_weight): y * n2 goes into tmpA opposite the expansion's read.
        // Only fp32 kernels get one; IS_FP32 also drops the path from the 16-bit kernels' code.
        shiftsTerm_ = IS_FP32 && place.tmpASlack != 0;
        posWeightOffset_ = place.operandOffset[1];
        const SetupScratch scratch{{tmpA_.Get<float>(), tmpB_.Get<float>(), tmpC_.Get<float>()}, tileLength_};
        weight_.SetUp(pipe_, scratch);
        posWeight_.SetUp(pipe_, scratch);
        gradOutput_.SetUp(pipe_, scratch);
        hasPosWeight_ = static_cast<OperandMode>(tiling.posWeight.mode) != OperandMode::ABSENT;
        // mean/sum: every element gets dout (/ N for mean), folded into one scalar factor.
        scalarGrad_ = static_cast<OperandMode>(tiling.gradOutput.mode) == OperandMode::SCALAR;
    }

    // x is copied in one tile ahead, after this tile's other copies, as in the forward (a finite V
    // instruction queue holds the scalar unit's issue: issued after the tile's vector work, the next
    // x's copy waited for most of it; cpu_sim set_pipe_queue_depth 8: up to +38 % at 4.1M elements).
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
            if (targetGrad_) {
                ComputeTargetGrad(offset, count);
            } else {
                Compute(offset, count);
            }
            CopyOut(offset, count);
        }
        weight_.Release();
        posWeight_.Release();
    }

private:
    static constexpr bool IS_FP32 = std::is_same<T, float>::value;

    // The target (dL/dinput only) and operands of `tile` (at offset, count), then the input of the
    // tile after it. The operands stay in tile order, each copy after the Compute of the tiles before.
    __aicore__ inline void CopyIn(uint64_t tile, uint64_t offset, uint32_t count)
    {
        if (!targetGrad_) {
            CopyInTile(inQueueY_, targetGm_[offset], count);
        }
        weight_.CopyIn(offset, count);
        posWeight_.CopyIn(offset, count);
        gradOutput_.CopyIn(offset, count);
        if (tile + 1 < tiles_.end) {
            CopyInInput(tile + 1);
        }
    }

    // The input x of `tile`: its queue holds two tiles from here to this tile's DeQue. The tile takes
    // the buffer whose gradient CopyOut(tile - BUFFER_NUM) copied out (LossIntoInput).
    __aicore__ inline void CopyInInput(uint64_t tile)
    {
        const TileSpan span = TileAt(tiling_, tile);
        CopyInTileAfterCopyOut(pipe_, inQueueX_, inputGm_[span.offset], span.count, tile >= tiles_.first + BUFFER_NUM);
    }

    // dL/dx = g * w * [(1 - y) * sigmoid(x) - pw * y * sigmoid(-x)], g = dout (/ N for mean).
    // sigmoid(x) = n1 / d and sigmoid(-x) = n2 / d with n1 = exp(min(x, 0)), n2 = exp(-max(x, 0))
    // and d = 1 + exp(-|x|): one of n1, n2 is exactly 1, so neither sigmoid is formed as
    // 1 - sigmoid (which is 0 in fp32 for |x| > 17) and no Compare/Select is needed. The two
    // terms keep their own factors, so y = 1 at x = 20 gives -2.06e-9, not sigmoid(x) - 1 = 0.
    // d goes through Abs and Exp, which carry a NaN logit on any hardware; Maxs/Mins may drop it.
    __aicore__ inline void Compute(uint64_t offset, uint32_t count)
    {
        LocalTensor<T> input = inQueueX_.DeQue<T>();
        const LocalTensor<float> a = tmpA_.Get<float>(), b = tmpB_.Get<float>(), c = tmpC_.Get<float>(),
                                 d = tmpD_.Get<float>();
        LocalTensor<float> x = Widen(input, d, count);
        AscendC::Abs(c, x, count);
        AscendC::Muls(c, c, -1.0f, count);
        AscendC::Exp(c, c, count);
        AscendC::Adds(c, c, 1.0f, count);          // c = 1 + exp(-|x|)
        AscendC::Maxs(b, x, 0.0f, count);
        AscendC::Muls(b, b, -1.0f, count);
        AscendC::Exp(b, b, count);                 // b = n2
        // n1 in tmpD (x's last read; in place on a 16-bit x's widening), so that y widens into
        // tmpA: y * n2 and (1 - y) * n1 then each read two tiles at opposite bank phases (tmpB and
        // tmpD share the later temps' half phase: Mul(b, b, y) from tmpD cost a beat per repeat).
        AscendC::Mins(d, x, 0.0f, count);
        AscendC::Exp(d, d, count);                 // d = n1
        // Dequeued only now: the target's copy overlaps the vector work on x (see the forward).
        LocalTensor<T> target = inQueueY_.DeQue<T>();
        LocalTensor<float> y = Widen(target, a, count);
        if (shiftsTerm_) {
            ShiftedTargetTerms(input, target, y, b, c, d, offset, count);
            return;
        }
        AscendC::Mul(b, b, y, count);              // b = y * n2
        AscendC::Muls(a, y, -1.0f, count);
        // y's last read: its one buffer (TargetBuffers) takes the next tile's copy from here.
        inQueueY_.FreeTensor(target);
        AscendC::Adds(a, a, 1.0f, count);          // a = 1 - y
        AscendC::Mul(a, a, d, count);              // a = (1 - y) * n1; d is free from here
        posWeight_.Apply(b, d, offset, count);     // b = pw * y * n2
        AscendC::Sub(a, a, b, count);
        // x is dead (its last read was n1's Mins, or a 16-bit x's widening): an fp32 quotient goes
        // straight into its buffer, a 16-bit one into tmpD (free again; ResultTile).
        LocalTensor<float> result = ResultTile(input, d);
        AscendC::Div(result, a, c, count);
        // The factors' scratch: a 16-bit FULL stream is allocated after the later temps (OperandSlot),
        // so its widening into the last temp, tmpD, met its own reads in one bank row. tmpB (free,
        // like c) for fp32, the temp farthest from it; tmpA (free after the Div) for a 16-bit
        // gradient in tmpD, at the phase opposite tmpD's, where tmpB would share it (a read-read
        // beat in every repeat of the factors' Mul).
        Finish(input, result, IS_FP32 ? b : a, offset, count);
    }

    // Compute's tail for an fp32 PERIODIC pos_weight on a slack plan (as the forward's
    // ShiftedTargetTerms): y * n2 goes into tmpA at the phase opposite the expansion's read for this
    // tile (OppositePeriodReadElems), so the pos_weight Mul reads its sources in different bank
    // groups and writes tmpB, in another bank row; (1 - y) * n1 goes into x's buffer (fp32, at phase 0
    // on such a plan; x's last read was n1's Mins), and the gradient after it, in place (ResultTile).
    // The same roundings as Compute's in-place order: b = (n2 * y) * pw, (1 - y) * n1, their
    // difference, / c.
    __aicore__ inline void ShiftedTargetTerms(LocalTensor<T>& input, LocalTensor<T>& target,
                                              const LocalTensor<float>& y, const LocalTensor<float>& b,
                                              const LocalTensor<float>& c, const LocalTensor<float>& d,
                                              uint64_t offset, uint32_t count)
    {
        const LocalTensor<float> term = input.template ReinterpretCast<float>();
        const LocalTensor<float> shifted =
            tmpA_.Get<float>()[OppositePeriodReadElems(posWeightOffset_, tiling_.posWeight, offset)];
        AscendC::Mul(shifted, b, y, count);        // n2 * y
        AscendC::Muls(term, y, -1.0f, count);
        inQueueY_.FreeTensor(target);              // y's last read
        AscendC::Adds(term, term, 1.0f, count);    // 1 - y
        AscendC::Mul(term, term, d, count);        // (1 - y) * n1
        posWeight_.ApplyPeriodicFrom(b, shifted, offset, count);  // b = pw * y * n2
        AscendC::Sub(term, term, b, count);
        AscendC::Div(term, term, c, count);        // ResultTile(input, ...) is term's tile
        Finish(input, term, b, offset, count);
    }

    // dL/dy = g * w * [pw * softplus(-x) - softplus(x)], softplus as in the forward (exact for
    // every logit, NaN carried by Abs/Exp); y is not read. Without pos_weight the bracket is
    // exactly -x: computed so, one pass, where the difference of two softplus values near ln 2
    // would lose a small x entirely (0 for |x| < 3e-8).
    __aicore__ inline void ComputeTargetGrad(uint64_t offset, uint32_t count)
    {
        LocalTensor<T> input = inQueueX_.DeQue<T>();
        const LocalTensor<float> a = tmpA_.Get<float>(), b = tmpB_.Get<float>(), c = tmpC_.Get<float>(),
                                 d = tmpD_.Get<float>();
        LocalTensor<float> x = Widen(input, d, count);
        if (!hasPosWeight_) {
            // In place, a count-form unary instruction writing its source: on x's buffer (fp32), on
            // x's widening in tmpD (16-bit; x's buffer is dead from the widening on).
            LocalTensor<float> result = ResultTile(input, d);
            AscendC::Muls(result, x, -1.0f, count);
            Finish(input, result, IS_FP32 ? b : a, offset, count);
            return;
        }
        Log1pExpNegAbs(a, x, c, b, count);         // a = l = log1p(exp(-|x|))
        // SoftplusPair's sums with softplus(x) formed in place on l (l + max(x, 0): the same
        // rounding), so the final Sub reads tmpA with c, not b with c: those share a bank phase
        // (bce_with_logits_bank_plan.h).
        AscendC::Maxs(b, x, 0.0f, count);
        AscendC::Mins(c, x, 0.0f, count);
        AscendC::Sub(c, a, c, count);              // c = softplus(-x)
        AscendC::Add(a, a, b, count);              // a = softplus(x); x's last read was the Mins
        posWeight_.Apply(c, d, offset, count);     // c = pw * softplus(-x)
        LocalTensor<float> result = ResultTile(input, d);
        AscendC::Sub(result, c, a, count);
        // tmpA is free after the Sub: the 16-bit gradient's scratch, opposite tmpD's phase.
        Finish(input, result, IS_FP32 ? d : a, offset, count);
    }

    // The gradient goes into x's buffer once x is dead, and CopyOut copies it from there
    // (LossIntoInput): fp32 results are computed straight into it; 16-bit ones in `wide`, tmpD,
    // the tile a 16-bit x was widened into: its narrowing into x's buffer then meets the bank rows
    // the widening met, which the host's plan keeps apart (bank_cost.h CastClashes), where from
    // tmpA it met x's buffers right after tmpA in one bank row.
    __aicore__ inline LocalTensor<float> ResultTile(const LocalTensor<T>& input, const LocalTensor<float>& wide)
    {
        if constexpr (IS_FP32) {
            return input.template ReinterpretCast<float>();
        } else {
            return wide;
        }
    }

    // result *= w * g (`scratch` at the phase opposite result's), then (16-bit) narrowed into x's
    // buffer, which CopyOut copies out and frees.
    __aicore__ inline void Finish(const LocalTensor<T>& input, const LocalTensor<float>& result,
                                  const LocalTensor<float>& scratch, uint64_t offset, uint32_t count)
    {
        ApplyFactors(result, scratch, offset, count);
        if constexpr (!IS_FP32) {
            AscendC::Cast(input, result, AscendC::RoundMode::CAST_RINT, count);
        }
        resultTile_ = input;
    }

    // mean/sum: every element gets dout (/ N for mean), one scalar factor formed at its first use,
    // so that dout's GM read follows the first tile's copy-in (SCALAR's ScalarValue).
    __aicore__ inline float GradScale()
    {
        if (!gradScaleReady_) {
            gradScale_ = gradOutput_.ScalarValue();
            if (static_cast<Reduction>(tiling_.reduction) == Reduction::MEAN) {
                gradScale_ = gradScale_ / static_cast<float>(tiling_.totalLength);
            }
            gradScaleReady_ = true;
        }
        return gradScale_;
    }

    // dst *= w * g; `scratch` is a free fp32 tile.
    __aicore__ inline void ApplyFactors(const LocalTensor<float>& dst, const LocalTensor<float>& scratch,
                                        uint64_t offset, uint32_t count)
    {
        weight_.Apply(dst, scratch, offset, count);
        if (scalarGrad_) {
            AscendC::Muls(dst, dst, GradScale(), count);
        } else {
            gradOutput_.Apply(dst, scratch, offset, count);
        }
    }

    // The gradient is in x's buffer (Finish).
    __aicore__ inline void CopyOut(uint64_t offset, uint32_t count)
    {
        CopyOutOfInputTile(pipe_, inQueueX_, resultGm_[offset], resultTile_, count);
    }

    TilingData tiling_{};
    uint32_t tileLength_ = 0;
    TileRange tiles_{};
    bool targetGrad_ = false;
    bool scalarGrad_ = false;
    bool hasPosWeight_ = false;
    bool shiftsTerm_ = false;       // fp32 PERIODIC pos_weight on a slack plan (ShiftedTargetTerms)
    LocalTensor<T> resultTile_;     // x's buffer holding the tile's gradient (CopyOut frees it)
    uint64_t posWeightOffset_ = 0;  // UB offset of pos_weight's expansion
    float gradScale_ = 1.0f;
    bool gradScaleReady_ = false;
    TPipe pipe_;
    TQue<TPosition::VECIN, PREFETCH_QUEUE_DEPTH> inQueueX_;  // x(tile + 1) is enqueued before x(tile)'s DeQue
    TQue<TPosition::VECIN, QUEUE_DEPTH> inQueueY_;
    TQue<TPosition::VECOUT, QUEUE_DEPTH> outQueue_;  // never given a buffer (LossIntoInput)
    TBuf<TPosition::VECCALC> tmpA_;
    TBuf<TPosition::VECCALC> tmpB_;
    TBuf<TPosition::VECCALC> tmpC_;
    TBuf<TPosition::VECCALC> tmpD_;
    BankPads pads_;
    GlobalTensor<T> inputGm_;
    GlobalTensor<T> targetGm_;
    GlobalTensor<T> resultGm_;
    BroadcastOperand weight_;
    BroadcastOperand posWeight_;
    BroadcastOperand gradOutput_;
};

}  // namespace BceWithLogits

#endif  // BCE_WITH_LOGITS_GRAD_H
