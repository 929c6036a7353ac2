// Self-test kernel for UB bank conflicts (cpu_sim/include/sim/ub_banks.h): the bank_conflict_ub
// sample of asc-devkit reduced to its core. One UB buffer from offset 0; x is copied in at src0,
// y at src1 (unless src1 == src0), then Add(dst, src0, src1) runs `adds` times over the floats and dst goes back to GM.
// gm: x, y, z (floats). Tiling words: [0] src0, [1] src1, [2] dst (UB byte offsets, 32-B
// aligned), [3] floats, [4] Adds; [5] = 1: Cast(dst as half, src0, CAST_RINT) instead of the Adds
// (its narrow side spans 4 blocks a repeat).
#include "st_common.h"

namespace cpu_sim_selftest {

void st_bank_add(GM_ADDR* gm, GM_ADDR tiling) {
    constexpr uint32_t kUbArenaBytes = 160 * 1024;  // holds every layout the test places
    const uint32_t src0 = TilingU32(tiling, 0), src1 = TilingU32(tiling, 1), dst = TilingU32(tiling, 2);
    const uint32_t floats = TilingU32(tiling, 3), adds = TilingU32(tiling, 4);
    GlobalTensor<float> xGm, yGm, zGm;
    xGm.SetGlobalBuffer(reinterpret_cast<__gm__ float*>(gm[0]), floats);
    yGm.SetGlobalBuffer(reinterpret_cast<__gm__ float*>(gm[1]), floats);
    zGm.SetGlobalBuffer(reinterpret_cast<__gm__ float*>(gm[2]), floats);
    TPipe pipe;
    TBuf<TPosition::VECCALC> arena;
    pipe.InitBuffer(arena, kUbArenaBytes);
    LocalTensor<float> ub = arena.Get<float>();
    LocalTensor<float> a = ub[src0 / sizeof(float)], b = ub[src1 / sizeof(float)], z = ub[dst / sizeof(float)];
    DataCopy(a, xGm, floats);
    if (src1 != src0) DataCopy(b, yGm, floats);  // src0 == src1: Add(dst, x, x)
    Sync<HardEvent::MTE2_V>(pipe);
    if (TilingU32(tiling, 5) == 1) {
        LocalTensor<half> h = z.ReinterpretCast<half>();
        Cast(h, a, RoundMode::CAST_RINT, floats);
        Sync<HardEvent::V_MTE3>(pipe);
        DataCopy(zGm, z, floats / 2);  // the halves, packed two per float
        return;
    }
    for (uint32_t i = 0; i < adds; ++i) Add(z, a, b, static_cast<int32_t>(floats));
    Sync<HardEvent::V_MTE3>(pipe);
    DataCopy(zGm, z, floats);
}

}  // namespace cpu_sim_selftest
