// Device keywords, built-in types (half, bfloat16_t), enums and constants of the Ascend C API.
#pragma once

#include <cstdint>
#include <cstring>

#define __global__
#define __aicore__
#define __gm__
#define __ubuf__
#define GM_ADDR __gm__ uint8_t*

// Compiler built-ins on the device: pipes and event ids.
enum pipe_t : uint8_t {
    PIPE_S = 0, PIPE_V, PIPE_M, PIPE_MTE1, PIPE_MTE2, PIPE_MTE3, PIPE_ALL, PIPE_MTE4, PIPE_MTE5,
    PIPE_V2, PIPE_FIX
};
enum event_t : uint8_t {
    EVENT_ID0 = 0, EVENT_ID1, EVENT_ID2, EVENT_ID3, EVENT_ID4, EVENT_ID5, EVENT_ID6, EVENT_ID7
};

enum KernelMetaType : uint8_t {
    KERNEL_TYPE_AIV_ONLY, KERNEL_TYPE_AIC_ONLY, KERNEL_TYPE_MIX_AIV_1_0, KERNEL_TYPE_MIX_AIC_1_0,
    KERNEL_TYPE_MIX_AIC_1_1, KERNEL_TYPE_MIX_AIC_1_2, KERNEL_TYPE_AICORE, KERNEL_TYPE_VECTORCORE,
    KERNEL_TYPE_MIX_AICORE, KERNEL_TYPE_MIX_VECTOR_CORE, KERNEL_TYPE_MAX
};

namespace cpu_sim {
void SetKernelType(KernelMetaType type);
}
#define KERNEL_TASK_TYPE_DEFAULT(value) ::cpu_sim::SetKernelType(value)

namespace cpu_sim {
inline uint32_t FloatBits(float f) { uint32_t u; std::memcpy(&u, &f, 4); return u; }
inline float BitsFloat(uint32_t u) { float f; std::memcpy(&f, &u, 4); return f; }

// float -> binary16, round to nearest even, subnormals, inf/NaN kept (NaN -> quiet 0x7e00).
inline uint16_t FloatToHalfBits(float value) {
    uint32_t x = FloatBits(value);
    const uint32_t sign = x & 0x80000000u;
    x ^= sign;
    uint16_t out;
    if (x >= ((127u + 16u) << 23)) {
        out = x > (255u << 23) ? 0x7e00 : 0x7c00;
    } else if (x < (113u << 23)) {  // result is subnormal or zero: let the FPU round (RNE)
        const uint32_t magic = ((127u - 15u) + (23u - 10u) + 1u) << 23;
        out = static_cast<uint16_t>(FloatBits(BitsFloat(x) + BitsFloat(magic)) - magic);
    } else {
        const uint32_t mantOdd = (x >> 13) & 1u;
        x += ((uint32_t)(15 - 127) << 23) + 0xfffu + mantOdd;
        out = static_cast<uint16_t>(x >> 13);
    }
    return static_cast<uint16_t>(out | (sign >> 16));
}

inline float HalfBitsToFloat(uint16_t h) {
    const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
    const uint32_t exp = (h >> 10) & 0x1fu;
    const uint32_t mant = h & 0x3ffu;
    if (exp == 0) {
        const float v = static_cast<float>(mant) * 5.9604644775390625e-8f;  // 2^-24, exact
        return BitsFloat(FloatBits(v) | sign);
    }
    if (exp == 31) return BitsFloat(sign | 0x7f800000u | (mant << 13));
    return BitsFloat(sign | ((exp + 112u) << 23) | (mant << 13));
}

// float -> bfloat16, round to nearest even; NaN -> 0x7fff (as AscendC::Cast(float)).
inline uint16_t FloatToBf16Bits(float value) {
    const uint32_t x = FloatBits(value);
    if ((x & 0x7fffffffu) > 0x7f800000u) return 0x7fff;
    return static_cast<uint16_t>((x + 0x7fffu + ((x >> 16) & 1u)) >> 16);
}
inline float Bf16BitsToFloat(uint16_t b) { return BitsFloat(static_cast<uint32_t>(b) << 16); }
}  // namespace cpu_sim

// IEEE binary16: initialises from literals, converts to float implicitly.
struct half {
    uint16_t bits;
    half() = default;
    half(float f) : bits(cpu_sim::FloatToHalfBits(f)) {}
    half(double d) : bits(cpu_sim::FloatToHalfBits(static_cast<float>(d))) {}
    half(int i) : bits(cpu_sim::FloatToHalfBits(static_cast<float>(i))) {}
    operator float() const { return cpu_sim::HalfBitsToFloat(bits); }
    static half FromBits(uint16_t b) { half h; h.bits = b; return h; }
};

// bfloat16: constructed only explicitly (device: via AscendC::Cast(float)).
struct bfloat16_t {
    uint16_t bits;
    bfloat16_t() = default;
    explicit bfloat16_t(float f) : bits(cpu_sim::FloatToBf16Bits(f)) {}
    explicit operator float() const { return cpu_sim::Bf16BitsToFloat(bits); }
    static bfloat16_t FromBits(uint16_t b) { bfloat16_t v; v.bits = b; return v; }
};

namespace AscendC {

enum class TPosition : uint8_t {
    GM, A1, A2, B1, B2, C1, C2, CO1, CO2, VECIN, VECOUT, VECCALC, LCM = VECCALC, SPM, SHM = SPM,
    TSCM, C2PIPE2GM, C2PIPE2LOCAL, MAX
};
using QuePosition = TPosition;

enum class RoundMode : uint8_t {
    CAST_NONE = 0, CAST_RINT, CAST_FLOOR, CAST_CEIL, CAST_ROUND, CAST_TRUNC, CAST_ODD, UNKNOWN = 0xFF
};
enum class CMPMODE : uint8_t { LT = 0, GT, EQ, LE, GE, NE };
enum class SELMODE : uint8_t { VSEL_CMPMASK_SPR = 0, VSEL_TENSOR_SCALAR_MODE, VSEL_TENSOR_TENSOR_MODE };
enum class HardEvent : uint8_t {
    MTE2_MTE1, MTE1_MTE2, MTE1_M, M_MTE1, MTE2_V, V_MTE2, MTE3_V, V_MTE3, M_V, V_M, V_V,
    MTE3_MTE1, MTE1_MTE3, MTE1_V, MTE2_M, M_MTE2, V_MTE1, M_FIX, FIX_M, MTE3_MTE2, MTE2_MTE3,
    S_V, V_S, S_MTE2, MTE2_S, S_MTE3, MTE3_S, MTE2_FIX, FIX_MTE2, FIX_S, M_S, FIX_MTE3, MTE1_FIX,
    FIX_MTE1, FIX_FIX, MAX
};
enum class CacheMode { CACHE_MODE_DISABLE = 0, CACHE_MODE_NORMAL = 1, CACHE_MODE_LAST = 2, CACHE_MODE_PERSISTENT = 4 };
enum class CacheRwMode { READ = 1, WRITE = 2, RW = 3 };

using TEventID = int8_t;

constexpr int32_t ONE_BLK_SIZE = 32;
constexpr int32_t ONE_REPEAT_BYTE_SIZE = 256;
constexpr int32_t MAX_REPEAT_TIMES = 255;
constexpr uint32_t TOTAL_UB_SIZE = 192 * 1024;
constexpr uint32_t TMP_UB_OFFSET = 184 * 1024;
constexpr int32_t QBUF_MAX_LEN = 64;
constexpr int32_t QUE_MAX_EVENT = 8;

template <typename T> struct PrimTImpl { using Type = T; };
template <typename T> using PrimT = typename PrimTImpl<T>::Type;

// Scalar conversions (kernel_operator_scalar_intf.h).
inline bfloat16_t Cast(const float& fVal) { return bfloat16_t(fVal); }
inline float Cast(const bfloat16_t& bVal) { return static_cast<float>(bVal); }

}  // namespace AscendC
