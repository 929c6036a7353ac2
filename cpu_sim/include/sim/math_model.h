// Error model of the vector unit's Exp, Ln and Div. A2 publishes no accuracy for them, so kernels
// are tested against worse-than-libm results too: a seeded +-k ulp perturbation, and an Ln
// whose error near 1 is absolute rather than relative. The default is exact (libm, rounded).
// Div: the only published bound for the single-instruction divide is Ascend 950's, "最大精度误差为
// 1ulp" for DivAlgo::INTRINSIC (asc-devkit docs Memory矢量计算/基础算术/Div.md:137); A2 has no
// correctly rounded option, so ULP mode moves every quotient by a seeded ulp in [-1, 1].
#pragma once

#include <cstdint>

namespace cpu_sim {

enum class MathErrorMode : uint8_t {
    EXACT,        // libm, correctly rounded to the destination type
    ULP,          // every Exp/Ln result moved by a seeded integer number of ulps in [-maxUlp, maxUlp],
                  // every Div result by one in [-min(maxUlp, 1), min(maxUlp, 1)]
    LN_ABSOLUTE,  // Ln(v) for v in [0.5, 2] off by +-lnAbsError (absolute); 1 ulp elsewhere; Exp exact
};

struct MathErrorModel {
    MathErrorMode mode = MathErrorMode::EXACT;
    uint32_t maxUlp = 0;
    uint64_t seed = 0;
    float lnAbsError = 6e-8f;
};

enum class MathFn : uint8_t { EXP, LN, DIV };

// Process-wide; set it between launches, not during one.
void SetMathErrorModel(const MathErrorModel& model);
MathErrorModel GetMathErrorModel();

// Ulps to move fn(x)'s correctly rounded result by, in [-k, k] (k = maxUlp, or 1 for Ln outside
// [0.5, 2] in LN_ABSOLUTE mode). Deterministic: the same (seed, fn, input bits) always gives the
// same error, whatever the thread or block.
int32_t UlpOffset(const MathErrorModel& model, MathFn fn, uint32_t inputBits);
// LN_ABSOLUTE: ln(x) for x in [0.5, 2], off by lnAbsError with a seeded sign.
bool LnAbsoluteApplies(const MathErrorModel& model, MathFn fn, float x);
float LnAbsoluteResult(const MathErrorModel& model, float x, double exactLn);

}  // namespace cpu_sim
