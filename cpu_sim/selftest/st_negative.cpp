// Deliberately wrong self-test kernels: each breaks one rule the simulator must report.
// gm[0] is an input of n floats, gm[1] an output of n floats; tiling [0] n.
#include "st_common.h"

namespace cpu_sim_selftest {

namespace {
struct Io {
    GlobalTensor<float> x, y;
    uint32_t n;
    Io(GM_ADDR* gm, GM_ADDR tiling) : n(TilingU32(tiling, 0)) {
        x.SetGlobalBuffer(reinterpret_cast<__gm__ float*>(gm[0]), n);
        y.SetGlobalBuffer(reinterpret_cast<__gm__ float*>(gm[1]), n);
    }
};
}  // namespace

void st_bad_datacopy_count(GM_ADDR* gm, GM_ADDR tiling) {
    Io io(gm, tiling);
    TPipe pipe;
    TBuf<TPosition::VECCALC> b;
    pipe.InitBuffer(b, 1024);
    DataCopy(b.Get<float>(), io.x, 7);
}

void st_bad_pad_blockcount(GM_ADDR* gm, GM_ADDR tiling) {
    Io io(gm, tiling);
    TPipe pipe;
    TBuf<TPosition::VECCALC> b;
    pipe.InitBuffer(b, 1024);
    DataCopyPad(b.Get<float>(), io.x, DataCopyExtParams(4096, 4, 0, 0, 0), DataCopyPadExtParams<float>());
}

void st_bad_pad_blocklen(GM_ADDR* gm, GM_ADDR tiling) {
    Io io(gm, tiling);
    TPipe pipe;
    TBuf<TPosition::VECCALC> b;
    pipe.InitBuffer(b, 1024);
    DataCopyPad(b.Get<float>(), io.x, DataCopyExtParams(1, 6, 0, 0, 0), DataCopyPadExtParams<float>());
}

void st_bad_ub_overflow(GM_ADDR*, GM_ADDR) {
    TPipe pipe;
    TQue<TPosition::VECIN, 1> q;
    TBuf<TPosition::VECCALC> b;
    pipe.InitBuffer(q, 2, 64 * 1024);
    pipe.InitBuffer(b, 70 * 1024);
}

void st_bad_65_buffers(GM_ADDR*, GM_ADDR) {
    TPipe pipe;
    TBuf<TPosition::VECCALC> b[65];
    for (int i = 0; i < 65; ++i) pipe.InitBuffer(b[i], 32);
}

void st_bad_misaligned_ub(GM_ADDR*, GM_ADDR) {
    TPipe pipe;
    TBuf<TPosition::VECCALC> b;
    pipe.InitBuffer(b, 1024);
    LocalTensor<float> t = b.Get<float>();
    Duplicate(t, 1.0f, 256);
    Add(t, t[1], t[1], 64);
}

void st_bad_local_range(GM_ADDR*, GM_ADDR) {
    TPipe pipe;
    TBuf<TPosition::VECCALC> b;
    pipe.InitBuffer(b, 1024);
    LocalTensor<float> t = b.Get<float>();
    Duplicate(t, 1.0f, 512);
}

void st_bad_gm_oob(GM_ADDR* gm, GM_ADDR tiling) {
    const uint32_t n = TilingU32(tiling, 0);
    GlobalTensor<float> x;
    x.SetGlobalBuffer(reinterpret_cast<__gm__ float*>(gm[0]));  // no size: only the launch buffer limits it
    TPipe pipe;
    TBuf<TPosition::VECCALC> b;
    pipe.InitBuffer(b, (n + 8) * sizeof(float));
    DataCopy(b.Get<float>(), x, n + 8);
}

// Assumes one block: block 1 reads past the end of x.
void st_bad_block_idx(GM_ADDR* gm, GM_ADDR tiling) {
    const uint32_t n = TilingU32(tiling, 0);
    GlobalTensor<float> x;
    x.SetGlobalBuffer(reinterpret_cast<__gm__ float*>(gm[0]) + GetBlockIdx() * n);
    TPipe pipe;
    TBuf<TPosition::VECCALC> b;
    pipe.InitBuffer(b, n * sizeof(float));
    DataCopy(b.Get<float>(), x, n);
}

void st_bad_alloc_no_free(GM_ADDR*, GM_ADDR) {
    TPipe pipe;
    TQue<TPosition::VECIN, 1> q;
    pipe.InitBuffer(q, 1, 256);
    LocalTensor<float> a = q.AllocTensor<float>();
    LocalTensor<float> b = q.AllocTensor<float>();
    (void)a;
    (void)b;
}

void st_bad_deque_empty(GM_ADDR*, GM_ADDR) {
    TPipe pipe;
    TQue<TPosition::VECIN, 1> q;
    pipe.InitBuffer(q, 1, 256);
    LocalTensor<float> a = q.DeQue<float>();
    (void)a;
}

void st_bad_enque_depth(GM_ADDR*, GM_ADDR) {
    TPipe pipe;
    TQue<TPosition::VECIN, 1> q;
    pipe.InitBuffer(q, 2, 256);
    LocalTensor<float> a = q.AllocTensor<float>();
    LocalTensor<float> b = q.AllocTensor<float>();
    q.EnQue(a);
    q.EnQue(b);
}

void st_bad_not_freed(GM_ADDR*, GM_ADDR) {
    TPipe pipe;
    TQue<TPosition::VECOUT, 1> q;
    pipe.InitBuffer(q, 2, 256);
    LocalTensor<float> a = q.AllocTensor<float>();
    Duplicate(a, 0.0f, 64);
}

// Vector reads a TBuf filled by DataCopy without SetFlag/WaitFlag<MTE2_V>.
void st_bad_hazard_mte2_v(GM_ADDR* gm, GM_ADDR tiling) {
    Io io(gm, tiling);
    TPipe pipe;
    TBuf<TPosition::VECCALC> b;
    pipe.InitBuffer(b, io.n * sizeof(float));
    LocalTensor<float> t = b.Get<float>();
    DataCopy(t, io.x, io.n);
    Exp(t, t, io.n);
}

// Copy-out of a vector result without SetFlag/WaitFlag<V_MTE3>.
void st_bad_hazard_v_mte3(GM_ADDR* gm, GM_ADDR tiling) {
    Io io(gm, tiling);
    TPipe pipe;
    TBuf<TPosition::VECCALC> b;
    pipe.InitBuffer(b, io.n * sizeof(float));
    LocalTensor<float> t = b.Get<float>();
    Duplicate(t, 3.0f, io.n);
    DataCopy(io.y, t, io.n);
}

// Scalar read of a vector result without SetFlag/WaitFlag<V_S>.
void st_bad_hazard_v_s(GM_ADDR* gm, GM_ADDR tiling) {
    TPipe pipe;
    TBuf<TPosition::VECCALC> b;
    pipe.InitBuffer(b, 256);
    LocalTensor<float> t = b.Get<float>();
    Duplicate(t, 3.0f, 64);
    float v = t.GetValue(0);
    (void)v;
}

// One 256-B UB buffer and a 64-float GM view of gm[0]: the scalar-hazard kernels' set-up.
struct ScalarUb {
    TPipe pipe;
    TBuf<TPosition::VECCALC> buf;
    GlobalTensor<float> x;
    LocalTensor<float> t;

    explicit ScalarUb(GM_ADDR* gm) {
        pipe.InitBuffer(buf, 256);
        x.SetGlobalBuffer(reinterpret_cast<__gm__ float*>(gm[0]), 64);
        t = buf.Get<float>();
    }
};

// A scalar read of values just copied in by MTE2, without SetFlag/WaitFlag<MTE2_S>: the scalar unit
// would read UB before the DMA has written it.
void st_bad_hazard_mte2_s(GM_ADDR* gm, GM_ADDR tiling) {
    ScalarUb ub(gm);
    DataCopy(ub.t, ub.x, 64);
    float v = ub.t.GetValue(0);
    (void)v;
}

// A copy-in over values the scalar unit read, without SetFlag/WaitFlag<S_MTE2>: the DMA may
// overwrite them before the scalar load has completed (asc-devkit's dav_c220 WaitPreBlockCalc
// orders the same reuse with S_MTE2).
void st_bad_war_s_mte2(GM_ADDR* gm, GM_ADDR tiling) {
    ScalarUb ub(gm);
    DataCopy(ub.t, ub.x, 8);
    Sync<HardEvent::MTE2_S>(ub.pipe);
    float v = ub.t.GetValue(0);
    (void)v;
    DataCopy(ub.t, ub.x[8], 8);
    Sync<HardEvent::MTE2_S>(ub.pipe);
}

// A copy-in over a tile the vector unit is still reading, without SetFlag/WaitFlag<V_MTE2>.
void st_bad_war_v_mte2(GM_ADDR* gm, GM_ADDR tiling) {
    Io io(gm, tiling);
    TPipe pipe;
    TBuf<TPosition::VECCALC> in, out;
    pipe.InitBuffer(in, io.n * sizeof(float));
    pipe.InitBuffer(out, io.n * sizeof(float));
    LocalTensor<float> t = in.Get<float>();
    LocalTensor<float> r = out.Get<float>();
    DataCopy(t, io.x, io.n);
    SetFlag<HardEvent::MTE2_V>(EVENT_ID0);
    WaitFlag<HardEvent::MTE2_V>(EVENT_ID0);
    Exp(r, t, io.n);
    DataCopy(t, io.x, io.n);
}

// The scalar unit rewrites a table the vector unit is still reading, without <V_S>.
void st_bad_war_v_s(GM_ADDR* gm, GM_ADDR tiling) {
    Io io(gm, tiling);
    TPipe pipe;
    TBuf<TPosition::VECCALC> table, out;
    pipe.InitBuffer(table, io.n * sizeof(float));
    pipe.InitBuffer(out, io.n * sizeof(float));
    LocalTensor<float> t = table.Get<float>();
    LocalTensor<float> r = out.Get<float>();
    t.SetValue(0, 1.0f);
    SetFlag<HardEvent::S_V>(EVENT_ID0);
    WaitFlag<HardEvent::S_V>(EVENT_ID0);
    Muls(r, t, 2.0f, io.n);
    t.SetValue(0, 2.0f);
}

// A copy-in over a vector result, without <V_MTE2>.
void st_bad_waw_v_mte2(GM_ADDR* gm, GM_ADDR tiling) {
    Io io(gm, tiling);
    TPipe pipe;
    TBuf<TPosition::VECCALC> b;
    pipe.InitBuffer(b, io.n * sizeof(float));
    LocalTensor<float> t = b.Get<float>();
    Duplicate(t, 0.0f, io.n);
    DataCopy(t, io.x, io.n);
}

void st_bad_waitflag(GM_ADDR*, GM_ADDR) {
    WaitFlag<HardEvent::MTE2_V>(EVENT_ID2);
}

// Select mode 2 while buffers reach beyond the 184 KiB scratch start.
void st_bad_select_scratch(GM_ADDR*, GM_ADDR) {
    TPipe pipe;
    TBuf<TPosition::VECCALC> big, b;
    pipe.InitBuffer(big, 186 * 1024);
    pipe.InitBuffer(b, 1024);
    LocalTensor<float> t = b.Get<float>();
    LocalTensor<uint8_t> m = t.ReinterpretCast<uint8_t>();
    Duplicate(t, 0.0f, 256);
    Select(t[64], m, t[128], t[192], SELMODE::VSEL_TENSOR_TENSOR_MODE, 64);
}

// Block 0 skips the barrier the others wait in.
void st_bad_syncall_missing(GM_ADDR*, GM_ADDR) {
    KERNEL_TASK_TYPE_DEFAULT(KERNEL_TYPE_MIX_AIV_1_0);
    if (GetBlockIdx() == 0) return;
    SyncAll();
}

void st_bad_syncall_type(GM_ADDR*, GM_ADDR) { SyncAll(); }

void st_bad_cast_mode(GM_ADDR*, GM_ADDR) {
    TPipe pipe;
    TBuf<TPosition::VECCALC> a, b;
    pipe.InitBuffer(a, 256);
    pipe.InitBuffer(b, 128);
    LocalTensor<float> x = a.Get<float>();
    Duplicate(x, 1.0f, 64);
    Cast(b.Get<bfloat16_t>(), x, RoundMode::CAST_NONE, 64);
}

void st_bad_compare_count(GM_ADDR*, GM_ADDR) {
    TPipe pipe;
    TBuf<TPosition::VECCALC> a, m;
    pipe.InitBuffer(a, 256);
    pipe.InitBuffer(m, 32);
    LocalTensor<float> x = a.Get<float>();
    Duplicate(x, 1.0f, 64);
    Compare(m.Get<uint8_t>(), x, x, CMPMODE::EQ, 32);
}

}  // namespace cpu_sim_selftest
