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

// log1p(u) = 2 atanh(s) with s = u / (2 + u), for u = exp(-|x|) in (0, 1]: s in (0, 1/3], so
// s * (2 + C1 z + C2 z^2 + C3 z^3), z = s^2, is within 2.2e-7 relative (a minimax fit over
// z <= 0.1112, pinned to give fl(ln 2) at u = 1). No Ln at all: A2 publishes no accuracy for Ln,
// and an Ln accurate only in absolute terms near 1 (about 6e-8) would leave ln(1 + u) no relative
// accuracy for small u, i.e. for confident predictions (1.3e-3 relative at |x| = 10). The loss
// then holds 1e-6 relative with Exp off by up to 4 ulp (emulated in fp32, every op rounded).
constexpr float LOG1P_C1 = 0.666742325f;  // 0x3f2aafa0
constexpr float LOG1P_C2 = 0.396091729f;  // 0x3ecacc89
constexpr float LOG1P_C3 = 0.341880232f;  // 0x3eaf0aed
constexpr float LOG1P_C0 = 2.0f;

// dst = log1p(exp(-|x|)); u and v are scratch, and u may be x itself; dst differs from u and v.
// A NaN logit propagates through Abs, Exp and Div; x = +-inf gives u = 0 and dst = 0 exactly.
// 2 + u goes in dst, not v: the callers place dst and u in opposite halves of the UB bank groups
// and u and v in the same half, so the Div reads two banks apart (bce_with_logits_bank_plan.h).
__aicore__ inline void Log1pExpNegAbs(const AscendC::LocalTensor<float>& dst, const AscendC::LocalTensor<float>& x,
                                      const AscendC::LocalTensor<float>& u, const AscendC::LocalTensor<float>& v,
                                      uint32_t count)
{
    AscendC::Abs(u, x, count);
    AscendC::Muls(u, u, -1.0f, count);
    AscendC::Exp(u, u, count);                  // u = exp(-|x|)
    AscendC::Adds(dst, u, LOG1P_C0, count);
    AscendC::Div(u, u, dst, count);             // u = s = u / (2 + u), Div: Reciprocal is approximate
    AscendC::Mul(v, u, u, count);               // v = z = s^2
    AscendC::Muls(dst, v, LOG1P_C3, count);     // Horner in z
    AscendC::Adds(dst, dst, LOG1P_C2, count);
    AscendC::Mul(dst, dst, v, count);
    AscendC::Adds(dst, dst, LOG1P_C1, count);
    AscendC::Mul(dst, dst, v, count);
    AscendC::Adds(dst, dst, LOG1P_C0, count);
    AscendC::Mul(dst, dst, u, count);           // dst = s * (2 + C1 z + C2 z^2 + C3 z^3)
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
