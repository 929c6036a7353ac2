// Helpers for the self-test kernels: tiling fields and one-tile copy-in/compute/copy-out.
#pragma once

#include "kernel_operator.h"

namespace cpu_sim_selftest {
using namespace AscendC;

// Tiling words: [0] n (elements), [1] float scalar, [2] mode, [3..] kernel specific.
// Checked reads: no tiling, or one too short, is a SimError instead of a wild read.
inline GM_ADDR TilingWord(GM_ADDR tiling, int i) {
    if (tiling == nullptr) {
        cpu_sim::Fail(cpu_sim::Format("self-test tiling: the kernel reads tiling word %d but no tiling was given", i));
    }
    cpu_sim::CheckGm("self-test tiling", tiling + 4 * i, 4);
    return tiling + 4 * i;
}
inline uint32_t TilingU32(GM_ADDR tiling, int i) { return *reinterpret_cast<__gm__ uint32_t*>(TilingWord(tiling, i)); }
inline float TilingF32(GM_ADDR tiling, int i) { return *reinterpret_cast<__gm__ float*>(TilingWord(tiling, i)); }

// The fp32 GM tensor of `n` elements at a kernel argument.
inline GlobalTensor<float> FloatGm(GM_ADDR gm, uint32_t n) {
    GlobalTensor<float> t;
    t.SetGlobalBuffer(reinterpret_cast<__gm__ float*>(gm), n);
    return t;
}

template <typename T> T ScalarOf(float v) {
    if constexpr (std::is_same_v<T, bfloat16_t>) return AscendC::Cast(v);
    else if constexpr (std::is_same_v<T, half>) return half(v);
    else return static_cast<T>(v);
}

// Orders the event's destination pipe after its source pipe, with an id from the pipe's pool
// (the TQues hold ids of the same pool, so constants may collide with theirs).
template <HardEvent event> void Sync(TPipe& pipe) {
    const TEventID id = pipe.FetchEventID<event>();
    SetFlag<event>(id);
    WaitFlag<event>(id);
}

// Copies NIN inputs of n TIn elements into UB, runs compute(y, xs, n), copies y (n TOut) out.
template <typename TIn, typename TOut, int NIN, typename F>
void OneTile(GM_ADDR const* in, GM_ADDR out, uint32_t n, F compute) {
    TPipe pipe;
    TQue<TPosition::VECIN, NIN> qin;
    TQue<TPosition::VECOUT, 1> qout;
    pipe.InitBuffer(qin, NIN, n * sizeof(TIn));
    pipe.InitBuffer(qout, 1, n * sizeof(TOut));
    LocalTensor<TIn> xs[NIN];
    for (int k = 0; k < NIN; ++k) {
        GlobalTensor<TIn> g;
        g.SetGlobalBuffer(reinterpret_cast<__gm__ TIn*>(in[k]), n);
        LocalTensor<TIn> t = qin.template AllocTensor<TIn>();
        DataCopy(t, g, n);
        qin.EnQue(t);
    }
    for (int k = 0; k < NIN; ++k) xs[k] = qin.template DeQue<TIn>();
    LocalTensor<TOut> y = qout.template AllocTensor<TOut>();
    compute(y, xs, n);
    qout.EnQue(y);
    y = qout.template DeQue<TOut>();
    GlobalTensor<TOut> gy;
    gy.SetGlobalBuffer(reinterpret_cast<__gm__ TOut*>(out), n);
    DataCopy(gy, y, n);
    qout.FreeTensor(y);
    for (int k = 0; k < NIN; ++k) qin.FreeTensor(xs[k]);
}

}  // namespace cpu_sim_selftest
