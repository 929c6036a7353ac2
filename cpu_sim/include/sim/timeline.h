// Per-block pipe timeline: when each instruction of a block runs on its pipe (S, V, MTE2, MTE3),
// from the cost table (cost_table.h) and the dependencies the simulator already tracks.
//
// The model. The scalar unit issues every instruction in program order, so no instruction starts
// before the scalar unit has reached it; each pipe then runs its own instructions in order. A
// SetFlag is stamped when its source pipe has finished everything issued to it before and the
// flag's previous WaitFlag has cleared the bit (until then the set holds its source pipe); a WaitFlag
// holds its destination pipe until that stamp plus the flag latency (a wait on the scalar unit
// holds the issue of everything after it: ReduceSum's V_S wait is why copy-in of the next tile
// cannot overlap this tile's vector work). PipeBarrier<PIPE_ALL> drains every pipe; SyncAll
// releases every block when the last one arrives, plus its cost. MTE2 and MTE3 share the core's
// share of HBM bandwidth: a copy uses the core's GM link whenever the other copy pipe leaves it
// free (it may be spread over several gaps), and ends when it has had its cycles. A GetValue/SetValue
// on a GlobalTensor pays kScalarGmMissCycles on S when its 64-B line is not in the block's DCache
// (an LRU of kDcacheLines lines). GetValue/SetValue on a LocalTensor take the
// worst case of the compiler's automatic sync (cce-auto-sync, on by default: V_S before a scalar
// access that follows vector work, S_V before vector work that follows it). With a queue depth
// (cost::kPipeQueueDepth, ASSUMED; SetPipeQueueDepth sets another, 0 unbounded) every
// vector or copy instruction and every SetFlag/WaitFlag on V, MTE2 or MTE3 takes an entry of its
// pipe's queue from its issue until it starts on the pipe (a wait: until the pipe passes it); the
// scalar unit issues into a full queue only when its oldest entry has left, holding the issue of
// everything after.
//
// Busy time of a pipe: the sum of its instructions' costs. Stall time: the end of its last
// instruction less its busy time, i.e. the time it sat waiting (for a flag, a barrier, the GM link
// or the scalar unit to issue) before it finished its work.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "sim/launch.h"
#include "sim/types.h"

namespace cpu_sim {

constexpr int kTimelineEvents = static_cast<int>(AscendC::HardEvent::MAX);
constexpr int kTimelineEventIds = 8;

struct PipeTimeline {
    double free[kTimelinePipes] = {};     // cycle the pipe is free (its last instruction or wait ended)
    double ready[kTimelinePipes] = {};    // earliest start of its next instruction (waits, barriers)
    double busy[kTimelinePipes] = {};
    double lastEnd[kTimelinePipes] = {};  // end of its last instruction
    uint64_t instructions[kTimelinePipes] = {};
    // The core's GM link: its reserved intervals [start, end), sorted and disjoint, from the
    // earliest cycle a copy may still start on.
    std::vector<std::pair<double, double>> link;
    double bytesPerCycle = 1;           // the core's HBM share (cost::CoreBytesPerCycle)
    double flagTime[kTimelineEvents][kTimelineEventIds] = {};     // its last SetFlag set the bit
    double flagCleared[kTimelineEvents][kTimelineEventIds] = {};  // its last WaitFlag cleared it
    double flagStallCycles = 0;  // source pipes held by a SetFlag on a bit not yet cleared
    uint64_t gmReadMark = 0;            // GM bytes already timed (BlockStats counters)
    uint64_t gmWrittenMark = 0;
    bool vectorSinceScalarSync = false;  // vector work the scalar unit has not waited for
    bool scalarSinceVectorSync = false;  // scalar UB accesses the vector pipe has not waited for
    // The DCache (cost_table.h): line indices (GM address / kDcacheLineBytes), least recent first.
    std::vector<uint64_t> dcache;
    // The pipes' instruction queues (cost::kPipeQueueDepth; 0 = unbounded): per pipe, the cycle each
    // of its last queueDepth entries left the queue (started on the pipe), entry k at k % queueDepth.
    uint32_t queueDepth = 0;
    std::vector<double> queueLeft[kTimelinePipes];
    uint64_t queued[kTimelinePipes] = {};
    double queueFullCycles = 0;  // the scalar unit held by a full queue
};

struct BlockContext;
void TimelineStart(BlockContext& c);
// Every instruction, from CountInstr: a copy if the GM counters moved since the last one (MTE2 for
// bytes read, MTE3 for bytes written), else a vector instruction over `elemBytes`-B elements.
// `extraCycles`: a vector instruction's UB bank conflicts (ub_banks.h).
void TimeInstr(const char* name, uint64_t repeats, uint32_t elemBytes, double extraCycles = 0);
// A GetValue/SetValue (or an API call's own scalar load/store): `ub` for a LocalTensor, else the GM
// address `gm`, which goes through the DCache: true when it missed (and paid kScalarGmMissCycles).
bool TimeScalarAccess(BlockContext& c, bool ub, const void* gm = nullptr);
// A SetFlag: stamps the cycle its source pipe sets the bit (for the WaitFlag that follows), not
// before the last WaitFlag of the flag cleared it: until then the set holds its source pipe.
void TimeSetFlag(AscendC::HardEvent event, int32_t id);
// A WaitFlag: holds its destination pipe until the set is seen, and records when the pipe passes
// it, which is when the bit is cleared.
void TimeWaitFlag(AscendC::HardEvent event, int32_t id);
void TimeBarrierAll();                 // PipeBarrier<PIPE_ALL>: every pipe drained
double TimeNow();                      // the cycle every pipe is drained (after TimeBarrierAll)
void TimeReleaseAll(double cycle);     // SyncAll: nothing of the block starts before `cycle`
BlockTimeline TimelineResult(const PipeTimeline& t);
// The depth of the V, MTE2 and MTE3 instruction queues for later launches (default
// cost::kPipeQueueDepth; 0: unbounded).
void SetPipeQueueDepth(uint32_t depth);
uint32_t PipeQueueDepth();

}  // namespace cpu_sim
