// Cross-block GM races: the GM bytes each block reads and writes between two SyncAlls.
//
// A vector core sees another core's GM writes only after a cross-core barrier: dav_c220 SyncAllImpl
// (asc-devkit impl/basic_api/dav_c220/kernel_operator_sync_impl.h:383-387) drains the core's pipes
// (PipeBarrier<PIPE_ALL>) and then raises the FFTS cross-core flag every core waits on; the SyncAll
// page (docs/zh/api/.../核间同步/SyncAll.md:142) has the blocks copy to GM, SyncAll, and only then read
// each other's results. Without a SyncAll between them, two blocks writing the same GM bytes, or one
// block reading bytes another writes, give a result that depends on block timing. cpu_sim records
// each block's GM intervals per SyncAll epoch and checks them when every block has finished the
// epoch (SyncAll release, launch end). Atomic adds (SetAtomicAdd) to the same bytes are allowed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/launch.h"

namespace cpu_sim {

enum class GmAccessKind : uint8_t { READ = 0, WRITE = 1, ATOMIC = 2 };

struct GmInterval {
    uintptr_t lo;
    uintptr_t hi;  // exclusive
};

// One kind of access of one block in the current epoch. Adjacent or overlapping accesses are
// merged as they come (a streaming kernel keeps one interval per stream); a list that grows past
// `compactAt` is sorted and merged, so memory stays at the number of disjoint runs.
struct GmIntervalList {
    std::vector<GmInterval> v;
    size_t compactAt = 256;
    void Add(uintptr_t lo, uintptr_t hi);
    void Normalize();  // sorted, disjoint, adjacent runs merged
    void Clear() {
        v.clear();
        compactAt = 256;
    }
};

struct GmAccessLog {
    GmIntervalList kinds[3];  // GmAccessKind
};

// Records [p, p + bytes) for the calling block (no-op outside a launch that tracks races).
void NoteGmAccess(const void* p, uint64_t bytes, GmAccessKind kind);
// `rows` runs of `len` bytes, `step` bytes apart (one interval when step == len).
void NoteGmRows(const void* p, uint64_t rows, uint64_t len, uint64_t step, GmAccessKind kind);

// Checks the epoch every log holds (blocks 0..n-1), then clears the logs. Returns "" or the
// message of the first race (lowest block pair, lowest address), naming the launch buffer.
std::string CheckGmRaces(std::vector<GmAccessLog>& logs, const std::vector<GmBuffer>& gm, uint64_t epoch,
                         const char* when);

}  // namespace cpu_sim
