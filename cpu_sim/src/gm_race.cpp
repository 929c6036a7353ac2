// Cross-block GM race check (gm_race.h).
#include "sim/gm_race.h"

#include <algorithm>

#include "sim/context.h"

namespace cpu_sim {

void GmIntervalList::Add(uintptr_t lo, uintptr_t hi) {
    if (lo >= hi) return;
    if (!v.empty()) {
        GmInterval& last = v.back();
        if (lo <= last.hi && hi >= last.lo) {  // overlapping or adjacent: one run
            last.lo = std::min(last.lo, lo);
            last.hi = std::max(last.hi, hi);
            return;
        }
    }
    v.push_back({lo, hi});
    if (v.size() >= compactAt) {
        Normalize();
        compactAt = std::max<size_t>(256, v.size() * 2);
    }
}

void GmIntervalList::Normalize() {
    if (v.size() < 2) return;
    std::sort(v.begin(), v.end(), [](const GmInterval& a, const GmInterval& b) { return a.lo < b.lo; });
    size_t n = 0;
    for (size_t i = 1; i < v.size(); ++i) {
        if (v[i].lo <= v[n].hi) {
            v[n].hi = std::max(v[n].hi, v[i].hi);
        } else {
            v[++n] = v[i];
        }
    }
    v.resize(n + 1);
}

void NoteGmAccess(const void* p, uint64_t bytes, GmAccessKind kind) {
    if (bytes == 0) return;
    GmAccessLog* log = Ctx().gmLog;
    if (log == nullptr) return;
    const uintptr_t lo = reinterpret_cast<uintptr_t>(p);
    log->kinds[static_cast<int>(kind)].Add(lo, lo + bytes);
}

void NoteGmRows(const void* p, uint64_t rows, uint64_t len, uint64_t step, GmAccessKind kind) {
    if (rows == 0 || len == 0) return;
    GmAccessLog* log = Ctx().gmLog;
    if (log == nullptr) return;
    const uintptr_t base = reinterpret_cast<uintptr_t>(p);
    GmIntervalList& list = log->kinds[static_cast<int>(kind)];
    if (step <= len) {  // rows touch or overlap: one run
        list.Add(base, base + step * (rows - 1) + len);
        return;
    }
    for (uint64_t i = 0; i < rows; ++i) list.Add(base + i * step, base + i * step + len);
}

namespace {

// The lowest overlap of two sorted disjoint lists, or false.
bool FirstOverlap(const GmIntervalList& a, const GmIntervalList& b, GmInterval* out) {
    if (a.v.empty() || b.v.empty()) return false;
    if (a.v.back().hi <= b.v.front().lo || b.v.back().hi <= a.v.front().lo) return false;
    size_t i = 0, j = 0;
    while (i < a.v.size() && j < b.v.size()) {
        const uintptr_t lo = std::max(a.v[i].lo, b.v[j].lo);
        const uintptr_t hi = std::min(a.v[i].hi, b.v[j].hi);
        if (lo < hi) {
            *out = {lo, hi};
            return true;
        }
        if (a.v[i].hi <= b.v[j].hi) {
            ++i;
        } else {
            ++j;
        }
    }
    return false;
}

std::string Where(const std::vector<GmBuffer>& gm, const GmInterval& r) {
    for (const GmBuffer& g : gm) {
        const uintptr_t d = reinterpret_cast<uintptr_t>(g.data);
        if (g.data != nullptr && r.lo >= d && r.lo < d + g.bytes) {
            return Format("bytes [%llu, %llu) of buffer '%s'", (unsigned long long)(r.lo - d),
                          (unsigned long long)(r.hi - d), g.name.c_str());
        }
    }
    return Format("%llu B at %p", (unsigned long long)(r.hi - r.lo), reinterpret_cast<void*>(r.lo));
}

std::string EpochName(uint64_t epoch, const char* when) {
    if (epoch == 0) return Format("before the first SyncAll (checked at %s)", when);
    return Format("after SyncAll #%llu (checked at %s)", (unsigned long long)epoch, when);
}

}  // namespace

std::string CheckGmRaces(std::vector<GmAccessLog>& logs, const std::vector<GmBuffer>& gm, uint64_t epoch,
                         const char* when) {
    for (GmAccessLog& l : logs) {
        for (GmIntervalList& k : l.kinds) k.Normalize();
    }
    constexpr int R = static_cast<int>(GmAccessKind::READ);
    constexpr int W = static_cast<int>(GmAccessKind::WRITE);
    constexpr int A = static_cast<int>(GmAccessKind::ATOMIC);
    // (kind of block x, kind of block y, what x does, what y does): every pair but read/read and
    // atomic/atomic (SetAtomicAdd adds are accumulated by the memory side in any order).
    struct Rule { int kx, ky; const char* dx; const char* dy; };
    static const Rule rules[] = {
        {W, W, "writes", "writes"},          {W, A, "writes", "atomically adds to"},
        {A, W, "atomically adds to", "writes"}, {W, R, "writes", "reads"},
        {R, W, "reads", "writes"},           {A, R, "atomically adds to", "reads"},
        {R, A, "reads", "atomically adds to"},
    };
    std::string error;
    const uint32_t n = static_cast<uint32_t>(logs.size());
    for (uint32_t x = 0; x < n && error.empty(); ++x) {
        for (uint32_t y = x + 1; y < n && error.empty(); ++y) {
            for (const Rule& r : rules) {
                GmInterval o;
                if (!FirstOverlap(logs[x].kinds[r.kx], logs[y].kinds[r.ky], &o)) continue;
                error = Format("GM race %s: block %u %s and block %u %s %s with no SyncAll between them; blocks "
                               "see each other's GM writes only after SyncAll (dav_c220 SyncAllImpl: "
                               "PipeBarrier<PIPE_ALL> then the cross-core flag), so the result depends on block "
                               "timing (give each block its own GM bytes, or SyncAll before reading another "
                               "block's)",
                               EpochName(epoch, when).c_str(), x, r.dx, y, r.dy, Where(gm, o).c_str());
                break;
            }
        }
    }
    for (GmAccessLog& l : logs) {
        for (GmIntervalList& k : l.kinds) k.Clear();
    }
    return error;
}

}  // namespace cpu_sim
