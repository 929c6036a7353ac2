// Self-test kernels for the hardware flags (cpu_sim/src/flags.cpp): a second SetFlag before the
// wait, an id outside the 8 of a HardEvent, V_V as a vector barrier, a SetFlag whose bit an issued
// wait has not cleared yet (the COLUMN window's S_MTE2 id shared by two operands; TQue's re-set of
// a dequeued id), which holds its source pipe, the ids a depth-0 (inplace) TQue holds, and the flags a
// result written into its own input queue buffer needs.
// gm: x (floats), y (floats); tiling w3 = mode.
#include "st_common.h"

namespace cpu_sim_selftest {
namespace {

constexpr uint32_t kBlockFloats = ONE_BLK_SIZE / sizeof(float);
constexpr uint32_t kTileFloats = 8192;   // 32 KiB: a tile's copy-in, long on MTE2
constexpr uint32_t kBurnExps = 4;        // vector work of about the tile copy's length

// The FetchEventID page's warning: two SetFlags before their waits on ids fetched one after the
// other get the same id (FetchEventID takes nothing); AllocEventID takes two.
enum SetTwiceMode : uint32_t { FETCHED_NESTED = 0, FETCHED_IN_TURN = 1, ALLOCATED_NESTED = 2 };

// The COLUMN restage of two operands at one tile: the S_MTE2 id fetched by each (shared), or each
// operand's own from AllocEventID (the fix).
enum RestageMode : uint32_t { SHARED_ID = 0, OWN_IDS = 1 };

TEventID ReadsDoneId(TPipe& pipe, uint32_t mode) {
    return mode == SHARED_ID ? pipe.FetchEventID<HardEvent::S_MTE2>() : pipe.AllocEventID<HardEvent::S_MTE2>();
}

// One operand's window restage: after the scalar unit's reads of it (S_MTE2), a copy of 8 values
// from GM, whose MTE2_S id the caller waits before reading them.
TEventID Restage(TPipe& pipe, TEventID readsDone, const LocalTensor<float>& window, const GlobalTensor<float>& src) {
    SetFlag<HardEvent::S_MTE2>(readsDone);
    WaitFlag<HardEvent::S_MTE2>(readsDone);
    DataCopy(window, src, kBlockFloats);
    const TEventID copied = pipe.AllocEventID<HardEvent::MTE2_S>();
    SetFlag<HardEvent::MTE2_S>(copied);
    return copied;
}

}  // namespace

// y[0..8) = x[0..8) through UB, with the MTE2_V sync done as the mode says.
void st_flag_set_twice(GM_ADDR* gm, GM_ADDR tiling) {
    const uint32_t mode = TilingU32(tiling, 3);
    TPipe pipe;
    TBuf<TPosition::VECCALC> a, b;
    pipe.InitBuffer(a, ONE_BLK_SIZE);
    pipe.InitBuffer(b, ONE_BLK_SIZE);
    GlobalTensor<float> x, y;
    x.SetGlobalBuffer(reinterpret_cast<__gm__ float*>(gm[0]), kBlockFloats);
    y.SetGlobalBuffer(reinterpret_cast<__gm__ float*>(gm[1]), kBlockFloats);
    DataCopy(a.Get<float>(), x, kBlockFloats);
    if (mode == FETCHED_IN_TURN) {
        Sync<HardEvent::MTE2_V>(pipe);
        Sync<HardEvent::MTE2_V>(pipe);
    } else {
        const bool alloc = mode == ALLOCATED_NESTED;
        const TEventID first = alloc ? pipe.AllocEventID<HardEvent::MTE2_V>() : pipe.FetchEventID<HardEvent::MTE2_V>();
        SetFlag<HardEvent::MTE2_V>(first);
        const TEventID second = alloc ? pipe.AllocEventID<HardEvent::MTE2_V>() : pipe.FetchEventID<HardEvent::MTE2_V>();
        SetFlag<HardEvent::MTE2_V>(second);
        PipeBarrier<PIPE_ALL>();
        WaitFlag<HardEvent::MTE2_V>(first);
        WaitFlag<HardEvent::MTE2_V>(second);
        if (alloc) {
            pipe.ReleaseEventID<HardEvent::MTE2_V>(first);
            pipe.ReleaseEventID<HardEvent::MTE2_V>(second);
        }
    }
    Adds(b.Get<float>(), a.Get<float>(), 0.0f, kBlockFloats);
    Sync<HardEvent::V_MTE3>(pipe);
    DataCopy(y, b.Get<float>(), kBlockFloats);
}

// A hard-coded id one past the 8 of a HardEvent.
void st_flag_id_out_of_range(GM_ADDR*, GM_ADDR) {
    TPipe pipe;
    SetFlag<HardEvent::V_S>(QUE_MAX_EVENT);
    WaitFlag<HardEvent::V_S>(QUE_MAX_EVENT);
}

// y[0..8) = x[0..8) + 2 in two in-place Adds ordered by V_V, set twice and waited three times:
// on A2 SetFlag<V_V> is a PIPE_V barrier and WaitFlag<V_V> does nothing.
void st_flag_v_v(GM_ADDR* gm, GM_ADDR) {
    TPipe pipe;
    TBuf<TPosition::VECCALC> a;
    pipe.InitBuffer(a, ONE_BLK_SIZE);
    GlobalTensor<float> x, y;
    x.SetGlobalBuffer(reinterpret_cast<__gm__ float*>(gm[0]), kBlockFloats);
    y.SetGlobalBuffer(reinterpret_cast<__gm__ float*>(gm[1]), kBlockFloats);
    DataCopy(a.Get<float>(), x, kBlockFloats);
    Sync<HardEvent::MTE2_V>(pipe);
    Adds(a.Get<float>(), a.Get<float>(), 1.0f, kBlockFloats);
    SetFlag<HardEvent::V_V>(EVENT_ID0);
    SetFlag<HardEvent::V_V>(EVENT_ID0);
    WaitFlag<HardEvent::V_V>(EVENT_ID0);
    Adds(a.Get<float>(), a.Get<float>(), 1.0f, kBlockFloats);
    WaitFlag<HardEvent::V_V>(EVENT_ID0);
    WaitFlag<HardEvent::V_V>(EVENT_ID0);
    Sync<HardEvent::V_MTE3>(pipe);
    DataCopy(y, a.Get<float>(), kBlockFloats);
}

// The 79e634e COLUMN scenario reduced: a tile's x copy-in (32 KiB on MTE2), then two COLUMN
// operands restage their windows at that tile, each after an S_MTE2 set/wait, then vector work
// the scalar unit issues next. With one fetched S_MTE2 id the second set finds the bit the first
// set still holding: MTE2 reaches the first wait only after the tile copy, and the scalar unit
// (the set's source) stalls until then, holding the issue of the vector work. y[0..8) = x[0] +
// x[kTileFloats] (the two windows' first values) for every element. x: kTileFloats + 8 floats.
void st_flag_column_restage(GM_ADDR* gm, GM_ADDR tiling) {
    const uint32_t mode = TilingU32(tiling, 3);
    TPipe pipe;
    TBuf<TPosition::VECCALC> tile, windowA, windowB, burn, out;
    pipe.InitBuffer(tile, kTileFloats * sizeof(float));
    pipe.InitBuffer(windowA, ONE_BLK_SIZE);
    pipe.InitBuffer(windowB, ONE_BLK_SIZE);
    pipe.InitBuffer(burn, kTileFloats * sizeof(float));
    pipe.InitBuffer(out, ONE_BLK_SIZE);
    GlobalTensor<float> x, y;
    x.SetGlobalBuffer(reinterpret_cast<__gm__ float*>(gm[0]), kTileFloats + kBlockFloats);
    y.SetGlobalBuffer(reinterpret_cast<__gm__ float*>(gm[1]), kBlockFloats);
    DataCopy(tile.Get<float>(), x, kTileFloats);
    const TEventID readsA = ReadsDoneId(pipe, mode);
    const TEventID copiedA = Restage(pipe, readsA, windowA.Get<float>(), x);
    const TEventID readsB = ReadsDoneId(pipe, mode);
    const TEventID copiedB = Restage(pipe, readsB, windowB.Get<float>(), x[kTileFloats]);
    Duplicate(burn.Get<float>(), 0.0f, kTileFloats);
    for (uint32_t k = 0; k < kBurnExps; ++k) Exp(burn.Get<float>(), burn.Get<float>(), kTileFloats);
    WaitFlag<HardEvent::MTE2_S>(copiedA);
    WaitFlag<HardEvent::MTE2_S>(copiedB);
    const float sum = windowA.Get<float>().GetValue(0) + windowB.Get<float>().GetValue(0);
    pipe.ReleaseEventID<HardEvent::MTE2_S>(copiedA);
    pipe.ReleaseEventID<HardEvent::MTE2_S>(copiedB);
    if (mode == OWN_IDS) {
        pipe.ReleaseEventID<HardEvent::S_MTE2>(readsA);
        pipe.ReleaseEventID<HardEvent::S_MTE2>(readsB);
    }
    Duplicate(out.Get<float>(), sum, kBlockFloats);
    Sync<HardEvent::V_MTE3>(pipe);
    DataCopy(y, out.Get<float>(), kBlockFloats);
}

}  // namespace cpu_sim_selftest

namespace cpu_sim_selftest {
namespace {

constexpr uint32_t kQueueTiles = 4;
constexpr uint32_t kQueueTileFloats = 2048;  // 8 KiB per copy
constexpr int32_t kDoubleBuffer = 2;
constexpr uint32_t kQueueBurnExps = 32;      // vector work longer than a tile's two copies
enum DeQueMode : uint32_t { TARGET_LATE = 0, TARGET_EARLY = 1 };

}  // namespace

// asc-devkit's TQue re-sets the MTE2_V id its DeQue has just waited (AllocEventID takes the lowest
// free id): y = exp(x) + t over kQueueTiles tiles of double-buffered x and t queues, the Exp
// done kQueueBurnExps times (vector work longer than the tile's two copies).
// TARGET_LATE dequeues t after the vector work on x, as the bce forward does: the next tile's
// EnQue of t then finds its bit still set (V has not reached this tile's DeQue of t) and holds
// MTE2 until V gets there. TARGET_EARLY dequeues both first: no hold. gm: x, t, y (each
// kQueueTiles * kQueueTileFloats floats).
void st_flag_tque_reset(GM_ADDR* gm, GM_ADDR tiling) {
    const uint32_t mode = TilingU32(tiling, 3);
    TPipe pipe;
    TQue<TPosition::VECIN, 1> xQueue, tQueue;
    TQue<TPosition::VECOUT, 1> yQueue;
    pipe.InitBuffer(xQueue, kDoubleBuffer, kQueueTileFloats * sizeof(float));
    pipe.InitBuffer(tQueue, kDoubleBuffer, kQueueTileFloats * sizeof(float));
    pipe.InitBuffer(yQueue, kDoubleBuffer, kQueueTileFloats * sizeof(float));
    TBuf<TPosition::VECCALC> expBuf;
    pipe.InitBuffer(expBuf, kQueueTileFloats * sizeof(float));
    const LocalTensor<float> expX = expBuf.Get<float>();
    const uint64_t total = static_cast<uint64_t>(kQueueTiles) * kQueueTileFloats;
    GlobalTensor<float> x, t, y;
    x.SetGlobalBuffer(reinterpret_cast<__gm__ float*>(gm[0]), total);
    t.SetGlobalBuffer(reinterpret_cast<__gm__ float*>(gm[1]), total);
    y.SetGlobalBuffer(reinterpret_cast<__gm__ float*>(gm[2]), total);
    for (uint32_t tile = 0; tile < kQueueTiles; ++tile) {
        const uint64_t offset = static_cast<uint64_t>(tile) * kQueueTileFloats;
        LocalTensor<float> xIn = xQueue.AllocTensor<float>();
        DataCopy(xIn, x[offset], kQueueTileFloats);
        xQueue.EnQue(xIn);
        LocalTensor<float> tIn = tQueue.AllocTensor<float>();
        DataCopy(tIn, t[offset], kQueueTileFloats);
        tQueue.EnQue(tIn);

        xIn = xQueue.DeQue<float>();
        if (mode == TARGET_EARLY) tIn = tQueue.DeQue<float>();
        for (uint32_t k = 0; k < kQueueBurnExps; ++k) Exp(expX, xIn, kQueueTileFloats);
        if (mode == TARGET_LATE) tIn = tQueue.DeQue<float>();
        LocalTensor<float> yOut = yQueue.AllocTensor<float>();
        Add(yOut, expX, tIn, kQueueTileFloats);
        yQueue.EnQue(yOut);
        xQueue.FreeTensor(xIn);
        tQueue.FreeTensor(tIn);

        yOut = yQueue.DeQue<float>();
        DataCopy(y[offset], yOut, kQueueTileFloats);
        yQueue.FreeTensor(yOut);
    }
}

}  // namespace cpu_sim_selftest

namespace cpu_sim_selftest {
namespace {

constexpr int32_t kHeldQueueBuffers = 4;  // a depth-1 VECIN queue's buffers, each freed once
constexpr uint32_t kInPlaceTiles = 3;

}  // namespace

// A depth-0 (inplace) VECIN queue of w3 buffers takes an MTE2_V and a V_MTE2 id per buffer at
// InitBuffer and keeps them (kernel_tpipe_impl.h InitBuffer, queDepth == 0). y[0..8) = x[0..8) +
// kInPlaceTiles through it, one Adds per pass; then a depth-1 VECIN queue frees its
// kHeldQueueBuffers buffers once each, every FreeTensor taking one more V_MTE2 id: with w3 = 4
// the pool's 8 ids suffice, with 5 the last FreeTensor finds none.
void st_flag_inplace_queue_ids(GM_ADDR* gm, GM_ADDR tiling) {
    const uint32_t inPlaceBuffers = TilingU32(tiling, 3);
    TPipe pipe;
    TQue<TPosition::VECIN, 0> inPlace;
    TQue<TPosition::VECIN, 1> held;
    TBuf<TPosition::VECCALC> acc;
    pipe.InitBuffer(inPlace, static_cast<uint8_t>(inPlaceBuffers), ONE_BLK_SIZE);
    pipe.InitBuffer(held, kHeldQueueBuffers, ONE_BLK_SIZE);
    pipe.InitBuffer(acc, ONE_BLK_SIZE);
    const GlobalTensor<float> x = FloatGm(gm[0], kBlockFloats);
    const GlobalTensor<float> y = FloatGm(gm[1], kBlockFloats);
    LocalTensor<float> sum = acc.Get<float>();
    LocalTensor<float> tile;
    for (uint32_t pass = 0; pass < kInPlaceTiles; ++pass) {
        inPlace.AllocTensor(tile);
        DataCopy(tile, pass == 0 ? x : y, kBlockFloats);
        inPlace.EnQue(tile);
        inPlace.DeQue(tile);
        Adds(sum, tile, 1.0f, kBlockFloats);
        inPlace.FreeTensor(tile);
        Sync<HardEvent::V_MTE3>(pipe);
        DataCopy(y, sum, kBlockFloats);
        Sync<HardEvent::MTE3_MTE2>(pipe);  // the next pass reads y back
    }
    LocalTensor<float> buffers[kHeldQueueBuffers];
    for (auto& b : buffers) {
        b = held.AllocTensor<float>();
        DataCopy(b, x, kBlockFloats);
        held.EnQue(b);
        b = held.DeQue<float>();
    }
    for (auto& b : buffers) held.FreeTensor(b);
}

}  // namespace cpu_sim_selftest

namespace cpu_sim_selftest {
namespace {

constexpr uint32_t kPrefetchTiles = 4;
enum PrefetchMode : uint32_t { PREFETCH = 0, THIRD_ENQUE = 1 };

// The forward's 'none' writes a tile's result into its own input buffer and copies it out from
// there; which of the two orders an output queue gave (V_MTE3, MTE3 before the buffer's next copy-in)
// the mode leaves out.
enum ResultInInputMode : uint32_t { ORDERED = 0, NO_MTE3_MTE2 = 1, NO_V_MTE3 = 2 };

// A SetFlag and its WaitFlag at once on an id FetchEventID gives (bce_with_logits_sync.h WaitPipe).
template <HardEvent event>
void WaitPipeNow(TPipe& pipe) {
    const TEventID id = pipe.FetchEventID<event>();
    SetFlag<event>(id);
    WaitFlag<event>(id);
}

}  // namespace

// The kernels' prefetch through a depth-2 VECIN queue of 2 buffers (asc-devkit
// kernel_tquebind_impl.h, __NPU_ARCH__ 2201: EnQue puts the buffer at que_[tail] and sets an MTE2_V
// id it takes from the pool, DeQue takes que_[head], waits that id and gives it back; FreeTensor
// sets a V_MTE2 id the next AllocTensor of the buffer waits and gives back). Tile t+1 is enqueued
// before tile t's DeQue; y[8t..8t+8) = x[8t..8t+8) + the MTE2_V id the pool would give next, read
// just before the DeQue. THIRD_ENQUE enqueues a third tile on the full queue.
void st_flag_prefetch_queue(GM_ADDR* gm, GM_ADDR tiling) {
    const uint32_t mode = TilingU32(tiling, 3);
    TPipe pipe;
    TQue<TPosition::VECIN, 2> in;
    TQue<TPosition::VECOUT, 1> out;
    pipe.InitBuffer(in, mode == THIRD_ENQUE ? 3 : 2, ONE_BLK_SIZE);
    pipe.InitBuffer(out, 1, ONE_BLK_SIZE);
    const GlobalTensor<float> x = FloatGm(gm[0], kPrefetchTiles * kBlockFloats);
    const GlobalTensor<float> y = FloatGm(gm[1], kPrefetchTiles * kBlockFloats);
    auto copyIn = [&](uint32_t tile) {
        LocalTensor<float> local = in.AllocTensor<float>();
        DataCopy(local, x[tile * kBlockFloats], kBlockFloats);
        in.EnQue(local);
    };
    copyIn(0);
    if (mode == THIRD_ENQUE) {
        copyIn(1);
        copyIn(2);
    }
    for (uint32_t tile = 0; tile < kPrefetchTiles; ++tile) {
        if (tile + 1 < kPrefetchTiles) {
            copyIn(tile + 1);
        }
        const float nextId = static_cast<float>(pipe.FetchEventID<HardEvent::MTE2_V>());
        LocalTensor<float> local = in.DeQue<float>();
        LocalTensor<float> result = out.AllocTensor<float>();
        Adds(result, local, nextId, kBlockFloats);
        in.FreeTensor(local);
        out.EnQue(result);
        result = out.DeQue<float>();
        DataCopy(y[tile * kBlockFloats], result, kBlockFloats);
        out.FreeTensor(result);
    }
}

// The forward 'none' kernel's buffer reuse (op_kernel/bce_with_logits.h CopyInInput, CopyOut):
// y[8t..8t+8) = x[8t..8t+8) + 1 computed in x's buffer of a depth-2, 2-buffer VECIN queue, tile t+1
// copied in before tile t's DeQue. x's FreeTensor after the copy-out sets V_MTE2, which orders the
// vector pipe only: tile t+2's copy into the buffer must also wait MTE3 (MTE3_MTE2), and the
// copy-out the vector pipe's writes (V_MTE3).
void st_flag_result_in_input(GM_ADDR* gm, GM_ADDR tiling) {
    const uint32_t mode = TilingU32(tiling, 3);
    TPipe pipe;
    TQue<TPosition::VECIN, 2> in;
    pipe.InitBuffer(in, 2, ONE_BLK_SIZE);
    const GlobalTensor<float> x = FloatGm(gm[0], kPrefetchTiles * kBlockFloats);
    const GlobalTensor<float> y = FloatGm(gm[1], kPrefetchTiles * kBlockFloats);
    auto copyIn = [&](uint32_t tile) {
        if (tile >= 2 && mode != NO_MTE3_MTE2) {
            WaitPipeNow<HardEvent::MTE3_MTE2>(pipe);
        }
        LocalTensor<float> local = in.AllocTensor<float>();
        DataCopy(local, x[tile * kBlockFloats], kBlockFloats);
        in.EnQue(local);
    };
    copyIn(0);
    for (uint32_t tile = 0; tile < kPrefetchTiles; ++tile) {
        if (tile + 1 < kPrefetchTiles) {
            copyIn(tile + 1);
        }
        LocalTensor<float> local = in.DeQue<float>();
        Adds(local, local, 1.0f, kBlockFloats);
        if (mode != NO_V_MTE3) {
            WaitPipeNow<HardEvent::V_MTE3>(pipe);
        }
        DataCopy(y[tile * kBlockFloats], local, kBlockFloats);
        in.FreeTensor(local);
    }
}

}  // namespace cpu_sim_selftest
