// Self-test: the classic double-buffered add of N floats (Init/Process/CopyIn/Compute/CopyOut).
#include "kernel_operator.h"
#include "st_common.h"

using namespace AscendC;

namespace {
constexpr int32_t BUFFER_NUM = 2;
constexpr uint32_t TILE_LENGTH = 1024;  // floats per tile, 4 KiB

class KernelAdd {
public:
    __aicore__ inline KernelAdd() {}
    __aicore__ inline void Init(GM_ADDR x, GM_ADDR y, GM_ADDR z, uint32_t totalLength) {
        blockLength_ = totalLength / GetBlockNum();
        xGm_.SetGlobalBuffer((__gm__ float*)x + blockLength_ * GetBlockIdx(), blockLength_);
        yGm_.SetGlobalBuffer((__gm__ float*)y + blockLength_ * GetBlockIdx(), blockLength_);
        zGm_.SetGlobalBuffer((__gm__ float*)z + blockLength_ * GetBlockIdx(), blockLength_);
        pipe_.InitBuffer(inQueueX_, BUFFER_NUM, TILE_LENGTH * sizeof(float));
        pipe_.InitBuffer(inQueueY_, BUFFER_NUM, TILE_LENGTH * sizeof(float));
        pipe_.InitBuffer(outQueueZ_, BUFFER_NUM, TILE_LENGTH * sizeof(float));
    }
    __aicore__ inline void Process() {
        const uint32_t tiles = blockLength_ / TILE_LENGTH;
        for (uint32_t i = 0; i < tiles; ++i) {
            CopyIn(i);
            Compute();
            CopyOut(i);
        }
    }

private:
    __aicore__ inline void CopyIn(uint32_t progress) {
        LocalTensor<float> x = inQueueX_.AllocTensor<float>();
        LocalTensor<float> y = inQueueY_.AllocTensor<float>();
        DataCopy(x, xGm_[progress * TILE_LENGTH], TILE_LENGTH);
        DataCopy(y, yGm_[progress * TILE_LENGTH], TILE_LENGTH);
        inQueueX_.EnQue(x);
        inQueueY_.EnQue(y);
    }
    __aicore__ inline void Compute() {
        LocalTensor<float> x = inQueueX_.DeQue<float>();
        LocalTensor<float> y = inQueueY_.DeQue<float>();
        LocalTensor<float> z = outQueueZ_.AllocTensor<float>();
        Add(z, x, y, TILE_LENGTH);
        outQueueZ_.EnQue<float>(z);
        inQueueX_.FreeTensor(x);
        inQueueY_.FreeTensor(y);
    }
    __aicore__ inline void CopyOut(uint32_t progress) {
        LocalTensor<float> z = outQueueZ_.DeQue<float>();
        DataCopy(zGm_[progress * TILE_LENGTH], z, TILE_LENGTH);
        outQueueZ_.FreeTensor(z);
    }

    TPipe pipe_;
    TQue<TPosition::VECIN, 1> inQueueX_, inQueueY_;
    TQue<TPosition::VECOUT, 1> outQueueZ_;
    GlobalTensor<float> xGm_, yGm_, zGm_;
    uint32_t blockLength_ = 0;
};
}  // namespace

// N (tiling word 0) must be a multiple of blockDim * 1024.
extern "C" __global__ __aicore__ void st_add_f32(GM_ADDR x, GM_ADDR y, GM_ADDR z, GM_ADDR workspace,
                                                 GM_ADDR tiling) {
    KernelAdd op;
    op.Init(x, y, z, cpu_sim_selftest::TilingU32(tiling, 0));  // checked: the runner may pass no tiling
    op.Process();
}
