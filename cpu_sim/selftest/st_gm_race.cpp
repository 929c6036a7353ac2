// Self-test kernels: cross-block GM races (gm_race.h). Blocks see each other's GM writes only
// after SyncAll, so without one two blocks may not write the same bytes, nor read bytes another
// block writes; SetAtomicAdd adds to the same bytes are fine.
#include "st_common.h"

namespace cpu_sim_selftest {

// gm: ws (blockDim * 8 floats), out (8 floats). tiling [3] mode:
// 0 block 1 copies a slot out, block 0 copies it in (no SyncAll) -> race
// 1 the same with SyncAll between -> ok, out[0..8) = 2
// 2 blocks 0 and 1 copy to the same slot -> race
// 3 block b writes 16 B at ws[4b] by DataCopyPad (neighbours in one 32-B granule) -> ok
// 4 every block atomically adds (b + 1) to slot 0 -> ok
// 5 block 1 SetValue(ws[0]), block 0 GetValue(ws[0]) (scalar path, no SyncAll) -> race
// 6 blocks 0 and 1 copy to the same slot, then SyncAll -> race, found at SyncAll #1
// 7 block 1 writes a slot, SyncAll, block 0 reads it while block 1 writes it again -> race after SyncAll #1
void st_gm_race(GM_ADDR* gm, GM_ADDR tiling) {
    KERNEL_TASK_TYPE_DEFAULT(KERNEL_TYPE_MIX_AIV_1_0);
    const uint32_t mode = TilingU32(tiling, 3);
    const uint32_t blocks = static_cast<uint32_t>(GetBlockNum());
    const uint32_t b = static_cast<uint32_t>(GetBlockIdx());
    TPipe pipe;
    TBuf<TPosition::VECCALC> buf;
    pipe.InitBuffer(buf, 8 * sizeof(float));
    GlobalTensor<float> ws, out;
    ws.SetGlobalBuffer(reinterpret_cast<__gm__ float*>(gm[0]), blocks * 8);
    out.SetGlobalBuffer(reinterpret_cast<__gm__ float*>(gm[1]), 8);
    LocalTensor<float> t = buf.Get<float>();
    if (mode == 5) {
        if (b == 1) ws.SetValue(0, 5.0f);
        if (b == 0) out.SetValue(0, ws.GetValue(0));
        return;
    }
    Duplicate(t, static_cast<float>(b + 1), 8);
    Sync<HardEvent::V_MTE3>(pipe);
    if (mode == 0 || mode == 1) {
        if (b == 1) DataCopy(ws, t, 8);
        if (mode == 1) SyncAll();
        if (b == 0) {
            Sync<HardEvent::MTE3_MTE2>(pipe);
            DataCopy(t, ws, 8);
            Sync<HardEvent::MTE2_MTE3>(pipe);
            DataCopy(out, t, 8);
        }
    } else if (mode == 2) {
        if (b <= 1) DataCopy(ws, t, 8);
    } else if (mode == 3) {
        DataCopyPad(ws[4 * b], t, DataCopyExtParams(1, 16, 0, 0, 0));
    } else if (mode == 6) {
        if (b <= 1) DataCopy(ws, t, 8);
        SyncAll();
    } else if (mode == 7) {
        if (b == 1) DataCopy(ws, t, 8);
        SyncAll();
        if (b == 1) DataCopy(ws, t, 8);
        if (b == 0) DataCopy(t, ws, 8);
    } else if (mode == 4) {
        SetAtomicAdd<float>();
        DataCopy(ws, t, 8);
        SetAtomicNone();
    }
}

}  // namespace cpu_sim_selftest
