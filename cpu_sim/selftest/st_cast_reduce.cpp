// Self-test kernels: Cast (every A2 pair, mode from tiling), ReduceSum, Compare(s), Select.
#include "st_common.h"

namespace cpu_sim_selftest {

// gm: x (n S), y (n D); tiling: [0] n, [2] RoundMode, [3] CTRL[48] for the Cast: 0 the launch's,
// 1 saturation, 2 non-saturation; [4] 1 = the launch's mode not given back (refused at kernel end).
template <typename D, typename S> void CastKernel(GM_ADDR* gm, GM_ADDR tiling) {
    const RoundMode mode = static_cast<RoundMode>(TilingU32(tiling, 2));
    const bool launchMode = GetSaturationFlag<SaturationMode::FLOAT>();
    if (TilingU32(tiling, 3) != 0) {
        SetSaturationFlag<SaturationMode::FLOAT>(TilingU32(tiling, 3) == 1);
    }
    OneTile<S, D, 1>(gm, gm[1], TilingU32(tiling, 0),
                     [mode](LocalTensor<D>& y, LocalTensor<S>* x, uint32_t n) { Cast(y, x[0], mode, n); });
    if (TilingU32(tiling, 4) != 1) {
        SetSaturationFlag<SaturationMode::FLOAT>(launchMode);
    }
}

#define ST_CAST(SNAME, S, DNAME, D) \
    void st_Cast_##SNAME##_##DNAME(GM_ADDR* gm, GM_ADDR tiling) { CastKernel<D, S>(gm, tiling); }
ST_CAST(f16, half, f32, float)
ST_CAST(bf16, bfloat16_t, f32, float)
ST_CAST(i8, int8_t, f16, half)
ST_CAST(u8, uint8_t, f16, half)
ST_CAST(i16, int16_t, f32, float)
ST_CAST(i32, int32_t, i16, int16_t)
ST_CAST(i32, int32_t, i64, int64_t)
ST_CAST(i64, int64_t, i32, int32_t)
ST_CAST(f16, half, i8, int8_t)
ST_CAST(f16, half, u8, uint8_t)
ST_CAST(i16, int16_t, f16, half)
ST_CAST(i32, int32_t, f32, float)
ST_CAST(f16, half, i16, int16_t)
ST_CAST(f16, half, i32, int32_t)
ST_CAST(bf16, bfloat16_t, i32, int32_t)
ST_CAST(f32, float, i16, int16_t)
ST_CAST(f32, float, i32, int32_t)
ST_CAST(f32, float, i64, int64_t)
ST_CAST(f32, float, bf16, bfloat16_t)
ST_CAST(f32, float, f32, float)
ST_CAST(i64, int64_t, f32, float)
ST_CAST(f32, float, f16, half)
ST_CAST(f32, float, i8, int8_t)  // not an A2 pair: must fail at run time
#undef ST_CAST

// gm: x (n T), y (32 B: y[0] = sum); tiling [0] n.
template <typename T> void ReduceSumKernel(GM_ADDR* gm, GM_ADDR tiling) {
    const uint32_t n = TilingU32(tiling, 0);
    const uint32_t outN = 32 / sizeof(T);
    TPipe pipe;
    TQue<TPosition::VECIN, 1> qin;
    TQue<TPosition::VECOUT, 1> qout;
    TBuf<TPosition::VECCALC> tmp;
    pipe.InitBuffer(qin, 1, n * sizeof(T));
    pipe.InitBuffer(qout, 1, 32);
    pipe.InitBuffer(tmp, n * sizeof(T));
    GlobalTensor<T> gx, gy;
    gx.SetGlobalBuffer(reinterpret_cast<__gm__ T*>(gm[0]), n);
    gy.SetGlobalBuffer(reinterpret_cast<__gm__ T*>(gm[1]), outN);
    LocalTensor<T> x = qin.AllocTensor<T>();
    DataCopy(x, gx, n);
    qin.EnQue(x);
    x = qin.DeQue<T>();
    LocalTensor<T> y = qout.AllocTensor<T>();
    Duplicate(y, ScalarOf<T>(0.0f), outN);
    ReduceSum(y, x, tmp.Get<T>(), n);
    qout.EnQue(y);
    y = qout.DeQue<T>();
    DataCopy(gy, y, outN);
    qout.FreeTensor(y);
    qin.FreeTensor(x);
}
void st_ReduceSum_f32(GM_ADDR* gm, GM_ADDR tiling) { ReduceSumKernel<float>(gm, tiling); }
void st_ReduceSum_f16(GM_ADDR* gm, GM_ADDR tiling) { ReduceSumKernel<half>(gm, tiling); }

// gm: a, b (n T), mask (n/8 uint8); tiling [0] n, [1] scalar, [2] CMPMODE, [3] 1 = Compares.
template <typename T> void CompareKernel(GM_ADDR* gm, GM_ADDR tiling) {
    const uint32_t n = TilingU32(tiling, 0);
    const CMPMODE mode = static_cast<CMPMODE>(TilingU32(tiling, 2));
    const bool scalar = TilingU32(tiling, 3) != 0;
    const T s = ScalarOf<T>(TilingF32(tiling, 1));
    TPipe pipe;
    TQue<TPosition::VECIN, 2> qin;
    TQue<TPosition::VECOUT, 1> qout;
    pipe.InitBuffer(qin, 2, n * sizeof(T));
    pipe.InitBuffer(qout, 1, n / 8);
    GlobalTensor<T> ga, gb;
    GlobalTensor<uint8_t> gm8;
    ga.SetGlobalBuffer(reinterpret_cast<__gm__ T*>(gm[0]), n);
    gb.SetGlobalBuffer(reinterpret_cast<__gm__ T*>(gm[1]), n);
    gm8.SetGlobalBuffer(reinterpret_cast<__gm__ uint8_t*>(gm[2]), n / 8);
    LocalTensor<T> a = qin.AllocTensor<T>();
    DataCopy(a, ga, n);
    qin.EnQue(a);
    LocalTensor<T> b = qin.AllocTensor<T>();
    DataCopy(b, gb, n);
    qin.EnQue(b);
    a = qin.DeQue<T>();
    b = qin.DeQue<T>();
    LocalTensor<uint8_t> m = qout.AllocTensor<uint8_t>();
    if (scalar) {
        Compares(m, a, s, mode, n);
    } else {
        Compare(m, a, b, mode, n);
    }
    qout.EnQue(m);
    m = qout.DeQue<uint8_t>();
    DataCopyPad(gm8, m, DataCopyExtParams(1, n / 8, 0, 0, 0));
    qout.FreeTensor(m);
    qin.FreeTensor(a);
    qin.FreeTensor(b);
}
void st_Compare_f32(GM_ADDR* gm, GM_ADDR tiling) { CompareKernel<float>(gm, tiling); }
void st_Compare_f16(GM_ADDR* gm, GM_ADDR tiling) { CompareKernel<half>(gm, tiling); }

// gm: mask (uint8), a, b (n T), out (n T); tiling [0] n, [1] scalar, [2] SELMODE.
template <typename T> void SelectKernel(GM_ADDR* gm, GM_ADDR tiling) {
    const uint32_t n = TilingU32(tiling, 0);
    const SELMODE mode = static_cast<SELMODE>(TilingU32(tiling, 2));
    const T s = ScalarOf<T>(TilingF32(tiling, 1));
    const uint32_t maskBytes = (n / 8 + 31) / 32 * 32;
    TPipe pipe;
    TQue<TPosition::VECIN, 3> qin;
    TQue<TPosition::VECOUT, 1> qout;
    pipe.InitBuffer(qin, 3, n * sizeof(T) > maskBytes ? n * sizeof(T) : maskBytes);
    pipe.InitBuffer(qout, 1, n * sizeof(T));
    GlobalTensor<uint8_t> gmask;
    GlobalTensor<T> ga, gb, gout;
    gmask.SetGlobalBuffer(reinterpret_cast<__gm__ uint8_t*>(gm[0]), maskBytes);
    ga.SetGlobalBuffer(reinterpret_cast<__gm__ T*>(gm[1]), n);
    gb.SetGlobalBuffer(reinterpret_cast<__gm__ T*>(gm[2]), n);
    gout.SetGlobalBuffer(reinterpret_cast<__gm__ T*>(gm[3]), n);
    LocalTensor<uint8_t> m = qin.AllocTensor<uint8_t>();
    DataCopy(m, gmask, maskBytes);
    qin.EnQue(m);
    LocalTensor<T> a = qin.AllocTensor<T>();
    DataCopy(a, ga, n);
    qin.EnQue(a);
    LocalTensor<T> b = qin.AllocTensor<T>();
    DataCopy(b, gb, n);
    qin.EnQue(b);
    m = qin.DeQue<uint8_t>();
    a = qin.DeQue<T>();
    b = qin.DeQue<T>();
    LocalTensor<T> y = qout.AllocTensor<T>();
    if (mode == SELMODE::VSEL_TENSOR_SCALAR_MODE) {
        Select(y, m, a, s, mode, n);
    } else {
        Select(y, m, a, b, mode, n);
    }
    qout.EnQue(y);
    y = qout.DeQue<T>();
    DataCopy(gout, y, n);
    qout.FreeTensor(y);
    qin.FreeTensor(m);
    qin.FreeTensor(a);
    qin.FreeTensor(b);
}
void st_Select_f32(GM_ADDR* gm, GM_ADDR tiling) { SelectKernel<float>(gm, tiling); }
void st_Select_f16(GM_ADDR* gm, GM_ADDR tiling) { SelectKernel<half>(gm, tiling); }

}  // namespace cpu_sim_selftest
