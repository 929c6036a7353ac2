// Core ids, intra-core pipe sync (SetFlag/WaitFlag/PipeBarrier), GM atomics and SyncAll.
#pragma once

#include <cstdint>
#include <type_traits>

#include "sim/pipe.h"

namespace AscendC {

inline int64_t GetBlockIdx() { return cpu_sim::Ctx().blockIdx; }
inline int64_t GetBlockNum() { return cpu_sim::Ctx().blockNum; }
inline GM_ADDR GetUserWorkspace(GM_ADDR workspace) { return workspace; }

template <HardEvent event> void SetFlag(int32_t eventID) { cpu_sim::SetFlagImpl("SetFlag", event, eventID); }

// Work of the event's destination pipe after the wait is ordered after the source pipe's work
// before the matching SetFlag.
template <HardEvent event> void WaitFlag(int32_t eventID) { cpu_sim::WaitFlagImpl("WaitFlag", event, eventID); }

// PIPE_ALL drains every pipe. PIPE_MTE2 orders MTE2's later copies after its earlier ones (needed
// when their UB destinations overlap); V and S are in order with themselves already.
template <pipe_t pipe> void PipeBarrier() {
    if constexpr (pipe == PIPE_ALL) {
        cpu_sim::OrderAllPipes();
    } else if constexpr (pipe == PIPE_MTE2) {
        cpu_sim::OrderPipes(cpu_sim::PIPE_BIT_MTE2, cpu_sim::PIPE_BIT_MTE2, cpu_sim::Ctx().seq);
    }
}

template <typename T> void SetAtomicAdd() {
    static_assert(cpu_sim::AtomicKindOf<T>() != cpu_sim::AtomicKind::NONE,
                  "SetAtomicAdd: dtype must be int8, int16, half, bfloat16_t, int32 or float");
    cpu_sim::Ctx().atomic = cpu_sim::AtomicKindOf<T>();
}
inline void DisableDmaAtomic() { cpu_sim::Ctx().atomic = cpu_sim::AtomicKind::NONE; }
inline void SetAtomicNone() { DisableDmaAtomic(); }

// Hardware barrier across all blocks; the kernel type must be a mix type.
template <bool isAIVOnly = true> void SyncAll() { cpu_sim::SyncAllHardware("SyncAll", true); }

// Software barrier (GM workspace). Modelled as the same barrier; checks the workspace sizes.
template <bool isAIVOnly = true>
void SyncAll(const GlobalTensor<int32_t>& gmWorkspace, const LocalTensor<int32_t>& ubWorkspace,
             const int32_t usedCores = 0) {
    const uint64_t n = static_cast<uint64_t>(GetBlockNum()) * 8;
    gmWorkspace.Check("SyncAll(gmWorkspace)", 0, n);
    ubWorkspace.SimCheck("SyncAll(ubWorkspace)", "ubWorkspace", n);
    cpu_sim::SyncAllHardware("SyncAll(software)", false);
}

// Fills GM with a value (scalar writes counted as GM bytes written). A2 dtypes per the Fill docs:
// uint16_t, int16_t, half, uint32_t, int32_t, float.
template <typename T> void Fill(GlobalTensor<T>& gm, const uint64_t size, const T value) {
    static_assert(std::is_same_v<T, uint16_t> || std::is_same_v<T, int16_t> || std::is_same_v<T, half> ||
                      std::is_same_v<T, uint32_t> || std::is_same_v<T, int32_t> || std::is_same_v<T, float>,
                  "Fill: this dtype is not supported on A2");
    // asc-devkit's CPU-debug check of InitGlobalMemory, which Fill runs on A2
    // (init_global_memory_check_common.h: GetSize() > 0, size <= GetSize()); the extent check
    // (from the view's start, not from the base as GetSize() is) covers the second.
    if (gm.GetSize() == 0) {
        cpu_sim::Fail("Fill: the GlobalTensor's size is 0 (SetGlobalBuffer without a bufferSize); asc-devkit's "
                      "InitGlobalMemory check needs it greater than 0");
    }
    gm.Check("Fill", 0, size);
    T* p = gm.GetPhyAddr(0);
    for (uint64_t i = 0; i < size; ++i) p[i] = value;
    cpu_sim::NoteGmAccess(p, size * sizeof(T), cpu_sim::GmAccessKind::WRITE);
    cpu_sim::Ctx().stats.gmBytesWritten += size * sizeof(T);
    cpu_sim::CountInstr("Fill", cpu_sim::Repeats(size, sizeof(T)));
}
template <typename T> void InitGlobalMemory(GlobalTensor<T>& gm, const uint64_t size, const T value) {
    Fill(gm, size, value);
}

}  // namespace AscendC
