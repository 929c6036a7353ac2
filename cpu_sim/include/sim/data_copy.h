// DataCopy and DataCopyPad between GM and UB (and UB->UB), with the A2 units and limits.
#pragma once

#include <cstdint>
#include <cstring>

#include "sim/tensor.h"

namespace AscendC {

struct DataCopyParams {
    uint16_t blockCount = 1;
    uint16_t blockLen = 0;
    union { uint16_t srcGap = 0; uint16_t srcStride; };
    union { uint16_t dstGap = 0; uint16_t dstStride; };
    DataCopyParams() {}
    DataCopyParams(const uint16_t count, const uint16_t len, const uint16_t srcStrideIn,
                   const uint16_t dstStrideIn)
        : blockCount(count), blockLen(len), srcStride(srcStrideIn), dstStride(dstStrideIn) {}
};

struct DataCopyExtParams {
    uint16_t blockCount = 1;
    uint32_t blockLen = 0;
    uint32_t srcStride = 0;
    uint32_t dstStride = 0;
    uint32_t rsv = 0;
    DataCopyExtParams() {}
    DataCopyExtParams(const uint16_t count, const uint32_t len, const uint32_t srcStrideIn,
                      const uint32_t dstStrideIn, const uint32_t rsvIn)
        : blockCount(count), blockLen(len), srcStride(srcStrideIn), dstStride(dstStrideIn), rsv(rsvIn) {}
};

template <typename T> struct DataCopyPadExtParams {
    bool isPad = false;
    uint8_t leftPadding = 0;
    uint8_t rightPadding = 0;
    T paddingValue = T(0);
    DataCopyPadExtParams() {}
    DataCopyPadExtParams(const bool isPadValue, const uint8_t leftPadValue, const uint8_t rightPadValue,
                         T padValue)
        : isPad(isPadValue), leftPadding(leftPadValue), rightPadding(rightPadValue), paddingValue(padValue) {}
};
template <> struct DataCopyPadExtParams<bfloat16_t> {
    bool isPad = false;
    uint8_t leftPadding = 0;
    uint8_t rightPadding = 0;
    bfloat16_t paddingValue = bfloat16_t::FromBits(0);
    DataCopyPadExtParams() {}
    DataCopyPadExtParams(const bool isPadValue, const uint8_t leftPadValue, const uint8_t rightPadValue,
                         bfloat16_t padValue)
        : isPad(isPadValue), leftPadding(leftPadValue), rightPadding(rightPadValue), paddingValue(padValue) {}
};

namespace sim_detail {

// Stores (or atomically adds, when SetAtomicAdd is active) `bytes` of T from UB to GM.
template <typename T> void StoreGm(const char* api, T* gm, const T* ub, uint64_t bytes) {
    cpu_sim::BlockContext& c = cpu_sim::Ctx();
    cpu_sim::NoteGmAccess(gm, bytes, c.atomic == cpu_sim::AtomicKind::NONE ? cpu_sim::GmAccessKind::WRITE
                                                                          : cpu_sim::GmAccessKind::ATOMIC);
    if (c.atomic == cpu_sim::AtomicKind::NONE) {
        std::memcpy(gm, ub, bytes);
        return;
    }
    if (c.atomic != cpu_sim::AtomicKindOf<T>()) {
        cpu_sim::Fail(cpu_sim::Format("%s: atomic add is set for another dtype than the copied %zu-B type",
                                      api, sizeof(T)));
    }
    const uint64_t n = bytes / sizeof(T);
    cpu_sim::LockAtomic();
    for (uint64_t i = 0; i < n; ++i) {
        if constexpr (std::is_same_v<T, half> || std::is_same_v<T, bfloat16_t>) {
            gm[i] = T(static_cast<float>(gm[i]) + static_cast<float>(ub[i]));
        } else {
            gm[i] = static_cast<T>(gm[i] + ub[i]);
        }
    }
    cpu_sim::UnlockAtomic();
}

inline void CheckCountBytes(const char* api, uint64_t count, size_t elem) {
    if (count * elem % ONE_BLK_SIZE != 0) {
        cpu_sim::Fail(cpu_sim::Format("%s: count %llu x %zu B = %llu B is not a multiple of 32 B (the device "
                                      "drops the tail)", api, (unsigned long long)count, elem,
                                      (unsigned long long)(count * elem)));
    }
}

}  // namespace sim_detail

// GM -> UB, count elements (count * sizeof(T) must be a multiple of 32 B).
template <typename T> void DataCopy(const LocalTensor<T>& dst, const GlobalTensor<T>& src, const uint32_t count) {
    const char* api = "DataCopy(GM->UB)";
    sim_detail::CheckCountBytes(api, count, sizeof(T));
    if (count == 0) return;
    dst.SimCheck(api, "dst", count);
    src.Check(api, 0, count);
    const uint64_t bytes = static_cast<uint64_t>(count) * sizeof(T);
    std::memcpy(dst.GetPhyAddr(), src.GetPhyAddr(), bytes);
    cpu_sim::NoteGmAccess(src.GetPhyAddr(), bytes, cpu_sim::GmAccessKind::READ);
    cpu_sim::HazardWrite(api, dst.GetPhyAddr(), bytes, cpu_sim::PIPE_BIT_MTE2);
    cpu_sim::Ctx().stats.gmBytesRead += bytes;
    cpu_sim::NoteGmCopy(dst.GetPhyAddr(), src.GetPhyAddr(), true);
    cpu_sim::CountInstr("DataCopy", cpu_sim::Repeats(bytes, 1));
}

// UB -> GM, count elements.
template <typename T> void DataCopy(const GlobalTensor<T>& dst, const LocalTensor<T>& src, const uint32_t count) {
    const char* api = "DataCopy(UB->GM)";
    sim_detail::CheckCountBytes(api, count, sizeof(T));
    if (count == 0) return;
    src.SimCheck(api, "src", count);
    dst.Check(api, 0, count);
    const uint64_t bytes = static_cast<uint64_t>(count) * sizeof(T);
    cpu_sim::HazardRead(api, src.GetPhyAddr(), bytes, cpu_sim::PIPE_BIT_MTE3);
    sim_detail::StoreGm(api, dst.GetPhyAddr(0), src.GetPhyAddr(), bytes);
    cpu_sim::Ctx().stats.gmBytesWritten += bytes;
    cpu_sim::NoteGmCopy(src.GetPhyAddr(), dst.GetPhyAddr(0), false);
    cpu_sim::CountInstr("DataCopy", cpu_sim::Repeats(bytes, 1));
}

// UB -> UB, count elements (vector pipe in this model).
template <typename T> void DataCopy(const LocalTensor<T>& dst, const LocalTensor<T>& src, const uint32_t count) {
    const char* api = "DataCopy(UB->UB)";
    sim_detail::CheckCountBytes(api, count, sizeof(T));
    if (count == 0) return;
    src.SimCheck(api, "src", count);
    dst.SimCheck(api, "dst", count);
    const uint64_t bytes = static_cast<uint64_t>(count) * sizeof(T);
    cpu_sim::HazardRead(api, src.GetPhyAddr(), bytes, cpu_sim::PIPE_BIT_V);
    std::memmove(dst.GetPhyAddr(), src.GetPhyAddr(), bytes);
    cpu_sim::HazardWrite(api, dst.GetPhyAddr(), bytes, cpu_sim::PIPE_BIT_V);
    cpu_sim::CountInstr("DataCopy", cpu_sim::Repeats(bytes, 1));
}

namespace sim_detail {
inline uint64_t ParamsSpan(const DataCopyParams& p, uint16_t stride) {
    return p.blockCount == 0 ? 0 : (static_cast<uint64_t>(p.blockCount) * (p.blockLen + stride) - stride) * 32u;
}
}  // namespace sim_detail

// Params forms: blockCount blocks of blockLen 32-B units, gaps in 32-B units on both sides.
template <typename T> void DataCopy(const LocalTensor<T>& dst, const GlobalTensor<T>& src,
                                    const DataCopyParams& repeatParams) {
    const char* api = "DataCopy(GM->UB, DataCopyParams)";
    const DataCopyParams& p = repeatParams;
    if (p.blockCount == 0 || p.blockLen == 0) return;
    if (p.blockCount > 4095) cpu_sim::Fail(cpu_sim::Format("%s: blockCount %u > 4095", api, p.blockCount));
    dst.SimCheckBytes(api, "dst", sim_detail::ParamsSpan(p, p.dstStride));
    const uint64_t srcSpan = sim_detail::ParamsSpan(p, p.srcStride);
    if (srcSpan % sizeof(T) != 0) cpu_sim::Fail(cpu_sim::Format("%s: GM span not a multiple of the dtype", api));
    src.CheckBytes(api, 0, srcSpan);
    const uint8_t* s = reinterpret_cast<const uint8_t*>(src.GetPhyAddr());
    uint8_t* d = reinterpret_cast<uint8_t*>(dst.GetPhyAddr());
    const uint64_t blk = p.blockLen * 32u;
    cpu_sim::NoteGmRows(s, p.blockCount, blk, blk + p.srcStride * 32u, cpu_sim::GmAccessKind::READ);
    for (uint32_t i = 0; i < p.blockCount; ++i) {
        uint8_t* dp = d + i * (blk + p.dstStride * 32u);
        std::memcpy(dp, s + i * (blk + p.srcStride * 32u), blk);
        cpu_sim::HazardWrite(api, dp, blk, cpu_sim::PIPE_BIT_MTE2);
    }
    cpu_sim::Ctx().stats.gmBytesRead += blk * p.blockCount;
    cpu_sim::NoteGmCopy(d, s, true);
    cpu_sim::CountInstr("DataCopy", cpu_sim::Repeats(blk * p.blockCount, 1));
}

template <typename T> void DataCopy(const GlobalTensor<T>& dst, const LocalTensor<T>& src,
                                    const DataCopyParams& repeatParams) {
    const char* api = "DataCopy(UB->GM, DataCopyParams)";
    const DataCopyParams& p = repeatParams;
    if (p.blockCount == 0 || p.blockLen == 0) return;
    if (p.blockCount > 4095) cpu_sim::Fail(cpu_sim::Format("%s: blockCount %u > 4095", api, p.blockCount));
    src.SimCheckBytes(api, "src", sim_detail::ParamsSpan(p, p.srcStride));
    const uint64_t dstSpan = sim_detail::ParamsSpan(p, p.dstStride);
    if (dstSpan % sizeof(T) != 0) cpu_sim::Fail(cpu_sim::Format("%s: GM span not a multiple of the dtype", api));
    dst.CheckBytes(api, 0, dstSpan);
    const uint8_t* s = reinterpret_cast<const uint8_t*>(src.GetPhyAddr());
    uint8_t* d = reinterpret_cast<uint8_t*>(dst.GetPhyAddr(0));
    const uint64_t blk = p.blockLen * 32u;
    for (uint32_t i = 0; i < p.blockCount; ++i) {
        const uint8_t* sp = s + i * (blk + p.srcStride * 32u);
        cpu_sim::HazardRead(api, sp, blk, cpu_sim::PIPE_BIT_MTE3);
        sim_detail::StoreGm(api, reinterpret_cast<T*>(d + i * (blk + p.dstStride * 32u)),
                            reinterpret_cast<const T*>(sp), blk);
    }
    cpu_sim::Ctx().stats.gmBytesWritten += blk * p.blockCount;
    cpu_sim::NoteGmCopy(s, d, false);
    cpu_sim::CountInstr("DataCopy", cpu_sim::Repeats(blk * p.blockCount, 1));
}

// UB -> UB params form (vector pipe in this model): 32-B block units and gaps on both sides.
template <typename T> void DataCopy(const LocalTensor<T>& dst, const LocalTensor<T>& src,
                                    const DataCopyParams& repeatParams) {
    const char* api = "DataCopy(UB->UB, DataCopyParams)";
    const DataCopyParams& p = repeatParams;
    if (p.blockCount == 0 || p.blockLen == 0) return;
    if (p.blockCount > 4095) cpu_sim::Fail(cpu_sim::Format("%s: blockCount %u > 4095", api, p.blockCount));
    src.SimCheckBytes(api, "src", sim_detail::ParamsSpan(p, p.srcStride));
    dst.SimCheckBytes(api, "dst", sim_detail::ParamsSpan(p, p.dstStride));
    const uint8_t* s = reinterpret_cast<const uint8_t*>(src.GetPhyAddr());
    uint8_t* d = reinterpret_cast<uint8_t*>(dst.GetPhyAddr());
    const uint64_t blk = p.blockLen * 32u;
    for (uint32_t i = 0; i < p.blockCount; ++i) {
        const uint8_t* sp = s + i * (blk + p.srcStride * 32u);
        uint8_t* dp = d + i * (blk + p.dstStride * 32u);
        cpu_sim::HazardRead(api, sp, blk, cpu_sim::PIPE_BIT_V);
        std::memmove(dp, sp, blk);
        cpu_sim::HazardWrite(api, dp, blk, cpu_sim::PIPE_BIT_V);
    }
    cpu_sim::CountInstr("DataCopy", cpu_sim::Repeats(blk * p.blockCount, 1));
}

namespace sim_detail {
template <typename T> void CheckPadParams(const char* api, const DataCopyExtParams& p) {
    if (p.blockCount > 4095) cpu_sim::Fail(cpu_sim::Format("%s: blockCount %u > 4095", api, p.blockCount));
    if (p.blockLen > 2097151) cpu_sim::Fail(cpu_sim::Format("%s: blockLen %u B > 2097151", api, p.blockLen));
    if (p.blockLen % sizeof(T) != 0) {
        cpu_sim::Fail(cpu_sim::Format("%s: blockLen %u B is not a multiple of sizeof(T) = %zu", api,
                                      p.blockLen, sizeof(T)));
    }
}
}  // namespace sim_detail

// GM -> UB: per block leftPadding elements + blockLen bytes + rightPadding elements, rounded up to
// 32 B; GM step blockLen + srcStride bytes; UB step footprint + dstStride blocks.
template <typename T> void DataCopyPad(const LocalTensor<T>& dst, const GlobalTensor<T>& src,
                                       const DataCopyExtParams& dataCopyParams,
                                       const DataCopyPadExtParams<T>& padParams) {
    const char* api = "DataCopyPad(GM->UB)";
    const DataCopyExtParams& p = dataCopyParams;
    sim_detail::CheckPadParams<T>(api, p);
    if (padParams.leftPadding * sizeof(T) > 32 || padParams.rightPadding * sizeof(T) > 32) {
        cpu_sim::Fail(cpu_sim::Format("%s: leftPadding %u / rightPadding %u elements exceed 32 B", api,
                                      padParams.leftPadding, padParams.rightPadding));
    }
    if (p.blockCount == 0 || p.blockLen == 0) return;
    const uint64_t left = padParams.leftPadding, right = padParams.rightPadding;
    const uint64_t footprint = (left * sizeof(T) + p.blockLen + right * sizeof(T) + 31) / 32 * 32;
    const uint64_t ubStep = footprint + static_cast<uint64_t>(p.dstStride) * 32;
    const uint64_t gmStep = static_cast<uint64_t>(p.blockLen) + p.srcStride;
    dst.SimCheckBytes(api, "dst", ubStep * (p.blockCount - 1) + footprint);
    const uint64_t gmSpan = gmStep * (p.blockCount - 1) + p.blockLen;
    src.CheckBytes(api, 0, gmSpan);  // first burst's start to last burst's end
    const uint8_t* s = reinterpret_cast<const uint8_t*>(src.GetPhyAddr());
    uint8_t* d = reinterpret_cast<uint8_t*>(dst.GetPhyAddr());
    const uint64_t n = p.blockLen / sizeof(T);
    cpu_sim::NoteGmRows(s, p.blockCount, p.blockLen, gmStep, cpu_sim::GmAccessKind::READ);
    for (uint32_t i = 0; i < p.blockCount; ++i) {
        uint8_t* blockStart = d + i * ubStep;
        T* dp = reinterpret_cast<T*>(blockStart);
        // Padding and the filler up to 32 B, as the DataCopyPad (GM->UB, non-aligned) page says:
        // isPad with paddings 0 -> the dummy filler is the block's first element (the page applies
        // this with isPad too, then says "otherwise paddingValue": the worst reading is taken);
        // isPad with paddings -> paddingValue. Without isPad the filler is the pad register's value
        // when SetPadValue (or an isPad copy: dav_c220 DataCopyPadGm2UBImpl sets the register only
        // then, kernel_operator_data_copy_impl.h:514) set it in this kernel or an earlier one on the
        // core, else the first element or "random" (page table 4, isPad): unknown, written as
        // all-ones bytes (NaN for floats) so that no kernel reads it as anything sane.
        T fill;
        std::memcpy(&fill, s + i * gmStep, sizeof(T));
        if (left != 0 || right != 0 || !padParams.isPad) {
            if (padParams.isPad) {
                fill = padParams.paddingValue;
            } else {
                std::memset(&fill, 0xFF, sizeof(T));
            }
        }
        const uint64_t total = footprint / sizeof(T);
        for (uint64_t k = 0; k < total; ++k) dp[k] = fill;
        std::memcpy(dp + left, s + i * gmStep, p.blockLen);
        (void)n;
        cpu_sim::HazardWrite(api, blockStart, footprint, cpu_sim::PIPE_BIT_MTE2);
    }
    const uint64_t bytes = static_cast<uint64_t>(p.blockLen) * p.blockCount;
    cpu_sim::Ctx().stats.gmBytesRead += bytes;
    cpu_sim::NoteGmCopy(d, s, true);
    cpu_sim::CountInstr("DataCopyPad", cpu_sim::Repeats(bytes, 1));
}

// UB -> GM: exactly blockLen bytes per block; UB step ceil(blockLen/32) + srcStride blocks;
// GM step blockLen + dstStride bytes.
template <typename T> void DataCopyPad(const GlobalTensor<T>& dst, const LocalTensor<T>& src,
                                       const DataCopyExtParams& dataCopyParams) {
    const char* api = "DataCopyPad(UB->GM)";
    const DataCopyExtParams& p = dataCopyParams;
    sim_detail::CheckPadParams<T>(api, p);
    if (p.blockCount == 0 || p.blockLen == 0) return;
    const uint64_t ubBlock = (static_cast<uint64_t>(p.blockLen) + 31) / 32 * 32;
    const uint64_t ubStep = ubBlock + static_cast<uint64_t>(p.srcStride) * 32;
    const uint64_t gmStep = static_cast<uint64_t>(p.blockLen) + p.dstStride;
    src.SimCheckBytes(api, "src", ubStep * (p.blockCount - 1) + p.blockLen);
    const uint64_t gmSpan = gmStep * (p.blockCount - 1) + p.blockLen;
    dst.CheckBytes(api, 0, gmSpan);  // first burst's start to last burst's end
    const uint8_t* s = reinterpret_cast<const uint8_t*>(src.GetPhyAddr());
    uint8_t* d = reinterpret_cast<uint8_t*>(dst.GetPhyAddr(0));
    for (uint32_t i = 0; i < p.blockCount; ++i) {
        const uint8_t* sp = s + i * ubStep;
        cpu_sim::HazardRead(api, sp, p.blockLen, cpu_sim::PIPE_BIT_MTE3);
        sim_detail::StoreGm(api, reinterpret_cast<T*>(d + i * gmStep), reinterpret_cast<const T*>(sp), p.blockLen);
    }
    const uint64_t bytes = static_cast<uint64_t>(p.blockLen) * p.blockCount;
    cpu_sim::Ctx().stats.gmBytesWritten += bytes;
    cpu_sim::NoteGmCopy(s, d, false);
    cpu_sim::CountInstr("DataCopyPad", cpu_sim::Repeats(bytes, 1));
}

}  // namespace AscendC
