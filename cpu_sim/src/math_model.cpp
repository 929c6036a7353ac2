// Exp/Ln error model of cpu_sim: deterministic per (seed, function, input).
#include "sim/math_model.h"

#include <cstring>
#include <mutex>

namespace cpu_sim {

namespace {
std::mutex modelMutex;
MathErrorModel model;

// splitmix64: a well-mixed hash, so neighbouring inputs get unrelated errors.
uint64_t Mix(uint64_t z)
{
    z += 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

uint64_t Hash(const MathErrorModel& m, uint64_t salt, uint32_t bits) { return Mix(m.seed ^ Mix(salt << 32 | bits)); }
}  // namespace

void SetMathErrorModel(const MathErrorModel& m)
{
    std::lock_guard<std::mutex> lock(modelMutex);
    model = m;
}

MathErrorModel GetMathErrorModel()
{
    std::lock_guard<std::mutex> lock(modelMutex);
    return model;
}

int32_t UlpOffset(const MathErrorModel& m, MathFn fn, uint32_t inputBits)
{
    uint32_t k = 0;
    if (m.mode == MathErrorMode::ULP) {
        k = fn == MathFn::DIV ? (m.maxUlp < 1 ? m.maxUlp : 1) : m.maxUlp;  // Div: the 1-ulp bound (math_model.h)
    } else if (m.mode == MathErrorMode::LN_ABSOLUTE) {
        k = fn == MathFn::LN ? 1 : 0;
    }
    if (k == 0) return 0;
    return static_cast<int32_t>(Hash(m, static_cast<uint64_t>(fn) + 1, inputBits) % (2 * k + 1)) -
           static_cast<int32_t>(k);
}

bool LnAbsoluteApplies(const MathErrorModel& m, MathFn fn, float x)
{
    return m.mode == MathErrorMode::LN_ABSOLUTE && fn == MathFn::LN && x >= 0.5f && x <= 2.0f;
}

// Near 1 an absolute error dominates: ln(1 + u) for small u loses all relative accuracy, which
// is what a log1p built on Ln must survive. The sign is seeded; the size is the full bound.
float LnAbsoluteResult(const MathErrorModel& m, float x, double exactLn)
{
    uint32_t bits;
    std::memcpy(&bits, &x, sizeof bits);
    const bool up = (Hash(m, 0xA5A5, bits) & 1) != 0;
    return static_cast<float>(exactLn + (up ? m.lnAbsError : -m.lnAbsError));
}

}  // namespace cpu_sim
