// Self-test kernels for the per-pipe timeline (cpu_sim/include/sim/timeline.h): a tile loop whose
// copy-in overlaps its vector work unless a per-tile ReduceSum drains the vector pipe through the
// scalar unit, a scalar loop that holds the other pipes, and SyncAll barriers.
// gm: x (floats), y (floats). Tiling words: [0] tiles per block, [3] mode, [4] vector ops per tile
// (tile loop) or scalar stores (scalar loop), [5] SyncAll count, [6..8] GM scalar reads, their stride
// and passes (gm_scalar_reads).
#include "st_common.h"

namespace cpu_sim_selftest {
namespace {

constexpr uint32_t kTileFloats = 1024;  // 4 KiB per DataCopy
constexpr int32_t kBuffers = 2;         // double buffering
enum TileMode : uint32_t { OVERLAP = 0, REDUCE_SUM_PER_TILE = 1 };

// Per tile of x: copy in (MTE2), `ops` Exp on the tile (V), in REDUCE_SUM_PER_TILE mode a
// ReduceSum of it (V, then its V_S / scalar store / S_V / S_MTE3); the last tile's first 8 floats
// go to y (one copy-out, so MTE3 hardly shares the GM link).
class TileLoop {
public:
    void Init(GM_ADDR x, GM_ADDR y, GM_ADDR tiling) {
        tiles_ = TilingU32(tiling, 0);
        mode_ = TilingU32(tiling, 3);
        ops_ = TilingU32(tiling, 4);
        const uint64_t blockFloats = static_cast<uint64_t>(tiles_) * kTileFloats;
        xGm_.SetGlobalBuffer(reinterpret_cast<__gm__ float*>(x) + blockFloats * GetBlockIdx(), blockFloats);
        yGm_.SetGlobalBuffer(reinterpret_cast<__gm__ float*>(y) + 8 * GetBlockIdx(), 8);
        pipe_.InitBuffer(inQueue_, kBuffers, kTileFloats * sizeof(float));
        pipe_.InitBuffer(outQueue_, 1, kTileFloats * sizeof(float));
        // work_ before the 32-B sum_: every tile then starts at the same bank group, so no
        // instruction here meets a UB bank conflict (ub_banks.h) and the test's sums stay simple.
        pipe_.InitBuffer(work_, kTileFloats * sizeof(float));
        pipe_.InitBuffer(sum_, 32);
    }
    void Process() {
        for (uint32_t tile = 0; tile < tiles_; ++tile) {
            LocalTensor<float> in = inQueue_.AllocTensor<float>();
            DataCopy(in, xGm_[static_cast<uint64_t>(tile) * kTileFloats], kTileFloats);
            inQueue_.EnQue(in);
            in = inQueue_.DeQue<float>();
            LocalTensor<float> work = work_.Get<float>();
            Muls(work, in, 1e-3f, kTileFloats);
            for (uint32_t k = 0; k < ops_; ++k) Exp(work, work, kTileFloats);
            if (mode_ == REDUCE_SUM_PER_TILE) ReduceSum(sum_.Get<float>(), work, work, kTileFloats);
            inQueue_.FreeTensor(in);
            if (tile + 1 == tiles_) {
                LocalTensor<float> out = outQueue_.AllocTensor<float>();
                Adds(out, work, 0.0f, kTileFloats);
                outQueue_.EnQue(out);
                out = outQueue_.DeQue<float>();
                DataCopy(yGm_, out, 8);
                outQueue_.FreeTensor(out);
            }
        }
    }

private:
    TPipe pipe_;
    TQue<TPosition::VECIN, 1> inQueue_;
    TQue<TPosition::VECOUT, 1> outQueue_;
    TBuf<TPosition::VECCALC> sum_, work_;
    GlobalTensor<float> xGm_, yGm_;
    uint32_t tiles_ = 0, mode_ = 0, ops_ = 0;
};

}  // namespace

void st_timeline_tiles(GM_ADDR* gm, GM_ADDR tiling) {
    TileLoop op;
    op.Init(gm[0], gm[1], tiling);
    op.Process();
}

// One tile of x copied in and scaled (V), then a scalar loop of w4 SetValue into a TBuf (S: it
// waits for the vector pipe first, as cce-auto-sync's V_S does), then Add of the two (V, after
// the loop) and the first 8 floats out.
void st_timeline_scalar_loop(GM_ADDR* gm, GM_ADDR tiling) {
    const uint32_t stores = TilingU32(tiling, 4);
    TPipe pipe;
    TQue<TPosition::VECIN, 1> inQueue;
    TQue<TPosition::VECOUT, 1> outQueue;
    TBuf<TPosition::VECCALC> expanded;
    pipe.InitBuffer(inQueue, 1, kTileFloats * sizeof(float));
    pipe.InitBuffer(outQueue, 1, kTileFloats * sizeof(float));
    pipe.InitBuffer(expanded, kTileFloats * sizeof(float));
    GlobalTensor<float> x, y;
    x.SetGlobalBuffer(reinterpret_cast<__gm__ float*>(gm[0]), kTileFloats);
    y.SetGlobalBuffer(reinterpret_cast<__gm__ float*>(gm[1]), 8);
    LocalTensor<float> in = inQueue.AllocTensor<float>();
    DataCopy(in, x, kTileFloats);
    inQueue.EnQue(in);
    in = inQueue.DeQue<float>();
    LocalTensor<float> e = expanded.Get<float>();
    Muls(in, in, 2.0f, kTileFloats);
    Duplicate(e, 0.0f, kTileFloats);
    Sync<HardEvent::V_S>(pipe);
    for (uint32_t i = 0; i < stores; ++i) e.SetValue(i % kTileFloats, static_cast<float>(i));
    Sync<HardEvent::S_V>(pipe);
    LocalTensor<float> out = outQueue.AllocTensor<float>();
    Add(out, in, e, kTileFloats);
    outQueue.EnQue(out);
    inQueue.FreeTensor(in);
    out = outQueue.DeQue<float>();
    DataCopy(y, out, 8);
    outQueue.FreeTensor(out);
}

// Scalar GM reads through the DCache: w8 passes over w6 floats of x read w7 floats apart, their sum
// into y[0] with the vector and copy pipes idle (one more GM scalar access, a write).
void st_timeline_gm_scalar_reads(GM_ADDR* gm, GM_ADDR tiling) {
    const uint32_t reads = TilingU32(tiling, 6), stride = TilingU32(tiling, 7), passes = TilingU32(tiling, 8);
    GlobalTensor<float> x, y;
    x.SetGlobalBuffer(reinterpret_cast<__gm__ float*>(gm[0]), static_cast<uint64_t>(reads) * stride);
    y.SetGlobalBuffer(reinterpret_cast<__gm__ float*>(gm[1]), 8);
    float sum = 0.0f;
    for (uint32_t p = 0; p < passes; ++p) {
        for (uint32_t i = 0; i < reads; ++i) sum += x.GetValue(static_cast<uint64_t>(i) * stride);
    }
    y.SetValue(0, sum);
}

// w5 SyncAll barriers and nothing else (a MIX kernel: launch with a workspace and batch mode).
void st_timeline_sync_all(GM_ADDR*, GM_ADDR tiling) {
    KERNEL_TASK_TYPE_DEFAULT(KERNEL_TYPE_MIX_AIV_1_0);
    const uint32_t barriers = TilingU32(tiling, 5);
    for (uint32_t i = 0; i < barriers; ++i) SyncAll();
}

}  // namespace cpu_sim_selftest
