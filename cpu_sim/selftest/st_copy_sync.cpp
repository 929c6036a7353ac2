// Self-test kernels: DataCopyPad layouts, DataCopy params form, UB->UB copy, tensor accessors,
// atomic add and SetAtomicNone, SyncAll, SetFlag/WaitFlag.
#include "st_common.h"

namespace cpu_sim_selftest {

// gm: src (float GM), out (ubElems floats = the UB tile after the copy-in).
// tiling: [3] blockCount [4] blockLen B [5] srcStride B [6] dstStride blocks [7] isPad [8] left
// [9] right [10] pad value (float) [11] ubElems (UB tile pre-filled with -1).
void st_DataCopyPad_in_f32(GM_ADDR* gm, GM_ADDR tiling) {
    const uint32_t ubElems = TilingU32(tiling, 11);
    TPipe pipe;
    TQue<TPosition::VECIN, 1> q;
    pipe.InitBuffer(q, 1, ubElems * sizeof(float));
    GlobalTensor<float> src, out;
    src.SetGlobalBuffer(reinterpret_cast<__gm__ float*>(gm[0]));
    out.SetGlobalBuffer(reinterpret_cast<__gm__ float*>(gm[1]), ubElems);
    LocalTensor<float> t = q.AllocTensor<float>();
    Duplicate(t, -1.0f, ubElems);
    Sync<HardEvent::V_MTE2>(pipe);
    DataCopyExtParams p(static_cast<uint16_t>(TilingU32(tiling, 3)), TilingU32(tiling, 4), TilingU32(tiling, 5),
                        TilingU32(tiling, 6), 0);
    DataCopyPadExtParams<float> pad(TilingU32(tiling, 7) != 0, static_cast<uint8_t>(TilingU32(tiling, 8)),
                                    static_cast<uint8_t>(TilingU32(tiling, 9)), TilingF32(tiling, 10));
    DataCopyPad(t, src, p, pad);
    q.EnQue(t);
    t = q.DeQue<float>();
    Sync<HardEvent::MTE2_MTE3>(pipe);  // the copy-out reads what MTE2 wrote: DeQue only orders V
    DataCopy(out, t, ubElems);
    q.FreeTensor(t);
}

// gm: src (ubElems floats copied to UB), dst (float GM, pre-filled by the caller).
// tiling: [3] blockCount [4] blockLen B [5] srcStride blocks [6] dstStride B [11] ubElems.
void st_DataCopyPad_out_f32(GM_ADDR* gm, GM_ADDR tiling) {
    const uint32_t ubElems = TilingU32(tiling, 11);
    TPipe pipe;
    TQue<TPosition::VECOUT, 1> q;
    pipe.InitBuffer(q, 1, ubElems * sizeof(float));
    GlobalTensor<float> src, dst;
    src.SetGlobalBuffer(reinterpret_cast<__gm__ float*>(gm[0]), ubElems);
    dst.SetGlobalBuffer(reinterpret_cast<__gm__ float*>(gm[1]));
    LocalTensor<float> t = q.AllocTensor<float>();
    DataCopy(t, src, ubElems);
    q.EnQue(t);
    t = q.DeQue<float>();
    Sync<HardEvent::MTE2_MTE3>(pipe);  // a VECOUT EnQue/DeQue orders V before MTE3, not MTE2
    DataCopyPad(dst, t,
                DataCopyExtParams(static_cast<uint16_t>(TilingU32(tiling, 3)), TilingU32(tiling, 4),
                                  TilingU32(tiling, 5), TilingU32(tiling, 6), 0));
    q.FreeTensor(t);
}

// gm: src, dst (floats); DataCopyParams form both ways. tiling [3] blockCount [4] blockLen
// [5] srcStride [6] dstStride (32-B blocks), [11] ubElems.
void st_DataCopy_params_f32(GM_ADDR* gm, GM_ADDR tiling) {
    const uint32_t ubElems = TilingU32(tiling, 11);
    TPipe pipe;
    TQue<TPosition::VECIN, 1> q;
    pipe.InitBuffer(q, 1, ubElems * sizeof(float));
    GlobalTensor<float> src, dst;
    src.SetGlobalBuffer(reinterpret_cast<__gm__ float*>(gm[0]));
    dst.SetGlobalBuffer(reinterpret_cast<__gm__ float*>(gm[1]));
    DataCopyParams in(static_cast<uint16_t>(TilingU32(tiling, 3)), static_cast<uint16_t>(TilingU32(tiling, 4)),
                      static_cast<uint16_t>(TilingU32(tiling, 5)), 0);
    LocalTensor<float> t = q.AllocTensor<float>();
    DataCopy(t, src, in);
    q.EnQue(t);
    t = q.DeQue<float>();
    Sync<HardEvent::MTE2_MTE3>(pipe);
    DataCopyParams out(in.blockCount, in.blockLen, 0, static_cast<uint16_t>(TilingU32(tiling, 6)));
    DataCopy(dst, t, out);
    q.FreeTensor(t);
}

// In-place TQue::AllocTensor/DeQue, then DataCopy UB->UB in the DataCopyParams form (32-B units on both
// sides) into a TBuf pre-filled with -1. gm: src (n floats), dst (n floats); tiling: w0 = n,
// w3..w6 = blockCount, blockLen, srcStride, dstStride.
void st_DataCopy_params_ub_f32(GM_ADDR* gm, GM_ADDR tiling) {
    const uint32_t n = TilingU32(tiling, 0);
    TPipe pipe;
    TQue<TPosition::VECIN, 0> q;  // depth 0: the inplace forms
    TBuf<TPosition::VECCALC> buf;
    pipe.InitBuffer(q, 1, n * sizeof(float));
    pipe.InitBuffer(buf, n * sizeof(float));
    GlobalTensor<float> src, dst;
    src.SetGlobalBuffer(reinterpret_cast<__gm__ float*>(gm[0]), n);
    dst.SetGlobalBuffer(reinterpret_cast<__gm__ float*>(gm[1]), n);
    LocalTensor<float> u;
    q.AllocTensor(u);
    DataCopy(u, src, n);
    q.EnQue(u);
    q.DeQue(u);
    LocalTensor<float> b = buf.Get<float>();
    Duplicate(b, -1.0f, static_cast<int32_t>(n));
    DataCopyParams p(static_cast<uint16_t>(TilingU32(tiling, 3)), static_cast<uint16_t>(TilingU32(tiling, 4)),
                     static_cast<uint16_t>(TilingU32(tiling, 5)), static_cast<uint16_t>(TilingU32(tiling, 6)));
    DataCopy(b, u, p);
    q.FreeTensor(u);
    Sync<HardEvent::V_MTE3>(pipe);
    DataCopy(dst, b, n);
}

// Tensor accessors, TBuf::GetWithOffset, DataCopy UB->UB and SetAtomicNone in one block.
// gm: x (n floats), atomicOut (n, added to), plainOut (n, overwritten), info (8 uint32):
// info = {x.GetSize(), a.GetSize(), bits of 2 * x[1], 2 * x[4], x[5]} read back by the scalar unit.
void st_tensor_api_f32(GM_ADDR* gm, GM_ADDR tiling) {
    const uint32_t n = TilingU32(tiling, 0);
    TPipe pipe;
    TBuf<TPosition::VECCALC> buf;
    pipe.InitBuffer(buf, 2 * n * sizeof(float));
    GlobalTensor<float> x, atomicOut, plainOut;
    GlobalTensor<uint32_t> info;
    x.SetGlobalBuffer(reinterpret_cast<__gm__ float*>(gm[0]), n);
    atomicOut.SetGlobalBuffer(reinterpret_cast<__gm__ float*>(gm[1]), n);
    plainOut.SetGlobalBuffer(reinterpret_cast<__gm__ float*>(gm[2]), n);
    info.SetGlobalBuffer(reinterpret_cast<__gm__ uint32_t*>(gm[3]), 8);
    LocalTensor<float> a = buf.GetWithOffset<float>(n, 0);
    LocalTensor<float> b = buf.GetWithOffset<float>(n, n * sizeof(float));
    DataCopy(a, x, n);
    Sync<HardEvent::MTE2_V>(pipe);
    DataCopy(b, a, n);
    Muls(b, b, 2.0f, n);
    Sync<HardEvent::V_S>(pipe);
    LocalTensor<uint32_t> bits = b.ReinterpretCast<uint32_t>();
    info.SetValue(0, static_cast<uint32_t>(x.GetSize()));
    info.SetValue(1, a.GetSize());
    info.SetValue(2, bits.GetValue(1));
    info.SetValue(3, static_cast<uint32_t>(b[4].GetValue(0)));
    info.SetValue(4, static_cast<uint32_t>(x[5].GetValue(0)));
    Sync<HardEvent::V_MTE3>(pipe);
    SetAtomicAdd<float>();
    DataCopy(atomicOut, b, n);
    SetAtomicNone();
    DataCopy(plainOut, b, n);
}

// Every block adds x (n floats) into out with SetAtomicAdd<float>.
void st_atomic_add_f32(GM_ADDR* gm, GM_ADDR tiling) {
    const uint32_t n = TilingU32(tiling, 0);
    TPipe pipe;
    TQue<TPosition::VECIN, 1> q;
    pipe.InitBuffer(q, 1, n * sizeof(float));
    GlobalTensor<float> x, out;
    x.SetGlobalBuffer(reinterpret_cast<__gm__ float*>(gm[0]), n);
    out.SetGlobalBuffer(reinterpret_cast<__gm__ float*>(gm[1]), n);
    LocalTensor<float> t = q.AllocTensor<float>();
    DataCopy(t, x, n);
    q.EnQue(t);
    t = q.DeQue<float>();
    Sync<HardEvent::MTE2_MTE3>(pipe);
    SetAtomicAdd<float>();
    DataCopy(out, t, n);
    DisableDmaAtomic();
    q.FreeTensor(t);
}

// Each block writes (blockIdx + 1) into its 8-float workspace slot, SyncAll (twice), then block 0
// sums slot heads with scalar reads and writes out[0]. gm: workspace (blockDim * 8 floats), out (8).
void st_syncall_sum(GM_ADDR* gm, GM_ADDR tiling) {
    KERNEL_TASK_TYPE_DEFAULT(KERNEL_TYPE_MIX_AIV_1_0);
    TPipe pipe;
    TBuf<TPosition::VECCALC> buf;
    const uint32_t blocks = static_cast<uint32_t>(GetBlockNum());
    pipe.InitBuffer(buf, blocks * 8 * sizeof(float));
    GlobalTensor<float> ws, out;
    ws.SetGlobalBuffer(reinterpret_cast<__gm__ float*>(gm[0]), blocks * 8);
    out.SetGlobalBuffer(reinterpret_cast<__gm__ float*>(gm[1]), 8);
    LocalTensor<float> t = buf.Get<float>();
    Duplicate(t, static_cast<float>(GetBlockIdx() + 1), 8);
    Sync<HardEvent::V_MTE3>(pipe);
    DataCopy(ws[GetBlockIdx() * 8], t, 8);
    SyncAll();
    SyncAll();
    if (GetBlockIdx() != 0) return;
    Sync<HardEvent::MTE3_MTE2>(pipe);
    DataCopy(t, ws, blocks * 8);
    Sync<HardEvent::MTE2_S>(pipe);
    float sum = 0.0f;
    for (uint32_t b = 0; b < blocks; ++b) sum += t.GetValue(b * 8);
    out.SetValue(0, sum);
}

// Correct use of a TBuf: copy-in then vector after SetFlag/WaitFlag<MTE2_V>, out after <V_MTE3>.
void st_flag_ok_f32(GM_ADDR* gm, GM_ADDR tiling) {
    const uint32_t n = TilingU32(tiling, 0);
    TPipe pipe;
    TBuf<TPosition::VECCALC> buf;
    pipe.InitBuffer(buf, n * sizeof(float));
    GlobalTensor<float> x, y;
    x.SetGlobalBuffer(reinterpret_cast<__gm__ float*>(gm[0]), n);
    y.SetGlobalBuffer(reinterpret_cast<__gm__ float*>(gm[1]), n);
    LocalTensor<float> t = buf.Get<float>();
    DataCopy(t, x, n);
    Sync<HardEvent::MTE2_V>(pipe);
    Muls(t, t, 2.0f, n);
    Sync<HardEvent::V_MTE3>(pipe);
    DataCopy(y, t, n);
}

// Windows of x read by the scalar unit from one UB buffer: each copy-in waits for the previous
// window's reads (S_MTE2), each read for its copy (MTE2_S); y[0] = sum of x[0], x[8], ..., x[56].
void st_war_s_mte2_ok_f32(GM_ADDR* gm, GM_ADDR tiling) {
    TPipe pipe;
    TBuf<TPosition::VECCALC> b;
    pipe.InitBuffer(b, 256);
    GlobalTensor<float> x, y;
    x.SetGlobalBuffer(reinterpret_cast<__gm__ float*>(gm[0]), 64);
    y.SetGlobalBuffer(reinterpret_cast<__gm__ float*>(gm[1]), 64);
    LocalTensor<float> t = b.Get<float>();
    constexpr uint32_t window = 8;
    float sum = 0.0f;
    for (uint32_t first = 0; first < 64; first += window) {
        if (first != 0) Sync<HardEvent::S_MTE2>(pipe);
        DataCopy(t, x[first], window);
        Sync<HardEvent::MTE2_S>(pipe);
        sum += t.GetValue(0);
    }
    y.SetValue(0, sum);
}

// Reuse of a tile ordered through a chain of flags: V reads it (y = 2 * x), V_MTE3, MTE3 writes y,
// MTE3_MTE2, then MTE2 overwrites it: V's read is ordered before MTE2 through MTE3.
void st_war_chain_ok_f32(GM_ADDR* gm, GM_ADDR tiling) {
    const uint32_t n = TilingU32(tiling, 0);
    TPipe pipe;
    TBuf<TPosition::VECCALC> in, out;
    pipe.InitBuffer(in, n * sizeof(float));
    pipe.InitBuffer(out, n * sizeof(float));
    GlobalTensor<float> x, y;
    x.SetGlobalBuffer(reinterpret_cast<__gm__ float*>(gm[0]), n);
    y.SetGlobalBuffer(reinterpret_cast<__gm__ float*>(gm[1]), n);
    LocalTensor<float> t = in.Get<float>();
    LocalTensor<float> r = out.Get<float>();
    DataCopy(t, x, n);
    Sync<HardEvent::MTE2_V>(pipe);
    Muls(r, t, 2.0f, n);
    Sync<HardEvent::V_MTE3>(pipe);
    DataCopy(y, r, n);
    Sync<HardEvent::MTE3_MTE2>(pipe);
    DataCopy(t, x, n);  // t was last read by V, which is ordered before MTE3, and MTE3 before MTE2
}

}  // namespace cpu_sim_selftest
