// Shared fp32 math of the bce_with_logits kernels.
#ifndef BCE_WITH_LOGITS_MATH_H
#define BCE_WITH_LOGITS_MATH_H

#include "kernel_operator.h"

namespace BceWithLogits {

// fp16/bf16 tiles are widened into `wide` (exact); fp32 tiles are used in place.
template <typename T>
__aicore__ inline AscendC::LocalTensor<float> Widen(const AscendC::LocalTensor<T>& src,
                                                    const AscendC::LocalTensor<float>& wide, uint32_t count)
{
    if constexpr (std::is_same<T, float>::value) {
        return src;
    } else {
        AscendC::Cast(wide, src, AscendC::RoundMode::CAST_NONE, count);
        return wide;
    }
}

// dst = log1p(exp(-|x|)); u and v are scratch, and u may be x itself. A2 has no log1p:
// ln(1 + u) alone is 0 for u < 6e-8, so the rounding error of v = 1 + u is added back:
// log1p(u) ~= ln(v) + (u - (v - 1)), within 3e-7 relative. Abs and Exp carry a NaN logit.
__aicore__ inline void Log1pExpNegAbs(const AscendC::LocalTensor<float>& dst, const AscendC::LocalTensor<float>& x,
                                      const AscendC::LocalTensor<float>& u, const AscendC::LocalTensor<float>& v,
                                      uint32_t count)
{
    AscendC::Abs(u, x, count);
    AscendC::Muls(u, u, -1.0f, count);
    AscendC::Exp(u, u, count);
    AscendC::Adds(v, u, 1.0f, count);
    AscendC::Ln(dst, v, count);
    AscendC::Adds(v, v, -1.0f, count);
    AscendC::Sub(v, u, v, count);
    AscendC::Add(dst, dst, v, count);
}

// softplus(x) = max(x, 0) + l and softplus(-x) = l - min(x, 0), given l = log1p(exp(-|x|)):
// both >= 0, nothing cancels. spPos must differ from x and l; spNeg may be x (read last).
__aicore__ inline void SoftplusPair(const AscendC::LocalTensor<float>& spPos, const AscendC::LocalTensor<float>& spNeg,
                                    const AscendC::LocalTensor<float>& x, const AscendC::LocalTensor<float>& l,
                                    uint32_t count)
{
    AscendC::Maxs(spPos, x, 0.0f, count);
    AscendC::Add(spPos, spPos, l, count);
    AscendC::Mins(spNeg, x, 0.0f, count);
    AscendC::Sub(spNeg, l, spNeg, count);
}

}  // namespace BceWithLogits

#endif  // BCE_WITH_LOGITS_MATH_H
