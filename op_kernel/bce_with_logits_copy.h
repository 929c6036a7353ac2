// GM copies of bce_with_logits: contiguous GM <-> UB of any element count, the tiling struct, an
// operand's GM view and scalar widening.
#ifndef BCE_WITH_LOGITS_COPY_H
#define BCE_WITH_LOGITS_COPY_H

#include "kernel_operator.h"
#include "bce_with_logits_bank_plan.h"
#include "bce_with_logits_sync.h"
#include "bce_with_logits_tiling.h"

namespace BceWithLogits {

// A scalar read of an operand, in fp32 (bf16 widens through the scalar Cast).
template <typename U>
__aicore__ inline float ScalarToFloat(U value) { return static_cast<float>(value); }
template <>
__aicore__ inline float ScalarToFloat<bfloat16_t>(bfloat16_t value) { return AscendC::Cast(value); }

// Bytes of one element of an operand as stored in GM (fp32, or a 16-bit type).
__aicore__ inline uint32_t GmElemBytes(const OperandTiling& op) { return DTypeElemBytes(op.dtype); }

// An operand's GM view.
template <typename U>
__aicore__ inline AscendC::GlobalTensor<U> OperandGm(GM_ADDR gm, uint64_t numel)
{
    AscendC::GlobalTensor<U> tensor;
    tensor.SetGlobalBuffer(reinterpret_cast<__gm__ U*>(gm), numel);
    return tensor;
}

// DataCopy moves whole 32-B blocks only and silently drops a partial last block, so counts
// whose bytes do not fill whole blocks go through DataCopyPad as one run of exact bytes.
template <typename U>
__aicore__ inline bool FillsWholeBlocks(uint32_t count)
{
    return (count * sizeof(U)) % BLOCK_BYTES == 0;
}

template <typename U>
__aicore__ inline AscendC::DataCopyExtParams OneRun(uint32_t count)
{
    return AscendC::DataCopyExtParams{1, static_cast<uint32_t>(count * sizeof(U)), 0, 0, 0};
}

template <typename U>
__aicore__ inline void CopyContiguous(const AscendC::LocalTensor<U>& dst, const AscendC::GlobalTensor<U>& src,
                                      uint32_t count)
{
    if (FillsWholeBlocks<U>(count)) {
        AscendC::DataCopy(dst, src, count);
    } else {
        AscendC::DataCopyPad(dst, src, OneRun<U>(count), AscendC::DataCopyPadExtParams<U>());
    }
}

// GM -> UB of `count` elements with the rest of the last 32-B block set to zero. The hardware
// fills that rest with dummy data (the run's first element) when no padding is asked for, even,
// by one reading of the DataCopyPad page, with isPad; so the zeros are asked for explicitly as
// right padding up to the block, which the page guarantees to be paddingValue.
template <typename U>
__aicore__ inline void CopyZeroPadded(const AscendC::LocalTensor<U>& dst, const AscendC::GlobalTensor<U>& src,
                                      uint32_t count)
{
    constexpr uint32_t blockElems = BLOCK_BYTES / sizeof(U);
    const uint32_t rightPadding = (blockElems - count % blockElems) % blockElems;
    if (rightPadding == 0) {
        AscendC::DataCopy(dst, src, count);
    } else {
        AscendC::DataCopyPad(dst, src, OneRun<U>(count),
                             AscendC::DataCopyPadExtParams<U>(true, 0, static_cast<uint8_t>(rightPadding), U(0)));
    }
}

template <typename U>
__aicore__ inline void CopyContiguous(const AscendC::GlobalTensor<U>& dst, const AscendC::LocalTensor<U>& src,
                                      uint32_t count)
{
    if (FillsWholeBlocks<U>(count)) {
        AscendC::DataCopy(dst, src, count);
    } else {
        AscendC::DataCopyPad(dst, src, OneRun<U>(count));
    }
}

// One tile of a streamed GM tensor into a fresh buffer of `queue`, queued for Compute.
template <typename Queue, typename U>
__aicore__ inline void CopyInTile(Queue& queue, const AscendC::GlobalTensor<U>& src, uint32_t count)
{
    AscendC::LocalTensor<U> local = queue.template AllocTensor<U>();
    CopyContiguous(local, src, count);
    queue.EnQue(local);
}

// An input tile copied into the buffer of `queue` a result was copied out of (the block's tile
// BUFFER_NUM back wrote its result into it, LossIntoInput) when `afterCopyOut`: AllocTensor waits
// only the V_MTE2 id FreeTensor set (kernel_tquebind_impl.h AllocBuffer :642-645), which orders the
// vector pipe's work, not MTE3's, so MTE2 first waits every MTE3 copy issued so far, as
// TPipe::WriteSpmBuffer does after its UB->GM copy (kernel_tpipe_impl.h :720-722). Here, right
// before this copy, not after the copy-out: the copies issued in between need not wait for it.
template <typename Queue, typename U>
__aicore__ inline void CopyInTileAfterCopyOut(AscendC::TPipe& pipe, Queue& queue, const AscendC::GlobalTensor<U>& src,
                                              uint32_t count, bool afterCopyOut)
{
    if (afterCopyOut) {
        WaitPipe<AscendC::HardEvent::MTE3_MTE2>(pipe);
    }
    CopyInTile(queue, src, count);
}

// A result the vector pipe wrote into its input's buffer of `queue` (LossIntoInput) out to GM:
// MTE3 reads it after the vector pipe's writes, the order an output queue's EnQue/DeQue gave with a
// V_MTE3 id (kernel_tquebind_impl.h EnQue :297-302, DeQue :398-404). The buffer is freed once its
// last reader is issued; CopyInTileAfterCopyOut orders the next copy into it after this one.
template <typename Queue, typename U>
__aicore__ inline void CopyOutOfInputTile(AscendC::TPipe& pipe, Queue& queue, const AscendC::GlobalTensor<U>& dst,
                                          AscendC::LocalTensor<U>& tile, uint32_t count)
{
    WaitPipe<AscendC::HardEvent::V_MTE3>(pipe);
    CopyContiguous(dst, tile, count);
    queue.FreeTensor(tile);
}

// The scalar unit reads GM through its data cache, so a word-by-word copy is the portable way to
// bring a POD tiling struct into the kernel (the op-project macro GET_TILING_DATA does the same).
__aicore__ inline void CopyTiling(TilingData* dst, GM_ADDR tiling)
{
    auto src = reinterpret_cast<__gm__ uint32_t*>(tiling);
    auto words = reinterpret_cast<uint32_t*>(dst);
    for (uint32_t i = 0; i < sizeof(TilingData) / sizeof(uint32_t); ++i) {
        words[i] = src[i];
    }
}

// The one switch from an operand's GM dtype code to its element type: calls
// owner.Run<U>(Tag{}, args...). Classes whose per-dtype steps are private `Run` overloads befriend it.
struct GmTypeDispatch {
    template <typename Tag, typename Owner, typename... Args>
    __aicore__ static inline void Call(uint32_t dtype, Owner& owner, Args&... args)
    {
        switch (static_cast<DType>(dtype)) {
            case DType::FLOAT32:
                owner.template Run<float>(Tag{}, args...);
                break;
            case DType::FLOAT16:
                owner.template Run<half>(Tag{}, args...);
                break;
            case DType::BFLOAT16:
                owner.template Run<bfloat16_t>(Tag{}, args...);
                break;
        }
    }
};

}  // namespace BceWithLogits

#endif  // BCE_WITH_LOGITS_COPY_H
