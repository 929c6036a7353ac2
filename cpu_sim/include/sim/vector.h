// Vector instructions (count forms): unary, binary, tensor-scalar, Duplicate, Compare, Select,
// ReduceSum, Axpy. Math in float for half/bf16 (rounded back to nearest even per element).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstring>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "sim/math_model.h"
#include "sim/tensor.h"

namespace AscendC {
namespace sim_detail {

template <typename T, typename... Ts> constexpr bool OneOf = (std::is_same_v<T, Ts> || ...);
template <typename T> constexpr bool IsLowFloat = OneOf<T, half, bfloat16_t>;

template <typename T> inline auto Load(const T& v) {
    if constexpr (IsLowFloat<T>) return static_cast<float>(v);
    else return v;
}
template <typename T, typename C> inline T Store(C v) {
    if constexpr (IsLowFloat<T>) return T(static_cast<float>(v));
    else return static_cast<T>(v);
}

inline void CheckCount(const char* api, int64_t count) {
    if (count < 0) cpu_sim::Fail(cpu_sim::Format("%s: negative count %lld", api, (long long)count));
}
// dst may equal a source exactly; partial overlap is not allowed.
inline void CheckOverlap(const char* api, const void* dst, uint64_t dstBytes, const void* src, uint64_t srcBytes) {
    const uint8_t* d = static_cast<const uint8_t*>(dst);
    const uint8_t* s = static_cast<const uint8_t*>(src);
    if (d != s && d < s + srcBytes && s < d + dstBytes) {
        cpu_sim::Fail(cpu_sim::Format("%s: dst and a source overlap partially (UB offsets %u and %u)", api,
                                      cpu_sim::UbOffset(d), cpu_sim::UbOffset(s)));
    }
}

// Reciprocal is approximate on A2 (~1e-4 relative in fp32): the exact quotient is rounded to a
// 13-bit significand to model that.
inline float ApproxReciprocal(float x) {
    const float r = 1.0f / x;
    if (!std::isfinite(r) || r == 0.0f) return r;
    uint32_t b = cpu_sim::FloatBits(r);
    b = (b + (1u << 9)) & ~((1u << 10) - 1u);
    return cpu_sim::BitsFloat(b);
}

// CTRL[48] in saturation mode (context.h floatSaturation, SetCtrlSpr(ISASI).md table 5): a half or
// bf16 result that is +-inf becomes +-MAX, a NaN becomes 0. Float results are never saturated.
template <typename T> void SaturateLowFloat(T* d, uint64_t count) {
    if constexpr (IsLowFloat<T>) {
        if (!cpu_sim::Ctx().floatSaturation) return;
        constexpr bool kHalf = std::is_same_v<T, half>;
        constexpr uint16_t expMask = kHalf ? 0x7c00 : 0x7f80;
        constexpr uint16_t mantMask = kHalf ? 0x03ff : 0x007f;
        constexpr uint16_t maxBits = kHalf ? 0x7bff : 0x7f7f;
        for (uint64_t i = 0; i < count; ++i) {
            const uint16_t b = d[i].bits;
            if ((b & expMask) != expMask) continue;
            d[i] = T::FromBits((b & mantMask) != 0 ? uint16_t{0} : static_cast<uint16_t>((b & 0x8000u) | maxBits));
        }
    } else {
        (void)d;
        (void)count;
    }
}

// One float value rounded to T and saturated as a result under CTRL[48]: each rounding step of an
// instruction that computes in several (a half reduction's adds, Axpy's product and sum).
template <typename T> T StoreSat(float v) {
    T r = Store<T>(v);
    SaturateLowFloat(&r, 1);
    return r;
}

// vcadd inside one repeat: adjacent pairs, halving, every add rounded to T and saturated under
// CTRL[48]; lanes outside the mask add as zero. ReduceSum and ReduceRepeat/WholeReduceSum both
// issue it.
template <typename T> T VcaddRepeat(const T* lane0, uint32_t lanes) {
    constexpr uint32_t perRepeat = ONE_REPEAT_BYTE_SIZE / sizeof(T);
    T lane[perRepeat];
    for (uint32_t k = 0; k < perRepeat; ++k) lane[k] = k < lanes ? lane0[k] : T(0.0f);
    for (uint32_t width = perRepeat; width > 1; width /= 2) {
        for (uint32_t k = 0; k < width / 2; ++k) {
            lane[k] = StoreSat<T>(static_cast<float>(lane[2 * k]) + static_cast<float>(lane[2 * k + 1]));
        }
    }
    return lane[0];
}

template <typename T, typename F>
void UnaryImpl(const char* api, const LocalTensor<T>& dst, const LocalTensor<T>& src, int32_t count, F f) {
    CheckCount(api, count);
    if (count == 0) return;
    dst.SimCheck(api, "dst", count);
    src.SimCheck(api, "src", count);
    const uint64_t bytes = static_cast<uint64_t>(count) * sizeof(T);
    CheckOverlap(api, dst.GetPhyAddr(), bytes, src.GetPhyAddr(), bytes);
    cpu_sim::HazardRead(api, src.GetPhyAddr(), bytes, cpu_sim::PIPE_BIT_V);
    T* d = dst.GetPhyAddr();
    const T* s = src.GetPhyAddr();
    for (int32_t i = 0; i < count; ++i) d[i] = Store<T>(f(Load(s[i])));
    SaturateLowFloat(d, static_cast<uint64_t>(count));
    cpu_sim::HazardWrite(api, d, bytes, cpu_sim::PIPE_BIT_V);
    cpu_sim::CountInstr(api, cpu_sim::Repeats(count, sizeof(T)), sizeof(T),
                        cpu_sim::ContiguousOperands(d, s, nullptr, bytes));
}

// v moved by `steps` units in the last place of T (half or float), staying finite and nonzero;
// 0, inf and NaN are left alone.
template <typename T> T StepUlps(T v, int32_t steps) {
    const float f = static_cast<float>(v);
    if (steps == 0 || f == 0.0f || !std::isfinite(f)) return v;
    if constexpr (std::is_same_v<T, float>) {
        uint32_t bits = cpu_sim::FloatBits(f);
        const int64_t mag = std::clamp<int64_t>(static_cast<int64_t>(bits & 0x7FFFFFFFu) + steps, 1, 0x7F7FFFFF);
        return cpu_sim::BitsFloat((bits & 0x80000000u) | static_cast<uint32_t>(mag));
    } else {
        uint16_t bits;
        std::memcpy(&bits, &v, sizeof bits);
        const int64_t mag = std::clamp<int64_t>(static_cast<int64_t>(bits & 0x7FFF) + steps, 1, 0x7BFF);
        const uint16_t out = static_cast<uint16_t>((bits & 0x8000) | mag);
        T r;
        std::memcpy(&r, &out, sizeof r);
        return r;
    }
}

// Exp and Ln: libm rounded to T, then the simulator's error model (cpu_sim/math_model.h).
template <typename T, typename F>
void MathUnaryImpl(const char* api, cpu_sim::MathFn fn, const LocalTensor<T>& dst, const LocalTensor<T>& src,
                   int32_t count, F f) {
    const cpu_sim::MathErrorModel model = cpu_sim::GetMathErrorModel();
    if (model.mode == cpu_sim::MathErrorMode::EXACT || count <= 0) {
        UnaryImpl(api, dst, src, count, f);
        return;
    }
    std::vector<float> inputs(static_cast<size_t>(count));  // dst may be src
    src.SimCheck(api, "src", count);
    for (int32_t i = 0; i < count; ++i) inputs[i] = static_cast<float>(Load(src.GetPhyAddr()[i]));
    UnaryImpl(api, dst, src, count, f);
    T* d = dst.GetPhyAddr();
    for (int32_t i = 0; i < count; ++i) {
        const float x = inputs[i];
        if (cpu_sim::LnAbsoluteApplies(model, fn, x)) {
            d[i] = Store<T>(cpu_sim::LnAbsoluteResult(model, x, std::log(static_cast<double>(x))));
        } else {
            d[i] = StepUlps(d[i], cpu_sim::UlpOffset(model, fn, cpu_sim::FloatBits(x)));
        }
    }
}

template <typename T, typename F>
void BinaryImpl(const char* api, const LocalTensor<T>& dst, const LocalTensor<T>& src0,
                const LocalTensor<T>& src1, int32_t count, F f) {
    CheckCount(api, count);
    if (count == 0) return;
    dst.SimCheck(api, "dst", count);
    src0.SimCheck(api, "src0", count);
    src1.SimCheck(api, "src1", count);
    const uint64_t bytes = static_cast<uint64_t>(count) * sizeof(T);
    CheckOverlap(api, dst.GetPhyAddr(), bytes, src0.GetPhyAddr(), bytes);
    CheckOverlap(api, dst.GetPhyAddr(), bytes, src1.GetPhyAddr(), bytes);
    cpu_sim::HazardRead(api, src0.GetPhyAddr(), bytes, cpu_sim::PIPE_BIT_V);
    cpu_sim::HazardRead(api, src1.GetPhyAddr(), bytes, cpu_sim::PIPE_BIT_V);
    T* d = dst.GetPhyAddr();
    const T* a = src0.GetPhyAddr();
    const T* b = src1.GetPhyAddr();
    for (int32_t i = 0; i < count; ++i) d[i] = Store<T>(f(Load(a[i]), Load(b[i])));
    SaturateLowFloat(d, static_cast<uint64_t>(count));
    cpu_sim::HazardWrite(api, d, bytes, cpu_sim::PIPE_BIT_V);
    cpu_sim::CountInstr(api, cpu_sim::Repeats(count, sizeof(T)), sizeof(T),
                        cpu_sim::ContiguousOperands(d, a, b, bytes));
}

template <typename T> constexpr bool IsHF = OneOf<T, half, float>;
template <typename T> constexpr bool IsArith = OneOf<T, half, float, int16_t, int32_t>;

}  // namespace sim_detail

#define CPU_SIM_UNARY(NAME, COND, EXPR)                                                          \
    template <typename T> void NAME(const LocalTensor<T>& dst, const LocalTensor<T>& src,        \
                                    const int32_t& count) {                                      \
        static_assert(COND, #NAME ": this dtype is not supported on A2");                        \
        sim_detail::UnaryImpl(#NAME, dst, src, count, [](auto x) { return EXPR; });              \
    }
template <typename T> void Exp(const LocalTensor<T>& dst, const LocalTensor<T>& src, const int32_t& count) {
    static_assert(sim_detail::IsHF<T>, "Exp: this dtype is not supported on A2");
    sim_detail::MathUnaryImpl("Exp", cpu_sim::MathFn::EXP, dst, src, count, [](auto x) { return std::exp(x); });
}
template <typename T> void Ln(const LocalTensor<T>& dst, const LocalTensor<T>& src, const int32_t& count) {
    static_assert(sim_detail::IsHF<T>, "Ln: this dtype is not supported on A2");
    sim_detail::MathUnaryImpl("Ln", cpu_sim::MathFn::LN, dst, src, count, [](auto x) { return std::log(x); });
}
CPU_SIM_UNARY(Abs, sim_detail::IsHF<T>, std::fabs(x))
CPU_SIM_UNARY(Sqrt, sim_detail::IsHF<T>, std::sqrt(x))
CPU_SIM_UNARY(Reciprocal, sim_detail::IsHF<T>, sim_detail::ApproxReciprocal(x))
CPU_SIM_UNARY(Relu, (sim_detail::OneOf<T, half, float, int32_t>), (x > 0 ? x : decltype(x)(0)))
#undef CPU_SIM_UNARY

#define CPU_SIM_BINARY(NAME, COND, EXPR)                                                         \
    template <typename T> void NAME(const LocalTensor<T>& dst, const LocalTensor<T>& src0,       \
                                    const LocalTensor<T>& src1, const int32_t& count) {          \
        static_assert(COND, #NAME ": this dtype is not supported on A2");                        \
        sim_detail::BinaryImpl(#NAME, dst, src0, src1, count, [](auto x, auto y) { return EXPR; }); \
    }
CPU_SIM_BINARY(Add, sim_detail::IsArith<T>, x + y)
CPU_SIM_BINARY(Sub, sim_detail::IsArith<T>, x - y)
CPU_SIM_BINARY(Mul, sim_detail::IsArith<T>, x * y)
CPU_SIM_BINARY(Max, sim_detail::IsArith<T>, (x > y ? x : y))
CPU_SIM_BINARY(Min, sim_detail::IsArith<T>, (x < y ? x : y))
#undef CPU_SIM_BINARY

// dst = src0 / src1: the correctly rounded quotient, moved by the math error model's Div ulp in
// ULP mode (math_model.h: +-1 ulp, keyed by both operands).
template <typename T> void Div(const LocalTensor<T>& dst, const LocalTensor<T>& src0, const LocalTensor<T>& src1,
                               const int32_t& count) {
    static_assert(sim_detail::IsHF<T>, "Div: this dtype is not supported on A2");
    const cpu_sim::MathErrorModel model = cpu_sim::GetMathErrorModel();
    if (model.mode != cpu_sim::MathErrorMode::ULP || count <= 0) {
        sim_detail::BinaryImpl("Div", dst, src0, src1, count, [](auto x, auto y) { return x / y; });
        return;
    }
    src0.SimCheck("Div", "src0", count);
    src1.SimCheck("Div", "src1", count);
    std::vector<uint32_t> keys(static_cast<size_t>(count));  // dst may be a source
    for (int32_t i = 0; i < count; ++i) {
        const uint64_t a = cpu_sim::FloatBits(static_cast<float>(sim_detail::Load(src0.GetPhyAddr()[i])));
        const uint64_t b = cpu_sim::FloatBits(static_cast<float>(sim_detail::Load(src1.GetPhyAddr()[i])));
        const uint64_t z = (a << 32 | b) * 0x9E3779B97F4A7C15ULL;
        keys[i] = static_cast<uint32_t>(z >> 32) ^ static_cast<uint32_t>(z);
    }
    sim_detail::BinaryImpl("Div", dst, src0, src1, count, [](auto x, auto y) { return x / y; });
    T* d = dst.GetPhyAddr();
    for (int32_t i = 0; i < count; ++i) {
        d[i] = sim_detail::StepUlps(d[i], cpu_sim::UlpOffset(model, cpu_sim::MathFn::DIV, keys[i]));
    }
}

// Tensor-scalar: the scalar has the tensor's element type exactly (no converting overloads). Two
// declarations as in kernel_operator_vec_binary_scalar_intf.h: <T, isSetMask>(..., const T&, ...) and
// <T, U, isSetMask, enable_if<PrimT<T> == U>>(..., const U&, ...).
#define CPU_SIM_SCALAR(NAME, EXPR)                                                               \
    template <typename T, bool isSetMask = true>                                                 \
    void NAME(const LocalTensor<T>& dst, const LocalTensor<T>& src, const T& scalarValue,        \
              const int32_t& count) {                                                            \
        static_assert(sim_detail::IsArith<T>, #NAME ": this dtype is not supported on A2");      \
        const auto y = sim_detail::Load(scalarValue);                                            \
        sim_detail::UnaryImpl(#NAME, dst, src, count, [y](auto x) { return EXPR; });             \
    }                                                                                            \
    /* The real twin: U must be PrimT<T> exactly (selected e.g. by NAME<float, float>(...)). */  \
    template <typename T, typename U, bool isSetMask = true,                                     \
              typename std::enable_if<std::is_same<PrimT<T>, U>::value, bool>::type = true>      \
    void NAME(const LocalTensor<T>& dst, const LocalTensor<T>& src, const U& scalarValue,        \
              const int32_t& count) {                                                            \
        NAME<T, isSetMask>(dst, src, scalarValue, count);                                        \
    }
CPU_SIM_SCALAR(Adds, x + y)
CPU_SIM_SCALAR(Muls, x * y)
CPU_SIM_SCALAR(Maxs, (x > y ? x : y))
CPU_SIM_SCALAR(Mins, (x < y ? x : y))
#undef CPU_SIM_SCALAR

template <typename T> void Duplicate(const LocalTensor<T>& dst, const T& scalarValue, const int32_t& count) {
    static_assert(sim_detail::OneOf<T, half, bfloat16_t, int16_t, uint16_t, int32_t, uint32_t, float>,
                  "Duplicate: this dtype is not supported on A2");
    const char* api = "Duplicate";
    sim_detail::CheckCount(api, count);
    if (count == 0) return;
    dst.SimCheck(api, "dst", count);
    T* d = dst.GetPhyAddr();
    for (int32_t i = 0; i < count; ++i) d[i] = scalarValue;
    cpu_sim::HazardWrite(api, d, static_cast<uint64_t>(count) * sizeof(T), cpu_sim::PIPE_BIT_V);
    cpu_sim::CountInstr(api, cpu_sim::Repeats(count, sizeof(T)));
}

namespace sim_detail {
template <typename C> inline bool CompareOp(CMPMODE mode, C a, C b) {
    switch (mode) {
        case CMPMODE::LT: return a < b;
        case CMPMODE::GT: return a > b;
        case CMPMODE::EQ: return a == b;
        case CMPMODE::LE: return a <= b;
        case CMPMODE::GE: return a >= b;
        case CMPMODE::NE: return a != b;
    }
    return false;
}

template <typename T, typename U, typename GetB>
void CompareImpl(const char* api, const LocalTensor<U>& dst, const LocalTensor<T>& src0, const T* src1,
                 CMPMODE mode, uint32_t count, GetB getB) {
    static_assert(OneOf<T, half, float, int32_t>, "Compare: this dtype is not supported on A2");
    if constexpr (std::is_same_v<T, int32_t>) {
        if (mode != CMPMODE::EQ) cpu_sim::Fail(cpu_sim::Format("%s: int32 supports only CMPMODE::EQ", api));
    }
    if (static_cast<uint64_t>(count) * sizeof(T) % ONE_REPEAT_BYTE_SIZE != 0) {
        cpu_sim::Fail(cpu_sim::Format("%s: count %u x %zu B = %llu B is not a multiple of 256 B (the device "
                                      "ignores the rest)", api, count, sizeof(T),
                                      (unsigned long long)(static_cast<uint64_t>(count) * sizeof(T))));
    }
    if (count == 0) return;
    const uint64_t bytes = static_cast<uint64_t>(count) * sizeof(T);
    src0.SimCheck(api, "src0", count);
    dst.SimCheckBytes(api, "dst", count / 8);
    cpu_sim::HazardRead(api, src0.GetPhyAddr(), bytes, cpu_sim::PIPE_BIT_V);
    if (src1 != nullptr) cpu_sim::HazardRead(api, src1, bytes, cpu_sim::PIPE_BIT_V);
    const T* a = src0.GetPhyAddr();
    uint8_t* m = reinterpret_cast<uint8_t*>(dst.GetPhyAddr());
    for (uint32_t byte = 0; byte < count / 8; ++byte) {
        uint8_t v = 0;
        for (uint32_t bit = 0; bit < 8; ++bit) {
            const uint32_t i = byte * 8 + bit;
            if (CompareOp(mode, Load(a[i]), getB(i))) v |= static_cast<uint8_t>(1u << bit);
        }
        m[byte] = v;
    }
    cpu_sim::HazardWrite(api, m, count / 8, cpu_sim::PIPE_BIT_V);
    cpu_sim::CountInstr(api, cpu_sim::Repeats(count, sizeof(T)));
}
}  // namespace sim_detail

// Mask bit i (LSB first) = src0[i] op src1[i]; count * sizeof(T) must be a multiple of 256 B.
template <typename T, typename U>
void Compare(const LocalTensor<U>& dst, const LocalTensor<T>& src0, const LocalTensor<T>& src1,
             CMPMODE cmpMode, uint32_t count) {
    if (count != 0) src1.SimCheck("Compare", "src1", count);
    const T* b = src1.GetPhyAddr();
    sim_detail::CompareImpl("Compare", dst, src0, b, cmpMode, count,
                            [b](uint32_t i) { return sim_detail::Load(b[i]); });
}

template <typename T, typename U>
void Compares(const LocalTensor<U>& dst, const LocalTensor<T>& src0, const T src1, CMPMODE cmpMode,
              uint32_t count) {
    const auto b = sim_detail::Load(src1);
    sim_detail::CompareImpl("Compares", dst, src0, static_cast<const T*>(nullptr), cmpMode, count,
                            [b](uint32_t) { return b; });
}

namespace sim_detail {
template <typename T, typename U, typename GetB>
void SelectImpl(const char* api, const LocalTensor<T>& dst, const LocalTensor<U>& selMask,
                const LocalTensor<T>& src0, SELMODE mode, uint32_t count, GetB getB) {
    static_assert(IsHF<T>, "Select: this dtype is not supported on A2");
    static_assert(OneOf<U, uint8_t, uint16_t, uint32_t, uint64_t>, "Select: mask must be uint8..uint64");
    if (count == 0) return;
    if (mode != SELMODE::VSEL_CMPMASK_SPR) {
        cpu_sim::BlockContext& c = cpu_sim::Ctx();
        if (c.ubUsed > TMP_UB_OFFSET) {
            cpu_sim::Fail(cpu_sim::Format("%s: mode %d uses UB scratch [%u, %u) B but InitBuffer'd memory extends "
                                          "to %u B", api, static_cast<int>(mode), TMP_UB_OFFSET, TOTAL_UB_SIZE,
                                          c.ubUsed));
        }
        c.selectScratchUsed = true;
    }
    const uint32_t perRepeat = ONE_REPEAT_BYTE_SIZE / sizeof(T);
    const uint32_t maskBits = mode == SELMODE::VSEL_CMPMASK_SPR ? (count < perRepeat ? count : perRepeat) : count;
    const uint64_t maskBytes = (maskBits + 7) / 8;
    const uint64_t bytes = static_cast<uint64_t>(count) * sizeof(T);
    dst.SimCheck(api, "dst", count);
    src0.SimCheck(api, "src0", count);
    selMask.SimCheckBytes(api, "selMask", maskBytes);
    CheckOverlap(api, dst.GetPhyAddr(), bytes, src0.GetPhyAddr(), bytes);
    cpu_sim::HazardRead(api, src0.GetPhyAddr(), bytes, cpu_sim::PIPE_BIT_V);
    cpu_sim::HazardRead(api, selMask.GetPhyAddr(), maskBytes, cpu_sim::PIPE_BIT_V);
    const uint8_t* m = reinterpret_cast<const uint8_t*>(selMask.GetPhyAddr());
    T* d = dst.GetPhyAddr();
    const T* a = src0.GetPhyAddr();
    for (uint32_t i = 0; i < count; ++i) {
        const uint32_t bit = mode == SELMODE::VSEL_CMPMASK_SPR ? i % perRepeat : i;
        d[i] = ((m[bit >> 3] >> (bit & 7)) & 1u) ? a[i] : getB(i);
    }
    cpu_sim::HazardWrite(api, d, bytes, cpu_sim::PIPE_BIT_V);
    cpu_sim::CountInstr(api, cpu_sim::Repeats(count, sizeof(T)));
}
}  // namespace sim_detail

// dst[i] = mask bit ? src0[i] : src1[i]. Mode 0 reuses the first repeat's mask bits.
template <typename T, typename U>
void Select(const LocalTensor<T>& dst, const LocalTensor<U>& selMask, const LocalTensor<T>& src0,
            const LocalTensor<T>& src1, SELMODE selMode, uint32_t count) {
    if (selMode == SELMODE::VSEL_TENSOR_SCALAR_MODE) {
        cpu_sim::Fail("Select: VSEL_TENSOR_SCALAR_MODE needs a scalar src1");
    }
    if (count != 0) {
        src1.SimCheck("Select", "src1", count);
        cpu_sim::HazardRead("Select", src1.GetPhyAddr(), static_cast<uint64_t>(count) * sizeof(T),
                            cpu_sim::PIPE_BIT_V);
    }
    const T* b = src1.GetPhyAddr();
    sim_detail::SelectImpl("Select", dst, selMask, src0, selMode, count, [b](uint32_t i) { return b[i]; });
}

template <typename T, typename U>
void Select(const LocalTensor<T>& dst, const LocalTensor<U>& selMask, const LocalTensor<T>& src0, T src1,
            SELMODE selMode, uint32_t count) {
    if (selMode != SELMODE::VSEL_TENSOR_SCALAR_MODE) {
        cpu_sim::Fail("Select: a scalar src1 needs SELMODE::VSEL_TENSOR_SCALAR_MODE");
    }
    sim_detail::SelectImpl("Select", dst, selMask, src0, selMode, count, [src1](uint32_t) { return src1; });
}

// A2 order: pairwise tree inside each 256-B repeat (adjacent pairs, every add rounded to T and
// saturated under CTRL[48], as ReduceDataBlock.md's half SUM example: 60000 + 60000 gives 65504),
// repeats accumulated sequentially; result in dst[0]. sharedTmpBuffer is not used on A2.
template <typename T, bool isSetMask = true>
void ReduceSum(const LocalTensor<T>& dst, const LocalTensor<T>& src, const LocalTensor<T>& sharedTmpBuffer,
               const int32_t count) {
    static_assert(sim_detail::IsHF<T>, "ReduceSum: this dtype is not supported on A2");
    const char* api = "ReduceSum";
    sim_detail::CheckCount(api, count);
    if (count == 0) return;
    dst.SimCheck(api, "dst", 1);
    src.SimCheck(api, "src", count);
    cpu_sim::HazardRead(api, src.GetPhyAddr(), static_cast<uint64_t>(count) * sizeof(T), cpu_sim::PIPE_BIT_V);
    constexpr uint32_t perRepeat = ONE_REPEAT_BYTE_SIZE / sizeof(T);
    const T* s = src.GetPhyAddr();
    T acc = T(0.0f);
    for (int32_t base = 0; base < count; base += perRepeat) {
        const uint32_t lanes = std::min(static_cast<uint32_t>(count - base), perRepeat);
        const T sum = sim_detail::VcaddRepeat(s + base, lanes);
        acc = base == 0 ? sum : sim_detail::StoreSat<T>(static_cast<float>(acc) + static_cast<float>(sum));
    }
    // dav_c220 ReduceSumImpl: one vcadd into the ACC register, then FetchEventID(V_S) set/wait,
    // get_acc_val and a scalar store of dst[0], then S_V and S_MTE3 set/wait on fetched ids. So
    // dst[0] is written by the scalar unit, and a flag the kernel left set on a fetched V_S, S_V or
    // S_MTE3 id collides with these.
    cpu_sim::HazardWrite(api, dst.GetPhyAddr(), sizeof(T), cpu_sim::PIPE_BIT_V);  // vcadd(dst, ...)
    cpu_sim::CountInstr(api, cpu_sim::Repeats(count, sizeof(T)), sizeof(T));      // ... on V, then the syncs
    cpu_sim::InternalSync("ReduceSum (internal V_S)", HardEvent::V_S);
    cpu_sim::HazardWrite(api, dst.GetPhyAddr(), sizeof(T), cpu_sim::PIPE_BIT_S);
    cpu_sim::ScalarAccess(true);  // get_acc_val and the scalar store
    dst.GetPhyAddr()[0] = acc;
    cpu_sim::InternalSync("ReduceSum (internal S_V)", HardEvent::S_V);
    cpu_sim::InternalSync("ReduceSum (internal S_MTE3)", HardEvent::S_MTE3);
}

// dst[i] += scalar * src[i]; (half, half), (float, float), (float dst, half src).
template <typename T, typename U>
void Axpy(const LocalTensor<T>& dst, const LocalTensor<U>& src, const U& scalarValue, const int32_t& count) {
    static_assert((std::is_same_v<T, U> && sim_detail::IsHF<T>) ||
                      (std::is_same_v<T, float> && std::is_same_v<U, half>),
                  "Axpy: this dtype pair is not supported on A2");
    const char* api = "Axpy";
    sim_detail::CheckCount(api, count);
    if (count == 0) return;
    dst.SimCheck(api, "dst", count);
    src.SimCheck(api, "src", count);
    cpu_sim::HazardRead(api, src.GetPhyAddr(), static_cast<uint64_t>(count) * sizeof(U), cpu_sim::PIPE_BIT_V);
    cpu_sim::HazardRead(api, dst.GetPhyAddr(), static_cast<uint64_t>(count) * sizeof(T), cpu_sim::PIPE_BIT_V);
    const float a = static_cast<float>(scalarValue);
    T* d = dst.GetPhyAddr();
    const U* s = src.GetPhyAddr();
    for (int32_t i = 0; i < count; ++i) {
        const float prod = static_cast<float>(sim_detail::StoreSat<U>(a * static_cast<float>(s[i])));
        d[i] = sim_detail::StoreSat<T>(static_cast<float>(d[i]) + prod);
    }
    cpu_sim::HazardWrite(api, d, static_cast<uint64_t>(count) * sizeof(T), cpu_sim::PIPE_BIT_V);
    const size_t elem = sizeof(T) > sizeof(U) ? sizeof(T) : sizeof(U);
    cpu_sim::CountInstr(api, cpu_sim::Repeats(count, elem));
}

}  // namespace AscendC
