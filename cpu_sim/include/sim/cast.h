// Vector Cast with the A2 pair/round-mode table, and the scalar template Cast<src, dst, mode>.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "sim/vector.h"

namespace AscendC {
namespace sim_detail {

template <typename T> constexpr const char* TypeName() {
    if constexpr (std::is_same_v<T, float>) return "float";
    else if constexpr (std::is_same_v<T, half>) return "half";
    else if constexpr (std::is_same_v<T, bfloat16_t>) return "bfloat16_t";
    else if constexpr (std::is_same_v<T, int8_t>) return "int8_t";
    else if constexpr (std::is_same_v<T, uint8_t>) return "uint8_t";
    else if constexpr (std::is_same_v<T, int16_t>) return "int16_t";
    else if constexpr (std::is_same_v<T, uint16_t>) return "uint16_t";
    else if constexpr (std::is_same_v<T, int32_t>) return "int32_t";
    else if constexpr (std::is_same_v<T, uint32_t>) return "uint32_t";
    else if constexpr (std::is_same_v<T, int64_t>) return "int64_t";
    else if constexpr (std::is_same_v<T, double>) return "double";
    else return "?";
}

inline const char* RoundModeName(RoundMode m) {
    switch (m) {
        case RoundMode::CAST_NONE: return "CAST_NONE";
        case RoundMode::CAST_RINT: return "CAST_RINT";
        case RoundMode::CAST_FLOOR: return "CAST_FLOOR";
        case RoundMode::CAST_CEIL: return "CAST_CEIL";
        case RoundMode::CAST_ROUND: return "CAST_ROUND";
        case RoundMode::CAST_TRUNC: return "CAST_TRUNC";
        case RoundMode::CAST_ODD: return "CAST_ODD";
        default: return "UNKNOWN";
    }
}

constexpr uint32_t M(RoundMode m) { return 1u << static_cast<uint32_t>(m); }
constexpr uint32_t kNone = M(RoundMode::CAST_NONE);
constexpr uint32_t kR5 = M(RoundMode::CAST_RINT) | M(RoundMode::CAST_FLOOR) | M(RoundMode::CAST_CEIL) |
                         M(RoundMode::CAST_ROUND) | M(RoundMode::CAST_TRUNC);
constexpr uint32_t kN6 = kNone | kR5;
constexpr uint32_t kAll7 = kN6 | M(RoundMode::CAST_ODD);

// Allowed round modes of the A2 pair src S -> dst D (0 = pair unsupported).
template <typename D, typename S> constexpr uint32_t CastModes() {
    if constexpr ((std::is_same_v<S, half> && std::is_same_v<D, float>) ||
                  (std::is_same_v<S, bfloat16_t> && std::is_same_v<D, float>) ||
                  (OneOf<S, int8_t, uint8_t> && std::is_same_v<D, half>) ||
                  (std::is_same_v<S, int16_t> && std::is_same_v<D, float>) ||
                  (std::is_same_v<S, int32_t> && OneOf<D, int16_t, int64_t>) ||
                  (std::is_same_v<S, int64_t> && std::is_same_v<D, int32_t>)) {
        return kNone;
    } else if constexpr ((std::is_same_v<S, half> && OneOf<D, int8_t, uint8_t>) ||
                         (std::is_same_v<S, int16_t> && std::is_same_v<D, half>) ||
                         (std::is_same_v<S, int32_t> && std::is_same_v<D, float>)) {
        return kN6;
    } else if constexpr ((std::is_same_v<S, half> && OneOf<D, int16_t, int32_t>) ||
                         (std::is_same_v<S, bfloat16_t> && std::is_same_v<D, int32_t>) ||
                         (std::is_same_v<S, float> && OneOf<D, int16_t, int32_t, int64_t, bfloat16_t, float>) ||
                         (std::is_same_v<S, int64_t> && std::is_same_v<D, float>)) {
        return kR5;
    } else if constexpr (std::is_same_v<S, float> && std::is_same_v<D, half>) {
        return kAll7;
    } else {
        return 0;
    }
}

template <typename T> struct FloatFormat;
template <> struct FloatFormat<float> {
    using Bits = uint32_t;
    static Bits ToBits(float v) { return cpu_sim::FloatBits(v); }
    static float FromBits(Bits b) { return cpu_sim::BitsFloat(b); }
    static long double Value(float v) { return v; }
    static float Nearest(long double v) { return static_cast<float>(v); }
    static constexpr Bits kMax = 0x7f7fffffu;
};
template <> struct FloatFormat<half> {
    using Bits = uint16_t;
    static Bits ToBits(half v) { return v.bits; }
    static half FromBits(Bits b) { return half::FromBits(b); }
    static long double Value(half v) { return static_cast<float>(v); }
    static half Nearest(long double v) { return half(static_cast<float>(v)); }  // v exact in float
    static constexpr Bits kMax = 0x7bff;
};
template <> struct FloatFormat<bfloat16_t> {
    using Bits = uint16_t;
    static Bits ToBits(bfloat16_t v) { return v.bits; }
    static bfloat16_t FromBits(Bits b) { return bfloat16_t::FromBits(b); }
    static long double Value(bfloat16_t v) { return static_cast<float>(v); }
    static bfloat16_t Nearest(long double v) { return bfloat16_t(static_cast<float>(v)); }
    static constexpr Bits kMax = 0x7f7f;
};

template <typename B> constexpr B SignBit() { return static_cast<B>(B(1) << (sizeof(B) * 8 - 1)); }
template <typename B> B NextUp(B b) {
    if (b == 0 || b == SignBit<B>()) return 1;
    return (b & SignBit<B>()) ? static_cast<B>(b - 1) : static_cast<B>(b + 1);
}
template <typename B> B NextDown(B b) {
    if (b == 0 || b == SignBit<B>()) return static_cast<B>(SignBit<B>() | 1);
    return (b & SignBit<B>()) ? static_cast<B>(b + 1) : static_cast<B>(b - 1);
}

template <typename S> long double ExactValue(S v) {
    if constexpr (IsLowFloat<S>) return static_cast<float>(v);
    else return static_cast<long double>(v);
}

// Exact value v -> floating format D with the given mode, IEEE 754 overflow: nearest modes give
// inf, modes toward zero the largest finite value. Cast then applies CTRL[48] saturation to a
// half/bf16 dst (SaturateLowFloat; off unless the launch's float overflow mode is saturation, ctrl.h).
template <typename D> D RoundToFloat(long double v, RoundMode mode) {
    using F = FloatFormat<D>;
    using B = typename F::Bits;
    if (std::isnan(v) || std::isinf(v)) return F::Nearest(v);
    const D n = F::Nearest(v);
    const B nb = F::ToBits(n);
    const long double nv = F::Value(n);
    B result;
    if (nv == v) {
        result = nb;
    } else {
        const B up = nv > v ? nb : NextUp(nb);
        const B down = nv > v ? NextDown(nb) : nb;
        const long double dUp = F::Value(F::FromBits(up)) - v, dDown = v - F::Value(F::FromBits(down));
        switch (mode) {
            case RoundMode::CAST_FLOOR: result = down; break;
            case RoundMode::CAST_CEIL: result = up; break;
            case RoundMode::CAST_TRUNC: result = v > 0 ? down : up; break;
            case RoundMode::CAST_ODD: result = (up & 1u) ? up : down; break;
            case RoundMode::CAST_ROUND:
                if (std::isinf(nv)) { result = nb; break; }  // beyond max + ulp/2
                result = dUp < dDown ? up : dDown < dUp ? down : (v > 0 ? up : down);
                break;
            default:  // RINT, NONE
                if (std::isinf(nv)) { result = nb; break; }  // beyond max + ulp/2
                result = dUp < dDown ? up : dDown < dUp ? down : ((up & 1u) ? down : up);
                break;
        }
    }
    return F::FromBits(result);
}

template <typename D> D RoundToInt(long double v, RoundMode mode) {
    if (std::isnan(v)) return 0;
    long double r;
    switch (mode) {
        case RoundMode::CAST_FLOOR: r = std::floor(v); break;
        case RoundMode::CAST_CEIL: r = std::ceil(v); break;
        case RoundMode::CAST_TRUNC: r = std::trunc(v); break;
        case RoundMode::CAST_ROUND: r = std::round(v); break;
        default: r = std::nearbyint(v); break;
    }
    const long double lo = static_cast<long double>(std::numeric_limits<D>::min());
    const long double hi = static_cast<long double>(std::numeric_limits<D>::max());
    if (r <= lo) return std::numeric_limits<D>::min();
    if (r >= hi) return std::numeric_limits<D>::max();
    return static_cast<D>(r);
}

template <typename D, typename S> D CastOne(S s, RoundMode mode) {
    const long double v = ExactValue(s);
    if constexpr (std::is_same_v<D, float> && std::is_same_v<S, float>) {
        switch (mode) {  // float -> float rounds to an integral value
            case RoundMode::CAST_FLOOR: return std::floor(s);
            case RoundMode::CAST_CEIL: return std::ceil(s);
            case RoundMode::CAST_TRUNC: return std::trunc(s);
            case RoundMode::CAST_ROUND: return std::round(s);
            default: return std::nearbyint(s);
        }
    } else if constexpr (IsLowFloat<D> || std::is_same_v<D, float>) {
        return RoundToFloat<D>(v, mode);
    } else {
        return RoundToInt<D>(v, mode);
    }
}

}  // namespace sim_detail

// dst (T) <- src (U). Pair and mode must be in the A2 table (else the device writes nothing).
template <typename T, typename U>
void Cast(const LocalTensor<T>& dst, const LocalTensor<U>& src, const RoundMode& roundMode, const uint32_t count) {
    const char* api = "Cast";
    constexpr uint32_t modes = sim_detail::CastModes<T, U>();
    if (modes == 0) {
        cpu_sim::Fail(cpu_sim::Format("Cast: %s -> %s is not a supported pair on A2 (the device writes nothing)",
                                      sim_detail::TypeName<U>(), sim_detail::TypeName<T>()));
    }
    if (static_cast<uint32_t>(roundMode) > 6 || !(modes & sim_detail::M(roundMode))) {
        cpu_sim::Fail(cpu_sim::Format("Cast: %s -> %s does not support %s on A2 (the device writes nothing)",
                                      sim_detail::TypeName<U>(), sim_detail::TypeName<T>(),
                                      sim_detail::RoundModeName(roundMode)));
    }
    if (count == 0) return;
    dst.SimCheck(api, "dst", count);
    src.SimCheck(api, "src", count);
    const uint64_t dBytes = static_cast<uint64_t>(count) * sizeof(T), sBytes = static_cast<uint64_t>(count) * sizeof(U);
    sim_detail::CheckOverlap(api, dst.GetPhyAddr(), dBytes, src.GetPhyAddr(), sBytes);
    cpu_sim::HazardRead(api, src.GetPhyAddr(), sBytes, cpu_sim::PIPE_BIT_V);
    T* d = dst.GetPhyAddr();
    const U* s = src.GetPhyAddr();
    const RoundMode mode = roundMode;
    if constexpr (std::is_same_v<T, float> && sim_detail::IsLowFloat<U>) {
        for (uint32_t i = 0; i < count; ++i) d[i] = static_cast<float>(s[i]);
    } else {
        // Walk backwards when dst overlaps src at the same start with a wider dst type.
        if (sizeof(T) > sizeof(U)) {
            for (uint32_t i = count; i-- > 0;) d[i] = sim_detail::CastOne<T, U>(s[i], mode);
        } else {
            for (uint32_t i = 0; i < count; ++i) d[i] = sim_detail::CastOne<T, U>(s[i], mode);
        }
    }
    sim_detail::SaturateLowFloat(d, count);  // a half/bf16 dst under CTRL[48] saturation
    cpu_sim::HazardWrite(api, d, dBytes, cpu_sim::PIPE_BIT_V);
    cpu_sim::CountInstr(api, cpu_sim::Repeats(count, sizeof(T) > sizeof(U) ? sizeof(T) : sizeof(U)), sizeof(float),
                        cpu_sim::CastAccess(cpu_sim::UbOffset(d), cpu_sim::UbOffset(s), count, sizeof(T), sizeof(U)));
}

// Scalar Cast<src T, dst U, mode>: float -> half (CAST_ODD) and float -> int32 (ROUND/CEIL/FLOOR/RINT).
template <typename T, typename U, RoundMode roundMode> U Cast(T valueIn) {
    static_assert(std::is_same_v<T, float> &&
                      ((std::is_same_v<U, half> && roundMode == RoundMode::CAST_ODD) ||
                       (std::is_same_v<U, int32_t> &&
                        (roundMode == RoundMode::CAST_ROUND || roundMode == RoundMode::CAST_CEIL ||
                         roundMode == RoundMode::CAST_FLOOR || roundMode == RoundMode::CAST_RINT))),
                  "Cast<T, U, mode>: only float->half CAST_ODD and float->int32 ROUND/CEIL/FLOOR/RINT");
    return sim_detail::CastOne<U, T>(valueIn, roundMode);
}

}  // namespace AscendC
