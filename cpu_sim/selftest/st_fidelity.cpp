// Self-test kernels for the rules that follow asc-devkit's implementation rather than an idealised
// API: TPipe's event-id pool shared with the TQues, one-bit flags, ~TPipe's waits, DataCopyPad's
// dummy fill, and the launch rules of MIX kernels. Reduced forms of real kernel bugs (negatives)
// next to their correct versions (positives). gm: x (n floats), y (n floats); tiling w0 = n.
#include "st_common.h"

namespace cpu_sim_selftest {
namespace {

constexpr uint32_t kTileFloats = 64;

// One tile of x through a VECIN queue and back out: leaves the queue's buffer freed, holding a
// V_MTE2 id (as every A2 FreeTensor does) that ~TPipe will wait on.
void PassThrough(TPipe& pipe, TQue<TPosition::VECIN, 1>& q, GM_ADDR* gm) {
    GlobalTensor<float> x, y;
    x.SetGlobalBuffer(reinterpret_cast<__gm__ float*>(gm[0]), kTileFloats);
    y.SetGlobalBuffer(reinterpret_cast<__gm__ float*>(gm[1]), kTileFloats);
    LocalTensor<float> t = q.AllocTensor<float>();
    DataCopy(t, x, kTileFloats);
    q.EnQue(t);
    t = q.DeQue<float>();
    Sync<HardEvent::MTE2_MTE3>(pipe);
    DataCopy(y, t, kTileFloats);
    Sync<HardEvent::MTE3_V>(pipe);
    q.FreeTensor(t);
}

}  // namespace

// A TPipe with one single-buffered VECIN queue, one tile passed through it, then `after(pipe)`.
template <typename After> void AfterPassThrough(GM_ADDR* gm, After after) {
    TPipe pipe;
    TQue<TPosition::VECIN, 1> q;
    pipe.InitBuffer(q, 1, kTileFloats * sizeof(float));
    PassThrough(pipe, q, gm);
    after(pipe);
}

// A TPipe destroyed, then a second one (kernel_tpipe_impl.h: TPipe() runs ResetPool): the second
// pipe's queue starts at UB offset 0, over the first pipe's 1 KiB TBuf.
void st_second_tpipe_starts_at_ub_zero(GM_ADDR* gm, GM_ADDR) {
    {
        TPipe first;
        TBuf<TPosition::VECCALC> b;
        first.InitBuffer(b, 1024);
    }
    AfterPassThrough(gm, [](TPipe&) {});
}

// SetAtomicAdd, then a TPipe built (tiling w3 = 0) or an empty TPipe Reset (w3 = 1): both run
// InitSocState (kernel_tpipe_impl.h TPipe() and Reset), whose set_atomic_none (kernel_utils_base.h
// InitSocStateImpl) turns the atomic off, so the pass-through's UB->GM copy overwrites y.
void st_tpipe_init_clears_atomic(GM_ADDR* gm, GM_ADDR tiling) {
    if (TilingU32(tiling, 3) == 0) {
        SetAtomicAdd<float>();
        AfterPassThrough(gm, [](TPipe&) {});
        return;
    }
    TPipe pipe;
    SetAtomicAdd<float>();
    pipe.Reset();
    TQue<TPosition::VECIN, 1> q;
    pipe.InitBuffer(q, 1, kTileFloats * sizeof(float));
    PassThrough(pipe, q, gm);
}

// Finding 1 reduced: after a VECIN FreeTensor holds V_MTE2 id 0, a hard-coded EVENT_ID0 sets that
// flag a second time (the old CombinePartials).
void st_bad_event_id_collides_with_queue(GM_ADDR* gm, GM_ADDR) {
    AfterPassThrough(gm, [](TPipe&) {
        SetFlag<HardEvent::V_MTE2>(EVENT_ID0);
        WaitFlag<HardEvent::V_MTE2>(EVENT_ID0);
    });
}

// The wait of finding 1 alone: it clears the queue's flag, so ~TPipe's wait on it never returns.
void st_bad_flag_cleared_behind_queue(GM_ADDR* gm, GM_ADDR) {
    AfterPassThrough(gm, [](TPipe&) { WaitFlag<HardEvent::V_MTE2>(EVENT_ID0); });
}

// Positive: the same with an id from the pool (FetchEventID skips the one the queue holds).
void st_event_id_from_pool_ok(GM_ADDR* gm, GM_ADDR) {
    AfterPassThrough(gm, [](TPipe& pipe) { Sync<HardEvent::V_MTE2>(pipe); });
}

// kQueues double-buffered VECIN queues, each cycling `tiles` tiles of x: every freed buffer holds
// a V_MTE2 id until it is allocated again.
template <int kQueues> void CycleVecinQueues(GM_ADDR* gm, int tiles) {
    TPipe pipe;
    TQue<TPosition::VECIN, 1> q[kQueues];
    for (auto& queue : q) pipe.InitBuffer(queue, 2, kTileFloats * sizeof(float));
    GlobalTensor<float> x;
    x.SetGlobalBuffer(reinterpret_cast<__gm__ float*>(gm[0]), kTileFloats);
    for (int tile = 0; tile < tiles; ++tile) {
        for (auto& queue : q) {
            LocalTensor<float> t = queue.template AllocTensor<float>();
            DataCopy(t, x, kTileFloats);
            queue.EnQue(t);
            t = queue.template DeQue<float>();
            queue.FreeTensor(t);
        }
    }
}

// Finding 3 reduced: five double-buffered VECIN queues; the ninth FreeTensor finds the pool of 8
// empty.
void st_bad_ten_vecin_buffers(GM_ADDR* gm, GM_ADDR) { CycleVecinQueues<5>(gm, 2); }

// Positive: four double-buffered VECIN queues (8 buffers) over many tiles.
void st_eight_vecin_buffers_ok(GM_ADDR* gm, GM_ADDR) { CycleVecinQueues<4>(gm, 5); }

// Finding 2 reduced: 3 partials copied to UB, then summed over the 32-B block into y[0]: only
// explicit right padding to the block makes the 5 dummy elements zeros.
void st_pad_dummy_sum(GM_ADDR* gm, GM_ADDR tiling) {
    const uint32_t mode = TilingU32(tiling, 3);  // 0 no isPad, 1 isPad, 2 isPad with rightPadding
    const bool isPad = mode != 0;
    const uint8_t rightPadding = mode == 2 ? 5 : 0;
    TPipe pipe;
    TQue<TPosition::VECIN, 1> q;
    TBuf<TPosition::VECCALC> sumBuf, tmpBuf;
    pipe.InitBuffer(q, 1, kTileFloats * sizeof(float));
    pipe.InitBuffer(sumBuf, ONE_BLK_SIZE);
    pipe.InitBuffer(tmpBuf, ONE_REPEAT_BYTE_SIZE);
    GlobalTensor<float> x, y;
    x.SetGlobalBuffer(reinterpret_cast<__gm__ float*>(gm[0]), 3);
    y.SetGlobalBuffer(reinterpret_cast<__gm__ float*>(gm[1]), 8);
    LocalTensor<float> t = q.AllocTensor<float>();
    DataCopyPad(t, x, DataCopyExtParams(1, 3 * sizeof(float), 0, 0, 0),
                DataCopyPadExtParams<float>(isPad, 0, rightPadding, 0.0f));
    q.EnQue(t);
    t = q.DeQue<float>();
    LocalTensor<float> sum = sumBuf.Get<float>();
    ReduceSum(sum, t, tmpBuf.Get<float>(), 8);  // the whole 32-B block the copy wrote
    q.FreeTensor(t);
    Sync<HardEvent::V_MTE3>(pipe);
    DataCopy(y, sum, 8);
}

// A copy issued after SetFlag<MTE2_V> is not ordered by the matching WaitFlag: the flag is set
// when MTE2 reaches it in its own program order, before the later copy.
void st_bad_late_write(GM_ADDR* gm, GM_ADDR) {
    TPipe pipe;
    TBuf<TPosition::VECCALC> a, b;
    pipe.InitBuffer(a, kTileFloats * sizeof(float));
    pipe.InitBuffer(b, kTileFloats * sizeof(float));
    GlobalTensor<float> x;
    x.SetGlobalBuffer(reinterpret_cast<__gm__ float*>(gm[0]), kTileFloats);
    DataCopy(a.Get<float>(), x, kTileFloats);
    const TEventID id = pipe.FetchEventID<HardEvent::MTE2_V>();
    SetFlag<HardEvent::MTE2_V>(id);
    DataCopy(b.Get<float>(), x, kTileFloats);
    WaitFlag<HardEvent::MTE2_V>(id);
    Exp(a.Get<float>(), a.Get<float>(), kTileFloats);  // fine: copied before the SetFlag
    Exp(b.Get<float>(), b.Get<float>(), kTileFloats);  // races the second copy
}

// Two copies into the same UB bytes: MTE2 may complete them out of order unless a
// PipeBarrier<PIPE_MTE2> (w3 != 0) orders them.
void st_overlapping_copies(GM_ADDR* gm, GM_ADDR tiling) {
    TPipe pipe;
    TBuf<TPosition::VECCALC> a;
    pipe.InitBuffer(a, kTileFloats * sizeof(float));
    GlobalTensor<float> x;
    x.SetGlobalBuffer(reinterpret_cast<__gm__ float*>(gm[0]), kTileFloats);
    DataCopy(a.Get<float>(), x, kTileFloats);
    if (TilingU32(tiling, 3) != 0) PipeBarrier<PIPE_MTE2>();
    DataCopy(a.Get<float>(), x[8], kTileFloats - 8);
}

// A SetFlag nobody waits: ~TPipe on the device leaves no flag set; here the kernel does.
void st_bad_flag_left_set(GM_ADDR*, GM_ADDR) {
    TPipe pipe;
    const TEventID id = pipe.FetchEventID<HardEvent::V_S>();
    SetFlag<HardEvent::V_S>(id);
}

// Findings 4-6: a MIX kernel (launched with the workspace, batch mode and cores the test picks)
// that allocates `w3` bytes of UB and, with w4 != 0, crosses a SyncAll.
void st_mix_kernel(GM_ADDR*, GM_ADDR tiling) {
    KERNEL_TASK_TYPE_DEFAULT(KERNEL_TYPE_MIX_AIV_1_0);
    TPipe pipe;
    TBuf<TPosition::VECCALC> b;
    pipe.InitBuffer(b, TilingU32(tiling, 3));
    if (TilingU32(tiling, 4) != 0) SyncAll();
}

// The same UB as a vector-only kernel: the full 192 KiB.
void st_aiv_kernel(GM_ADDR*, GM_ADDR tiling) {
    KERNEL_TASK_TYPE_DEFAULT(KERNEL_TYPE_AIV_ONLY);
    TPipe pipe;
    TBuf<TPosition::VECCALC> b;
    pipe.InitBuffer(b, TilingU32(tiling, 3));
}

}  // namespace cpu_sim_selftest
