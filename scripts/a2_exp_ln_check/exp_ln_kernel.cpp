// Ascend C kernel of the A2 Exp/Ln accuracy check: expOut = Exp(x) and lnOut = Ln(x), elementwise.
#include "kernel_operator.h"
#include "exp_ln_tiling.h"

namespace ExpLnCheck {

constexpr int32_t QUEUE_DEPTH = 1;  // tensors a TQue holds between EnQue and DeQue
constexpr uint32_t BUFFER_NUM = 2;  // double buffering: copy tile i+1 in while tile i computes

// The tiling is the host's: refuse lengths that would drop data or overflow UB rather than hang.
__aicore__ inline bool TilingIsValid(const ExpLnTiling& tiling)
{
    return tiling.tileLength != 0 && tiling.tileLength <= DEFAULT_TILE_ELEMS &&
           tiling.tileLength % ALIGN_ELEMS == 0 && tiling.totalLength % ALIGN_ELEMS == 0;
}

template <typename T>
class KernelExpLn {
public:
    __aicore__ inline KernelExpLn() {}

    __aicore__ inline void Init(GM_ADDR x, GM_ADDR expOut, GM_ADDR lnOut, const ExpLnTiling& tiling)
    {
        totalLength_ = tiling.totalLength;
        tileLength_ = tiling.tileLength;
        xGm_.SetGlobalBuffer(reinterpret_cast<__gm__ T*>(x), totalLength_);
        expGm_.SetGlobalBuffer(reinterpret_cast<__gm__ T*>(expOut), totalLength_);
        lnGm_.SetGlobalBuffer(reinterpret_cast<__gm__ T*>(lnOut), totalLength_);
        pipe_.InitBuffer(inQueueX_, BUFFER_NUM, tileLength_ * sizeof(T));
        pipe_.InitBuffer(outQueueExp_, BUFFER_NUM, tileLength_ * sizeof(T));
        pipe_.InitBuffer(outQueueLn_, BUFFER_NUM, tileLength_ * sizeof(T));
    }

    __aicore__ inline void Process()
    {
        for (uint32_t offset = 0; offset < totalLength_; offset += tileLength_) {
            // The last tile may be shorter; it is still a multiple of ALIGN_ELEMS, so whole blocks.
            const uint32_t rest = totalLength_ - offset;
            const uint32_t count = rest < tileLength_ ? rest : tileLength_;
            CopyIn(offset, count);
            Compute(count);
            CopyOut(offset, count);
        }
    }

private:
    __aicore__ inline void CopyIn(uint32_t offset, uint32_t count)
    {
        AscendC::LocalTensor<T> xLocal = inQueueX_.template AllocTensor<T>();
        AscendC::DataCopy(xLocal, xGm_[offset], count);
        inQueueX_.EnQue(xLocal);
    }

    // The instructions under test, on the input dtype itself (no widening of fp16): Exp and Ln
    // are measured as a kernel calls them.
    __aicore__ inline void Compute(uint32_t count)
    {
        AscendC::LocalTensor<T> xLocal = inQueueX_.template DeQue<T>();
        AscendC::LocalTensor<T> expLocal = outQueueExp_.template AllocTensor<T>();
        AscendC::LocalTensor<T> lnLocal = outQueueLn_.template AllocTensor<T>();
        AscendC::Exp(expLocal, xLocal, static_cast<int32_t>(count));
        AscendC::Ln(lnLocal, xLocal, static_cast<int32_t>(count));
        outQueueExp_.EnQue(expLocal);
        outQueueLn_.EnQue(lnLocal);
        inQueueX_.FreeTensor(xLocal);
    }

    __aicore__ inline void CopyOut(uint32_t offset, uint32_t count)
    {
        AscendC::LocalTensor<T> expLocal = outQueueExp_.template DeQue<T>();
        AscendC::DataCopy(expGm_[offset], expLocal, count);
        outQueueExp_.FreeTensor(expLocal);
        AscendC::LocalTensor<T> lnLocal = outQueueLn_.template DeQue<T>();
        AscendC::DataCopy(lnGm_[offset], lnLocal, count);
        outQueueLn_.FreeTensor(lnLocal);
    }

    AscendC::TPipe pipe_;
    AscendC::TQue<AscendC::TPosition::VECIN, QUEUE_DEPTH> inQueueX_;
    AscendC::TQue<AscendC::TPosition::VECOUT, QUEUE_DEPTH> outQueueExp_;
    AscendC::TQue<AscendC::TPosition::VECOUT, QUEUE_DEPTH> outQueueLn_;
    AscendC::GlobalTensor<T> xGm_;
    AscendC::GlobalTensor<T> expGm_;
    AscendC::GlobalTensor<T> lnGm_;
    uint32_t totalLength_ = 0;
    uint32_t tileLength_ = 0;
};

// The scalar unit reads GM through its data cache: a word-by-word copy brings the POD tiling in.
__aicore__ inline void CopyTiling(ExpLnTiling* dst, GM_ADDR tiling)
{
    auto src = reinterpret_cast<__gm__ uint32_t*>(tiling);
    auto words = reinterpret_cast<uint32_t*>(dst);
    for (uint32_t i = 0; i < sizeof(ExpLnTiling) / sizeof(uint32_t); ++i) {
        words[i] = src[i];
    }
}

template <typename T>
__aicore__ inline void RunKernel(GM_ADDR x, GM_ADDR expOut, GM_ADDR lnOut, const ExpLnTiling& tiling)
{
    KernelExpLn<T> op;
    op.Init(x, expOut, lnOut, tiling);
    op.Process();
}

}  // namespace ExpLnCheck

using namespace ExpLnCheck;

// One block does the whole (small) grid: the check is about values, not speed.
extern "C" __global__ __aicore__ void exp_ln_accuracy(GM_ADDR x, GM_ADDR expOut, GM_ADDR lnOut, GM_ADDR tiling)
{
    KERNEL_TASK_TYPE_DEFAULT(KERNEL_TYPE_AIV_ONLY);
    if (AscendC::GetBlockIdx() != 0) {
        return;
    }
    ExpLnTiling tilingData;
    CopyTiling(&tilingData, tiling);
    if (!TilingIsValid(tilingData)) {
        return;
    }
    switch (static_cast<DType>(tilingData.dtype)) {
        case DType::FLOAT32:
            RunKernel<float>(x, expOut, lnOut, tilingData);
            break;
        case DType::FLOAT16:
            RunKernel<half>(x, expOut, lnOut, tilingData);
            break;
    }
}
