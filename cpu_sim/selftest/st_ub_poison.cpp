// Self-test kernel: UB a kernel never wrote holds kUbPoisonByte (context.h), not zeros. On the NPU a
// buffer keeps what the core's previous kernel left there (AllocTensor: stale contents).
#include "st_common.h"

namespace cpu_sim_selftest {

// gm: out (tiling[0] floats, a multiple of 8). Block 0 copies a never-written buffer out.
void st_ub_poison(GM_ADDR* gm, GM_ADDR tiling) {
    const uint32_t count = TilingU32(tiling, 0);
    TPipe pipe;
    TQue<TPosition::VECOUT, 1> queue;
    pipe.InitBuffer(queue, 1, count * sizeof(float));
    GlobalTensor<float> out;
    out.SetGlobalBuffer(reinterpret_cast<__gm__ float*>(gm[0]), count);
    LocalTensor<float> never = queue.AllocTensor<float>();
    queue.EnQue(never);
    never = queue.DeQue<float>();
    DataCopy(out, never, count);
    queue.FreeTensor(never);
}

}  // namespace cpu_sim_selftest
