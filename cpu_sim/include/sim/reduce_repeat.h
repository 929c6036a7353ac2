// ReduceRepeat<ReduceType::SUM> (the former WholeReduceSum): one sum per 256-B repeat, written by
// the vector pipe itself, so unlike ReduceSum it needs no V_S round trip through the scalar unit.
#pragma once

#include <cstdint>

#include "sim/tensor.h"
#include "sim/vector.h"

namespace AscendC {

enum class ReduceType { NONE = -1, SUM = 0, MAX, MIN };
enum class ReduceOrder { ORDER_VALUE_INDEX, ORDER_INDEX_VALUE, ORDER_ONLY_VALUE, ORDER_ONLY_INDEX };

// Mask in continuous mode: the first `mask` lanes of every repeat. dst[r * dstRepStride] = sum of
// repeat r, whose block b starts at src + (r * srcRepStride + b * srcBlkStride) * 32 B. A2: half
// and float, T == U; src 32-B aligned, dst aligned to its element (impl CheckReduceRepeatSumParams);
// repeatTime in [0, 255]; mask in [1, elements per repeat].
template <ReduceType reduceType, typename T, typename U, bool isSetMask = true>
void ReduceRepeat(const LocalTensor<T>& dst, const LocalTensor<U>& src, const int32_t mask, const int32_t repeatTime,
                  const int32_t dstRepStride, const int32_t srcBlkStride, const int32_t srcRepStride,
                  ReduceOrder order = ReduceOrder::ORDER_VALUE_INDEX) {
    static_assert(reduceType == ReduceType::SUM, "ReduceRepeat: only ReduceType::SUM is modelled by cpu_sim");
    static_assert(std::is_same_v<T, U> && sim_detail::IsHF<T>, "ReduceRepeat: A2 supports half/float, T == U");
    (void)order;  // not used for SUM
    const char* api = "ReduceRepeat";
    constexpr int32_t perRepeat = ONE_REPEAT_BYTE_SIZE / sizeof(T);
    constexpr int32_t perBlock = ONE_BLK_SIZE / sizeof(T);
    if (repeatTime < 0 || repeatTime > 255) {
        cpu_sim::Fail(cpu_sim::Format("%s: repeatTime %d outside [0, 255]", api, repeatTime));
    }
    if (mask < 1 || mask > perRepeat) {
        cpu_sim::Fail(cpu_sim::Format("%s: mask %d outside [1, %d]", api, mask, perRepeat));
    }
    if (dstRepStride < 0 || srcBlkStride < 0 || srcRepStride < 0) {
        cpu_sim::Fail(cpu_sim::Format("%s: negative stride", api));
    }
    if (repeatTime == 0) return;
    const uint64_t dstSpan = static_cast<uint64_t>(repeatTime - 1) * dstRepStride + 1;
    if (dst.GetPhyAddr() == nullptr || dstSpan > dst.GetSize()) {
        cpu_sim::Fail(cpu_sim::Format("%s: dst needs %llu elements but holds %u", api,
                                      (unsigned long long)dstSpan, dst.GetSize()));
    }
    const uint32_t blocks = static_cast<uint32_t>((mask + perBlock - 1) / perBlock);
    const uint64_t lastByte = (static_cast<uint64_t>(repeatTime - 1) * srcRepStride +
                               static_cast<uint64_t>(blocks - 1) * srcBlkStride) * ONE_BLK_SIZE + ONE_BLK_SIZE;
    src.SimCheckBytes(api, "src", lastByte);
    const uint8_t* base = reinterpret_cast<const uint8_t*>(src.GetPhyAddr());
    T results[255];
    for (int32_t r = 0; r < repeatTime; ++r) {
        T lanes[perRepeat];
        for (uint32_t b = 0; b < blocks; ++b) {
            const uint8_t* block = base + (static_cast<uint64_t>(r) * srcRepStride + b * srcBlkStride) * ONE_BLK_SIZE;
            cpu_sim::HazardRead(api, block, ONE_BLK_SIZE, cpu_sim::PIPE_BIT_V);
            std::memcpy(&lanes[b * perBlock], block, ONE_BLK_SIZE);
        }
        results[r] = sim_detail::VcaddRepeat(lanes, static_cast<uint32_t>(mask));
    }
    T* d = dst.GetPhyAddr();
    for (int32_t r = 0; r < repeatTime; ++r) {
        d[static_cast<uint64_t>(r) * dstRepStride] = results[r];
        cpu_sim::HazardWrite(api, &d[static_cast<uint64_t>(r) * dstRepStride], sizeof(T), cpu_sim::PIPE_BIT_V);
    }
    cpu_sim::CountInstr(api, static_cast<uint64_t>(repeatTime), sizeof(T));
}

// WholeReduceSum<T> (continuous mask): the name ReduceRepeat<SUM> had up to CANN 9.0.0, same
// operands and the same vcadd per repeat; kept so that kernels for older toolkits build here too.
template <typename T, bool isSetMask = true>
void WholeReduceSum(const LocalTensor<T>& dst, const LocalTensor<T>& src, const int32_t mask, const int32_t repeatTime,
                    const int32_t dstRepStride, const int32_t srcBlkStride, const int32_t srcRepStride) {
    ReduceRepeat<ReduceType::SUM, T, T, isSetMask>(dst, src, mask, repeatTime, dstRepStride, srcBlkStride,
                                                   srcRepStride);
}

}  // namespace AscendC
