// Self-test kernel: every GM access through a GlobalTensor stays inside the extent its
// SetGlobalBuffer(buffer, bufferSize) declared, views (operator[]) included (tensor.h). On the NPU
// framework tensors are sub-allocations of one memory pool, so bytes past a tensor's extent belong
// to a neighbouring tensor: a copy there reads or overwrites it without a fault. The launcher's
// buffers here are larger than the declared extents (the slack), so the launch-buffer check
// ("GM out of bounds") passes every mode; only the extent check can tell.
#include "st_common.h"

namespace cpu_sim_selftest {

namespace {
constexpr uint32_t kX = 32;  // declared extent of x (the launcher's buffer 0 holds 64 floats)
constexpr uint32_t kY = 48;  // declared extent of y (the launcher's buffer 1 holds 64 floats)
}  // namespace

// gm: x (64 floats), y (64 floats). tiling [3] mode:
// 0 clean: copies that end exactly at the extents, both ways, single and multi-burst -> ok
// 1 DataCopy(GM->UB) of 8 floats from x[25] (7 left)              -> bytes [100, 132) past [0, 128)
// 2 DataCopy(UB->GM) of 8 floats to y[44]                         -> bytes [176, 208) past [0, 192)
// 3 DataCopyPad(GM->UB) from x[16], 2 bursts of 32 B, stride 32 B  -> bytes [64, 160) past [0, 128)
// 4 x set at buffer 0 + 32 floats, DataCopy of 8 from x[-8]       -> bytes [-32, 0) before the base
// 5 x[30].GetValue(2)                                              -> bytes [128, 132)
// 6 y[47].SetValue(1, 1)                                           -> bytes [192, 196)
// 7 DataCopy(UB->GM, DataCopyParams(2, 1, 0, 1)) to y[32]          -> bytes [128, 224)
// 8 DataCopyPad(UB->GM) to y[40], 2 bursts of 16 B, dst gap 8 B   -> bytes [160, 200)
// 9 Fill(y[44], 8, 1)                                              -> bytes [176, 208)
// 10 x without bufferSize (extent unknown): the launcher's last 8 floats to y[8, 16) -> ok;
//    y[0] = x.GetSize() (0, as asc-devkit's CPU debug build and the GetSize page say)
// 11 Fill on a GlobalTensor without bufferSize -> asc-devkit's InitGlobalMemory check (size > 0)
// 12 x set with bufferSize 0 (unknown, as 10): the launcher's last 8 floats to y[0, 8) -> ok
// 13 x[31](1) (operator())                                         -> bytes [128, 132)
// 14 DataCopy(GM->UB, DataCopyParams(2, 1, 1, 0)) from x[16]       -> bytes [64, 160)
// 15 DataCopyPad(UB->GM) of 32 B to y[41] (7 floats left)          -> bytes [164, 196)
// 16 x set at buffer 0 + 32 floats, x[-1].GetValue(0)              -> bytes [-4, 0)
void st_gm_extent(GM_ADDR* gm, GM_ADDR tiling) {
    const uint32_t mode = TilingU32(tiling, 3);
    __gm__ float* gx = reinterpret_cast<__gm__ float*>(gm[0]);
    __gm__ float* gy = reinterpret_cast<__gm__ float*>(gm[1]);
    TPipe pipe;
    TBuf<TPosition::VECCALC> buf;
    pipe.InitBuffer(buf, 64 * sizeof(float));
    LocalTensor<float> t = buf.Get<float>();
    GlobalTensor<float> x, y;
    x.SetGlobalBuffer(gx, kX);
    y.SetGlobalBuffer(gy, kY);
    const uint64_t minus8 = static_cast<uint64_t>(-8);  // operator[] takes a uint64_t: wraps to 8 back
    switch (mode) {
        case 0: {
            DataCopy(t, x[24], 8);                                   // t[0, 8) = x[24, 32)
            DataCopyPad(t[8], x[25], DataCopyExtParams(2, 12, 4, 0, 0),
                        DataCopyPadExtParams<float>(true, 0, 5, 0.0f));  // t[8, 11) = x[25, 28), t[16, 19) = x[29, 32)
            DataCopy(t[24], x, DataCopyParams(2, 1, 1, 0));         // t[24, 32) = x[0, 8), t[32, 40) = x[16, 24)
            Sync<HardEvent::MTE2_MTE3>(pipe);
            DataCopy(y[24], t, 8);                                   // y[24, 32)
            DataCopyPad(y, t[8], DataCopyExtParams(2, 12, 0, 4, 0)); // y[0, 3), y[4, 7)
            DataCopy(y[32], t[24], DataCopyParams(2, 1, 0, 0));      // y[32, 48): ends at the extent
            GlobalTensor<float> y8 = y[8];                           // Fill takes a GlobalTensor&
            Fill(y8, 8, 7.0f);                                       // y[8, 16)
            y[16].SetValue(7, x[24].GetValue(7));                    // y[23] = x[31]
            break;
        }
        case 1: DataCopy(t, x[25], 8); break;
        case 2: DataCopy(y[44], t, 8); break;
        case 3: DataCopyPad(t, x[16], DataCopyExtParams(2, 32, 32, 0, 0), DataCopyPadExtParams<float>()); break;
        case 4: {
            GlobalTensor<float> xs;
            xs.SetGlobalBuffer(gx + 32, kX);
            DataCopy(t, xs[minus8], 8);
            break;
        }
        case 5: y.SetValue(0, x[30].GetValue(2)); break;
        case 6: y[47].SetValue(1, 1.0f); break;
        case 7: DataCopy(y[32], t, DataCopyParams(2, 1, 0, 1)); break;
        case 8: DataCopyPad(y[40], t, DataCopyExtParams(2, 16, 0, 8, 0)); break;
        case 9: {
            GlobalTensor<float> y44 = y[44];
            Fill(y44, 8, 1.0f);
            break;
        }
        case 10: {
            GlobalTensor<float> xu;
            xu.SetGlobalBuffer(gx);
            DataCopy(t, xu[56], 8);
            Sync<HardEvent::MTE2_MTE3>(pipe);
            DataCopy(y[8], t, 8);                                    // y[8, 16) = x[56, 64)
            y.SetValue(0, static_cast<float>(xu.GetSize()));
            break;
        }
        case 11: {
            GlobalTensor<float> yu;
            yu.SetGlobalBuffer(gy);
            Fill(yu, 8, 1.0f);
            break;
        }
        case 12: {
            GlobalTensor<float> x0;
            x0.SetGlobalBuffer(gx, 0);
            DataCopy(t, x0[56], 8);
            Sync<HardEvent::MTE2_MTE3>(pipe);
            DataCopy(y, t, 8);                                       // y[0, 8) = x[56, 64)
            break;
        }
        case 13: y.SetValue(0, x[31](1)); break;
        case 14: DataCopy(t, x[16], DataCopyParams(2, 1, 1, 0)); break;
        case 15: DataCopyPad(y[41], t, DataCopyExtParams(1, 32, 0, 0, 0)); break;
        case 16: {
            GlobalTensor<float> xs;
            xs.SetGlobalBuffer(gx + 32, kX);
            y.SetValue(0, xs[static_cast<uint64_t>(-1)].GetValue(0));
            break;
        }
        default: cpu_sim::Fail(cpu_sim::Format("gm_extent: unknown mode %u", mode));
    }
}

}  // namespace cpu_sim_selftest
