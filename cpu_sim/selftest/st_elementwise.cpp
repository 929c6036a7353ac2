// Self-test kernels: unary, binary, tensor-scalar ops, Duplicate and Axpy on one tile.
#include "st_common.h"

namespace cpu_sim_selftest {

template <typename T, void (*OP)(const LocalTensor<T>&, const LocalTensor<T>&, const int32_t&)>
void Unary(GM_ADDR* gm, GM_ADDR tiling) {
    OneTile<T, T, 1>(gm, gm[1], TilingU32(tiling, 0),
                     [](LocalTensor<T>& y, LocalTensor<T>* x, uint32_t n) { OP(y, x[0], n); });
}

template <typename T,
          void (*OP)(const LocalTensor<T>&, const LocalTensor<T>&, const LocalTensor<T>&, const int32_t&)>
void Binary(GM_ADDR* gm, GM_ADDR tiling) {
    OneTile<T, T, 2>(gm, gm[2], TilingU32(tiling, 0),
                     [](LocalTensor<T>& y, LocalTensor<T>* x, uint32_t n) { OP(y, x[0], x[1], n); });
}

template <typename T, void (*OP)(const LocalTensor<T>&, const LocalTensor<T>&, const T&, const int32_t&)>
void Scalar(GM_ADDR* gm, GM_ADDR tiling) {
    const T s = ScalarOf<T>(TilingF32(tiling, 1));
    OneTile<T, T, 1>(gm, gm[1], TilingU32(tiling, 0),
                     [s](LocalTensor<T>& y, LocalTensor<T>* x, uint32_t n) { OP(y, x[0], s, n); });
}

template <typename T> void Dup(GM_ADDR* gm, GM_ADDR tiling) {
    const T s = ScalarOf<T>(TilingF32(tiling, 1));
    OneTile<T, T, 1>(gm, gm[1], TilingU32(tiling, 0),
                     [s](LocalTensor<T>& y, LocalTensor<T>*, uint32_t n) { Duplicate(y, s, n); });
}

// out = y + scalar * x: inputs (y as T, x as U); Axpy accumulates into a copy of y.
template <typename T, typename U> void AxpyKernel(GM_ADDR* gm, GM_ADDR tiling) {
    const uint32_t n = TilingU32(tiling, 0);
    const U s = ScalarOf<U>(TilingF32(tiling, 1));
    TPipe pipe;
    TQue<TPosition::VECIN, 1> qx;
    TQue<TPosition::VECIN, 1> qyIn;
    TQue<TPosition::VECOUT, 1> qy;
    pipe.InitBuffer(qx, 1, n * sizeof(U));
    pipe.InitBuffer(qyIn, 1, n * sizeof(T));
    pipe.InitBuffer(qy, 1, n * sizeof(T));
    GlobalTensor<T> gy;
    GlobalTensor<U> gx;
    GlobalTensor<T> go;
    gy.SetGlobalBuffer(reinterpret_cast<__gm__ T*>(gm[0]), n);
    gx.SetGlobalBuffer(reinterpret_cast<__gm__ U*>(gm[1]), n);
    go.SetGlobalBuffer(reinterpret_cast<__gm__ T*>(gm[2]), n);
    LocalTensor<U> x = qx.AllocTensor<U>();
    DataCopy(x, gx, n);
    qx.EnQue(x);
    LocalTensor<T> yIn = qyIn.AllocTensor<T>();
    DataCopy(yIn, gy, n);
    qyIn.EnQue(yIn);
    x = qx.DeQue<U>();
    yIn = qyIn.DeQue<T>();
    LocalTensor<T> y = qy.AllocTensor<T>();
    Adds(y, yIn, ScalarOf<T>(0.0f), n);  // copy y into the output tile (exact)
    qyIn.FreeTensor(yIn);
    Axpy(y, x, s, n);
    qy.EnQue(y);
    y = qy.DeQue<T>();
    DataCopy(go, y, n);
    qy.FreeTensor(y);
    qx.FreeTensor(x);
}

#define ST_DTYPES_HF(X, OPNAME, KIND) X(OPNAME, KIND, float, f32) X(OPNAME, KIND, half, f16)
#define ST_DEF(OPNAME, KIND, T, SUF) \
    void st_##OPNAME##_##SUF(GM_ADDR* gm, GM_ADDR tiling) { KIND<T, &OPNAME<T>>(gm, tiling); }
ST_DTYPES_HF(ST_DEF, Exp, Unary)
ST_DTYPES_HF(ST_DEF, Ln, Unary)
ST_DTYPES_HF(ST_DEF, Abs, Unary)
ST_DTYPES_HF(ST_DEF, Sqrt, Unary)
ST_DTYPES_HF(ST_DEF, Reciprocal, Unary)
ST_DTYPES_HF(ST_DEF, Relu, Unary)
ST_DEF(Relu, Unary, int32_t, i32)
ST_DTYPES_HF(ST_DEF, Add, Binary)
ST_DTYPES_HF(ST_DEF, Sub, Binary)
ST_DTYPES_HF(ST_DEF, Mul, Binary)
ST_DTYPES_HF(ST_DEF, Div, Binary)
ST_DTYPES_HF(ST_DEF, Max, Binary)
ST_DTYPES_HF(ST_DEF, Min, Binary)
ST_DEF(Add, Binary, int32_t, i32)
ST_DEF(Add, Binary, int16_t, i16)
#undef ST_DEF
// Tensor-scalar ops have two templates (<T, isSetMask> and <T, U, isSetMask, ...>), so &Adds<T> is
// ambiguous, as with the real headers: name the first one by its isSetMask.
#define ST_DEF(OPNAME, KIND, T, SUF) \
    void st_##OPNAME##_##SUF(GM_ADDR* gm, GM_ADDR tiling) { KIND<T, &OPNAME<T, true>>(gm, tiling); }
ST_DTYPES_HF(ST_DEF, Adds, Scalar)
ST_DTYPES_HF(ST_DEF, Muls, Scalar)
ST_DTYPES_HF(ST_DEF, Maxs, Scalar)
ST_DTYPES_HF(ST_DEF, Mins, Scalar)
#undef ST_DEF
#undef ST_DTYPES_HF

void st_Duplicate_f32(GM_ADDR* gm, GM_ADDR tiling) { Dup<float>(gm, tiling); }
void st_Duplicate_f16(GM_ADDR* gm, GM_ADDR tiling) { Dup<half>(gm, tiling); }
void st_Duplicate_bf16(GM_ADDR* gm, GM_ADDR tiling) { Dup<bfloat16_t>(gm, tiling); }
void st_Duplicate_i32(GM_ADDR* gm, GM_ADDR tiling) { Dup<int32_t>(gm, tiling); }
void st_Axpy_f32(GM_ADDR* gm, GM_ADDR tiling) { AxpyKernel<float, float>(gm, tiling); }
void st_Axpy_f16(GM_ADDR* gm, GM_ADDR tiling) { AxpyKernel<half, half>(gm, tiling); }
void st_Axpy_f32_f16(GM_ADDR* gm, GM_ADDR tiling) { AxpyKernel<float, half>(gm, tiling); }

}  // namespace cpu_sim_selftest
