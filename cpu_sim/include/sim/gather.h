// Gather (count form) and CreateVecIndex (count form) as dav_c220 implements them: an element
// gather by byte offsets on the vector pipe, and the index ramp such offsets are built from.
#pragma once

#include <algorithm>
#include <cstdint>
#include <type_traits>

#include "sim/sync.h"
#include "sim/tensor.h"
#include "sim/vector.h"

namespace AscendC {

// dst[i] = src at byte (srcBaseOffset + srcOffset[i]). kernel_operator_vec_gather_intf_impl.h
// issues vgather with repeatTime = count / elements-per-repeat held in a uint8_t (so more than 255
// whole repeats silently wrap) plus one masked repeat for the tail. A2 types: half, bfloat16_t,
// int16/uint16, int32/uint32, float. The docs make a misaligned offset "unexpected data" and
// src == dst unsupported; both fail here, as does a read outside src (another buffer's data) and a
// dst over srcOffset (an overlap the page does not describe: unsupported by the pages' general rule).
template <typename T>
void Gather(const LocalTensor<T>& dst, const LocalTensor<T>& src, const LocalTensor<uint32_t>& srcOffset,
            const uint32_t srcBaseOffset, const uint32_t count) {
    static_assert(sim_detail::OneOf<T, half, bfloat16_t, uint16_t, int16_t, float, uint32_t, int32_t>,
                  "Gather: this dtype is not supported on A2");
    const char* api = "Gather";
    constexpr uint32_t perRepeat = ONE_REPEAT_BYTE_SIZE / sizeof(T);
    constexpr uint32_t maxRepeats = 255;  // repeatTime is a uint8_t in the count form
    if (count / perRepeat > maxRepeats) {
        cpu_sim::Fail(cpu_sim::Format("%s: count %u needs %u whole repeats; the count form keeps the repeat count "
                                      "in a uint8_t (at most %u), so the device would gather a wrapped count",
                                      api, count, count / perRepeat, maxRepeats));
    }
    if (count == 0) return;
    dst.SimCheck(api, "dst", count);
    src.SimCheck(api, "src", 1);
    srcOffset.SimCheck(api, "srcOffset", count);
    const uint64_t srcBytes = static_cast<uint64_t>(src.GetSize()) * sizeof(T);
    if (srcBaseOffset % sizeof(T) != 0 || srcBaseOffset >= srcBytes) {
        cpu_sim::Fail(cpu_sim::Format("%s: srcBaseOffset %u B is not a multiple of %zu B inside src (%llu B)", api,
                                      srcBaseOffset, sizeof(T), (unsigned long long)srcBytes));
    }
    const uint64_t dstBytes = static_cast<uint64_t>(count) * sizeof(T);
    sim_detail::CheckOverlap(api, dst.GetPhyAddr(), dstBytes, src.GetPhyAddr(), srcBytes);
    if (dst.GetPhyAddr() == src.GetPhyAddr()) cpu_sim::Fail("Gather: dst and src are the same memory");
    // The page describes no overlap of dst with srcOffset, and the general rule of the API pages
    // makes an overlap a page does not describe unsupported: any overlap fails, in place included.
    const uint8_t* dstBegin = reinterpret_cast<const uint8_t*>(dst.GetPhyAddr());
    const uint8_t* offsetBegin = reinterpret_cast<const uint8_t*>(srcOffset.GetPhyAddr());
    const uint64_t offsetBytes = static_cast<uint64_t>(count) * sizeof(uint32_t);
    if (dstBegin < offsetBegin + offsetBytes && offsetBegin < dstBegin + dstBytes) {
        cpu_sim::Fail(cpu_sim::Format("%s: dst overlaps srcOffset (UB offsets %u and %u)", api,
                                      cpu_sim::UbOffset(dstBegin), cpu_sim::UbOffset(offsetBegin)));
    }
    cpu_sim::HazardRead(api, srcOffset.GetPhyAddr(), static_cast<uint64_t>(count) * sizeof(uint32_t),
                        cpu_sim::PIPE_BIT_V);
    const uint32_t* offsets = srcOffset.GetPhyAddr();
    uint64_t lo = srcBytes, hi = 0;
    for (uint32_t i = 0; i < count; ++i) {
        const uint64_t byte = static_cast<uint64_t>(srcBaseOffset) + offsets[i];
        if (byte % sizeof(T) != 0 || byte + sizeof(T) > srcBytes) {
            cpu_sim::Fail(cpu_sim::Format("%s: element %u reads byte %llu of src (%llu B): misaligned for a "
                                          "%zu-B type or outside src", api, i, (unsigned long long)byte,
                                          (unsigned long long)srcBytes, sizeof(T)));
        }
        lo = std::min(lo, byte);
        hi = std::max(hi, byte + sizeof(T));
    }
    const uint8_t* s = reinterpret_cast<const uint8_t*>(src.GetPhyAddr());
    cpu_sim::HazardRead(api, s + lo, hi - lo, cpu_sim::PIPE_BIT_V);
    T* d = dst.GetPhyAddr();
    for (uint32_t i = 0; i < count; ++i) {
        std::memcpy(&d[i], s + srcBaseOffset + offsets[i], sizeof(T));
    }
    cpu_sim::HazardWrite(api, d, dstBytes, cpu_sim::PIPE_BIT_V);
    const uint32_t whole = count / perRepeat;
    if (whole != 0) cpu_sim::CountInstr(api, whole, sizeof(T));
    if (count % perRepeat != 0) cpu_sim::CountInstr(api, 1, sizeof(T));
}

// dst[i] = firstValue + i. dav_c220's CreateVecIndexCalc: the scalar unit writes the first 32-B
// block and sets/waits S_V on a fetched id; then one-block Adds fill the first repeat and
// one-repeat Adds the rest, each one repeat after the previous (PipeBarrier<PIPE_V> between).
// So a ramp of n elements costs 32 B of scalar stores and about n / (elements per repeat) + 7
// single-repeat instructions: build a short ramp and extend it yourself when n is large.
template <typename T> void CreateVecIndex(LocalTensor<T> dst, const T& firstValue, uint32_t count) {
    static_assert(sim_detail::OneOf<T, half, int16_t, float, int32_t>,
                  "CreateVecIndex: this dtype is not supported on A2");
    constexpr uint32_t perBlock = ONE_BLK_SIZE / sizeof(T);
    constexpr uint32_t perRepeat = ONE_REPEAT_BYTE_SIZE / sizeof(T);
    constexpr uint32_t blocksPerRepeat = perRepeat / perBlock;
    const auto value = [&firstValue](uint32_t i) {
        if constexpr (std::is_integral_v<T>) {
            return static_cast<T>(static_cast<int64_t>(firstValue) + static_cast<int64_t>(i));
        } else {
            return static_cast<T>(static_cast<float>(firstValue) + static_cast<float>(i));
        }
    };
    const auto step = [](uint32_t n) {
        if constexpr (std::is_integral_v<T>) {
            return static_cast<T>(n);
        } else {
            return static_cast<T>(static_cast<float>(n));
        }
    };
    dst.SimCheck("CreateVecIndex", "dst", count);
    const uint32_t first = std::min(count, perBlock);
    for (uint32_t i = 0; i < first; ++i) dst.SetValue(i, value(i));
    cpu_sim::InternalSync("CreateVecIndex (internal S_V)", HardEvent::S_V);
    if (count <= perBlock) return;
    uint32_t blocks = blocksPerRepeat - 1;
    uint32_t tail = 0;
    if (count < perRepeat) {
        blocks = count / perBlock - 1;
        tail = count % perBlock;
    }
    for (uint32_t i = 0; i < blocks; ++i) {
        Adds(dst[(i + 1) * perBlock], dst[i * perBlock], step(perBlock), static_cast<int32_t>(perBlock));
    }
    if (tail > 0) {
        const uint32_t at = count / perBlock * perBlock;
        Adds(dst[at], dst[at - perBlock], step(perBlock), static_cast<int32_t>(tail));
    }
    if (count <= perRepeat) return;
    const uint32_t repeats = count / perRepeat - 1;
    for (uint32_t i = 0; i < repeats; ++i) {
        Adds(dst[(i + 1) * perRepeat], dst[i * perRepeat], step(perRepeat), static_cast<int32_t>(perRepeat));
    }
    const uint32_t repeatTail = count % perRepeat;
    if (repeatTail > 0) {
        const uint32_t at = count / perRepeat * perRepeat;
        Adds(dst[at], dst[at - perRepeat], step(perRepeat), static_cast<int32_t>(repeatTail));
    }
}

}  // namespace AscendC
