// cpu_sim per-pipe timeline (timeline.h): instruction timing per block and the launch's modelled time.
#include "sim/timeline.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <utility>
#include <vector>

#include "sim/context.h"
#include "sim/cost_table.h"

namespace cpu_sim {

namespace {

enum : int { S = 0, V = 1, MTE2 = 2, MTE3 = 3 };

int IndexOf(uint8_t pipeBit) {
    switch (pipeBit) {
        case PIPE_BIT_V: return V;
        case PIPE_BIT_MTE2: return MTE2;
        case PIPE_BIT_MTE3: return MTE3;
        default: return S;
    }
}

// The scalar unit's position in program order: nothing issued now starts earlier.
double IssuePoint(const PipeTimeline& t) { return t.free[S]; }

// The cycle pipe p has finished everything issued to it so far (its waits included).
double Drained(const PipeTimeline& t, int p) { return std::max(t.free[p], t.ready[p]); }

void Finish(PipeTimeline& t, int p, double end, double cycles) {
    t.busy[p] += cycles;
    t.instructions[p] += 1;
    t.free[p] = end;
    t.lastEnd[p] = end;
}

// The scalar unit blocks until `cycle` (its waits hold the issue of everything after them).
void HoldScalar(PipeTimeline& t, double cycle) { t.free[S] = std::max(t.free[S], cycle); }

// The scalar unit issues an entry into pipe p's queue: a full queue holds it until the entry
// queueDepth places back has left (started on p). Returns the issue point.
double IssueInto(PipeTimeline& t, int p) {
    if (t.queueDepth != 0 && p != S && t.queued[p] >= t.queueDepth) {
        const double room = t.queueLeft[p][t.queued[p] % t.queueDepth];
        if (room > t.free[S]) {
            t.queueFullCycles += room - t.free[S];
            HoldScalar(t, room);
        }
    }
    return IssuePoint(t);
}

// The entry just issued into pipe p's queue leaves it at `left` (it starts on p then).
void Dequeued(PipeTimeline& t, int p, double left) {
    if (t.queueDepth == 0 || p == S) return;
    t.queueLeft[p][t.queued[p] % t.queueDepth] = left;
    t.queued[p] += 1;
}

// `cycles` of the GM link from `from` on, in the gaps the other copies left: the cycle the copy
// has had them all.
double ReserveLink(PipeTimeline& t, double from, double cycles) {
    // Both copy pipes are in order: nothing starts before the earlier of their free cycles.
    const double horizon = std::min(t.free[MTE2], t.free[MTE3]);
    auto& link = t.link;
    link.erase(link.begin(), std::find_if(link.begin(), link.end(),
                                          [horizon](const auto& iv) { return iv.second > horizon; }));
    std::vector<std::pair<double, double>> pieces;
    double at = from, left = cycles;
    for (const auto& [start, end] : link) {
        if (end <= at) continue;
        if (start > at) {
            const double use = std::min(start - at, left);
            pieces.emplace_back(at, at + use);
            left -= use;
            if (left <= 0) break;
        }
        at = std::max(at, end);
    }
    if (left > 0) pieces.emplace_back(at, at + left);
    const double done = pieces.back().second;
    link.insert(link.end(), pieces.begin(), pieces.end());
    std::sort(link.begin(), link.end());
    size_t out = 0;
    for (size_t i = 1; i < link.size(); ++i) {
        if (link[i].first <= link[out].second) {
            link[out].second = std::max(link[out].second, link[i].second);
        } else {
            link[++out] = link[i];
        }
    }
    link.resize(out + 1);
    return done;
}

// The DCache lookup of a scalar GM access at `gm`: a hit makes its line the most recent, a miss
// loads it (evicting the least recent line of a full cache).
bool DcacheMiss(PipeTimeline& t, const void* gm) {
    const uint64_t line = reinterpret_cast<uintptr_t>(gm) / cost::kDcacheLineBytes;
    auto& lines = t.dcache;
    const auto hit = std::find(lines.begin(), lines.end(), line);
    if (hit != lines.end()) {
        std::rotate(hit, hit + 1, lines.end());
        return false;
    }
    if (lines.size() == cost::kDcacheLines) lines.erase(lines.begin());
    lines.push_back(line);
    return true;
}

std::atomic<uint32_t> pipeQueueDepth{cost::kPipeQueueDepth};

}  // namespace

void SetPipeQueueDepth(uint32_t depth) { pipeQueueDepth.store(depth); }
uint32_t PipeQueueDepth() { return pipeQueueDepth.load(); }

void TimelineStart(BlockContext& c) {
    c.timeline = PipeTimeline{};
    c.timeline.bytesPerCycle = cost::CoreBytesPerCycle(c.blockNum, c.soc->vectorCores);
    c.timeline.queueDepth = PipeQueueDepth();
    for (auto& q : c.timeline.queueLeft) q.assign(c.timeline.queueDepth, 0.0);
}

void TimeInstr(const char* name, uint64_t repeats, uint32_t elemBytes, double extraCycles) {
    BlockContext& c = Ctx();
    PipeTimeline& t = c.timeline;
    const uint64_t read = c.stats.gmBytesRead - t.gmReadMark;
    const uint64_t written = c.stats.gmBytesWritten - t.gmWrittenMark;
    t.gmReadMark = c.stats.gmBytesRead;
    t.gmWrittenMark = c.stats.gmBytesWritten;
    if (read != 0 || written != 0) {
        const int p = read != 0 ? MTE2 : MTE3;
        const double issue = IssueInto(t, p);
        const double cycles = cost::kCopyIssueCycles + static_cast<double>(read + written) / t.bytesPerCycle;
        const double start = std::max({t.free[p], t.ready[p], issue});
        Dequeued(t, p, start);
        Finish(t, p, ReserveLink(t, start, cycles), cycles);
        return;
    }
    const double issue = IssueInto(t, V);
    double start = std::max({t.free[V], t.ready[V], issue});
    if (t.scalarSinceVectorSync) {  // the compiler's S_V before vector work after scalar accesses
        start = std::max(start, issue + cost::kFlagLatencyCycles);
        t.scalarSinceVectorSync = false;
    }
    Dequeued(t, V, start);
    const double cycles = cost::VectorCycles(name, repeats, elemBytes) + extraCycles;
    Finish(t, V, start + cycles, cycles);
    t.vectorSinceScalarSync = true;
}

bool TimeScalarAccess(BlockContext& c, bool ub, const void* gm) {
    PipeTimeline& t = c.timeline;
    if (ub && t.vectorSinceScalarSync) {  // the compiler's V_S: the vector pipe drained first
        HoldScalar(t, Drained(t, V) + cost::kFlagLatencyCycles);
        t.vectorSinceScalarSync = false;
    }
    const bool miss = !ub && DcacheMiss(t, gm);
    const double cycles = cost::kScalarAccessCycles + (miss ? cost::kScalarGmMissCycles : 0);
    Finish(t, S, t.free[S] + cycles, cycles);
    if (ub) {
        t.scalarSinceVectorSync = true;
    } else {  // a GM scalar access moved the GM counters: it is not a copy for the next instruction
        t.gmReadMark = c.stats.gmBytesRead;
        t.gmWrittenMark = c.stats.gmBytesWritten;
    }
    return miss;
}

void TimeSetFlag(AscendC::HardEvent event, int32_t id) {
    PipeTimeline& t = Ctx().timeline;
    const int e = static_cast<int>(event);
    const int src = IndexOf(EventSrcPipe(event));
    const double ready = src == S ? t.free[S] : std::max(Drained(t, src), IssueInto(t, src));
    // The bit may still be 1: the wait of its last set was issued, but its pipe had not reached
    // it. The set then holds its source pipe until that wait clears the bit (flags.cpp).
    const double stamp = std::max(ready, t.flagCleared[e][id]);
    if (stamp > ready) {
        t.flagStallCycles += stamp - ready;
        if (src == S) {
            HoldScalar(t, stamp);
        } else {
            t.ready[src] = std::max(t.ready[src], stamp);
        }
    }
    t.flagTime[e][id] = stamp;
    Dequeued(t, src, stamp);  // the set leaves its pipe's queue when the pipe executes it
}

void TimeWaitFlag(AscendC::HardEvent event, int32_t id) {
    PipeTimeline& t = Ctx().timeline;
    const int e = static_cast<int>(event);
    const uint8_t srcBit = EventSrcPipe(event), dstBit = EventDstPipe(event);
    if (srcBit == 0) return;  // cube events: no vector-core pipe
    const int src = IndexOf(srcBit), dst = IndexOf(dstBit);
    const double seen = t.flagTime[e][id] + cost::kFlagLatencyCycles;
    if (dst == S) {
        HoldScalar(t, seen);
        if (src == V) t.vectorSinceScalarSync = false;
        t.flagCleared[e][id] = t.free[S];
        return;
    }
    // The destination pipe reaches the wait once it has finished what was issued to it before,
    // and clears the bit when it passes it (the wait leaves the pipe's queue then).
    t.flagCleared[e][id] = std::max({Drained(t, dst), IssueInto(t, dst), seen});
    Dequeued(t, dst, t.flagCleared[e][id]);
    t.ready[dst] = std::max(t.ready[dst], seen);
    if (dst == V && src == S) t.scalarSinceVectorSync = false;
}

void TimeBarrierAll() {
    PipeTimeline& t = Ctx().timeline;
    double all = t.free[S];
    for (int p = 0; p < kTimelinePipes; ++p) all = std::max(all, Drained(t, p));
    HoldScalar(t, all);
    for (int p = 0; p < kTimelinePipes; ++p) t.ready[p] = std::max(t.ready[p], all);
    t.vectorSinceScalarSync = false;
    t.scalarSinceVectorSync = false;
}

double TimeNow() { return Ctx().timeline.free[S]; }

void TimeReleaseAll(double cycle) {
    PipeTimeline& t = Ctx().timeline;
    HoldScalar(t, cycle);
    for (int p = 0; p < kTimelinePipes; ++p) t.ready[p] = std::max(t.ready[p], cycle);
}

const char* TimelinePipeName(int pipe) {
    static const char* const names[kTimelinePipes] = {"S", "V", "MTE2", "MTE3"};
    return pipe >= 0 && pipe < kTimelinePipes ? names[pipe] : "?";
}

BlockTimeline TimelineResult(const PipeTimeline& t) {
    BlockTimeline r;
    for (int p = 0; p < kTimelinePipes; ++p) {
        r.endCycles = std::max(r.endCycles, Drained(t, p));
        r.busyCycles[p] = t.busy[p];
        r.stallCycles[p] = t.lastEnd[p] - t.busy[p];
        r.instructions[p] = t.instructions[p];
    }
    r.flagStallCycles = t.flagStallCycles;
    r.queueFullCycles = t.queueFullCycles;
    return r;
}

LaunchTimeline CombineTimelines(const KernelStats& stats) {
    constexpr double kUsPerCycle = 1e6 / cost::kClockHz;
    LaunchTimeline r;
    r.launchUs = cost::kLaunchUs;
    const BlockTimeline* slowest = nullptr;
    for (const BlockStats& b : stats.blocks) {
        if (slowest == nullptr || b.timeline.endCycles > slowest->endCycles) {
            slowest = &b.timeline;
            r.slowestBlock = b.blockIdx;
        }
    }
    const double critical = slowest == nullptr ? 0 : slowest->endCycles;
    const double floor = static_cast<double>(stats.GmBytesRead() + stats.GmBytesWritten()) / cost::kHbmBytesPerCycle;
    r.criticalPathUs = critical * kUsPerCycle;
    r.hbmFloorUs = floor * kUsPerCycle;
    r.modelledUs = r.launchUs + std::max(critical, floor) * kUsPerCycle;
    if (slowest == nullptr) return r;
    const double* busy = slowest->busyCycles;
    const double copy = busy[MTE2] + busy[MTE3];
    if (floor > critical) {
        r.boundBy = "HBM";
    } else if (copy + busy[V] + busy[S] == 0) {
        r.boundBy = "-";  // no instruction: launch cost and barriers only
    } else if (copy >= busy[V] && copy >= busy[S]) {
        r.boundBy = busy[MTE2] >= busy[MTE3] ? "MTE2" : "MTE3";
    } else {
        r.boundBy = busy[V] >= busy[S] ? "V" : "S";
    }
    return r;
}

}  // namespace cpu_sim
