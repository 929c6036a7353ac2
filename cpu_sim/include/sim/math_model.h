// Error model of the vector unit's Exp and Ln. A2 publishes no accuracy for them, so kernels
// are tested against worse-than-libm results too: a seeded +-k ulp perturbation, and an Ln
// whose error near 1 is absolute rather than relative. The default is exact (libm, rounded).
#pragma once

#include <cstdint>

namespace cpu_sim {

enum class MathErrorMode : uint8_t {
    EXACT,        // libm, correctly rounded to the destination type
    ULP,          // every Exp/Ln result moved by a seeded integer number of ulps in [-maxUlp, maxUlp]
    LN_ABSOLUTE,  // Ln(v) for v in [0.5, 2] off by +-lnAbsError (absolute); 1 ulp elsewhere; Exp exact
};

struct MathErrorModel {
    MathErrorMode mode = MathErrorMode::EXACT;
    uint32_t maxUlp = 0;
    uint64_t seed = 0;
    float lnAbsError = 6e-8f;
};

enum class MathFn : uint8_t { EXP, LN };

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
