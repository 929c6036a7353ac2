// Self-test kernels: Gather (count form), CreateVecIndex (count form), ReduceRepeat<SUM>.
#include "st_common.h"

namespace cpu_sim_selftest {

namespace {
template <typename T> void CopyIn(TPipe& pipe, TBuf<TPosition::VECCALC>& buf, GM_ADDR gm, uint32_t n) {
    GlobalTensor<T> g;
    g.SetGlobalBuffer(reinterpret_cast<__gm__ T*>(gm), n);
    DataCopy(buf.Get<T>(), g, n);
    Sync<HardEvent::MTE2_V>(pipe);
}
template <typename T> void CopyOut(TPipe& pipe, const LocalTensor<T>& src, GM_ADDR gm, uint32_t n) {
    Sync<HardEvent::V_MTE3>(pipe);
    GlobalTensor<T> g;
    g.SetGlobalBuffer(reinterpret_cast<__gm__ T*>(gm), n);
    DataCopy(g, src, n);
}
}  // namespace

// gm: src (srcN T), offsets (n uint32), out (n T); tiling [0] n, [2] srcN, [3] srcBaseOffset (bytes),
// [4] where dst is (all but 0 must fail): 0 out, 1 src itself, 2 the offsets, 3 the offsets from
// their second 32-B block (a partial overlap; n * 4 bytes of offsets hold it for a 16-bit T).
template <typename T> void GatherKernel(GM_ADDR* gm, GM_ADDR tiling) {
    const uint32_t n = TilingU32(tiling, 0);
    const uint32_t srcN = TilingU32(tiling, 2);
    const uint32_t base = TilingU32(tiling, 3);
    const uint32_t dstAt = TilingU32(tiling, 4);
    TPipe pipe;
    TBuf<TPosition::VECCALC> src, offsets, out;
    pipe.InitBuffer(src, srcN * sizeof(T));
    pipe.InitBuffer(offsets, n * sizeof(uint32_t));
    pipe.InitBuffer(out, n * sizeof(T));
    CopyIn<T>(pipe, src, gm[0], srcN);
    CopyIn<uint32_t>(pipe, offsets, gm[1], n);
    constexpr uint32_t blockElems = ONE_BLK_SIZE / sizeof(T);
    const LocalTensor<T> dsts[] = {out.Get<T>(), src.Get<T>(), offsets.Get<T>(), offsets.Get<T>()[blockElems]};
    const LocalTensor<T> dst = dsts[dstAt];
    Gather(dst, src.Get<T>(), offsets.Get<uint32_t>(), base, n);
    CopyOut<T>(pipe, out.Get<T>(), gm[2], n);
}
void st_Gather_f32(GM_ADDR* gm, GM_ADDR tiling) { GatherKernel<float>(gm, tiling); }
void st_Gather_f16(GM_ADDR* gm, GM_ADDR tiling) { GatherKernel<half>(gm, tiling); }

// gm: out (outN T, a whole number of 32-B blocks); tiling [0] n, [1] first value (float), [2] outN.
template <typename T> void CreateVecIndexKernel(GM_ADDR* gm, GM_ADDR tiling) {
    const uint32_t n = TilingU32(tiling, 0);
    const uint32_t outN = TilingU32(tiling, 2);
    TPipe pipe;
    TBuf<TPosition::VECCALC> out;
    pipe.InitBuffer(out, outN * sizeof(T));
    const T first = static_cast<T>(TilingF32(tiling, 1));
    CreateVecIndex(out.Get<T>(), first, n);
    CopyOut<T>(pipe, out.Get<T>(), gm[0], outN);
}
void st_CreateVecIndex_f32(GM_ADDR* gm, GM_ADDR tiling) { CreateVecIndexKernel<float>(gm, tiling); }
void st_CreateVecIndex_i32(GM_ADDR* gm, GM_ADDR tiling) { CreateVecIndexKernel<int32_t>(gm, tiling); }

// gm: x (srcN T), y (32 B of T, then one element per repeat at dstRepStride); tiling [0] mask,
// [2] repeatTime, [3] srcRepStride, [4] dstRepStride, [5] srcN, [6] y elements, [7] dst element offset.
template <typename T> void ReduceRepeatKernel(GM_ADDR* gm, GM_ADDR tiling) {
    const int32_t mask = static_cast<int32_t>(TilingU32(tiling, 0));
    const int32_t repeats = static_cast<int32_t>(TilingU32(tiling, 2));
    const int32_t srcRepStride = static_cast<int32_t>(TilingU32(tiling, 3));
    const int32_t dstRepStride = static_cast<int32_t>(TilingU32(tiling, 4));
    const uint32_t srcN = TilingU32(tiling, 5);
    const uint32_t outN = TilingU32(tiling, 6);
    const uint32_t dstOffset = TilingU32(tiling, 7);
    TPipe pipe;
    TBuf<TPosition::VECCALC> src, out;
    pipe.InitBuffer(src, srcN * sizeof(T));
    pipe.InitBuffer(out, outN * sizeof(T));
    CopyIn<T>(pipe, src, gm[0], srcN);
    Duplicate(out.Get<T>(), ScalarOf<T>(0.0f), static_cast<int32_t>(outN));
    ReduceRepeat<ReduceType::SUM, T, T>(out.Get<T>()[dstOffset], src.Get<T>(), mask, repeats, dstRepStride, 1,
                                        srcRepStride);
    CopyOut<T>(pipe, out.Get<T>(), gm[1], outN);
}
void st_ReduceRepeat_f32(GM_ADDR* gm, GM_ADDR tiling) { ReduceRepeatKernel<float>(gm, tiling); }
void st_ReduceRepeat_f16(GM_ADDR* gm, GM_ADDR tiling) { ReduceRepeatKernel<half>(gm, tiling); }

// ReduceRepeat's partial then read by the scalar unit with no V_S: must be caught as a race.
// gm: x (64 f32), y (8 f32).
void st_ReduceRepeat_scalar_race(GM_ADDR* gm, GM_ADDR tiling) {
    (void)tiling;
    TPipe pipe;
    TBuf<TPosition::VECCALC> src, out;
    pipe.InitBuffer(src, 64 * sizeof(float));
    pipe.InitBuffer(out, 8 * sizeof(float));
    CopyIn<float>(pipe, src, gm[0], 64);
    ReduceRepeat<ReduceType::SUM, float, float>(out.Get<float>(), src.Get<float>(), 64, 1, 1, 1, 8);
    const float v = out.Get<float>().GetValue(0);
    out.Get<float>().SetValue(1, v);
    CopyOut<float>(pipe, out.Get<float>(), gm[1], 8);
}

}  // namespace cpu_sim_selftest
