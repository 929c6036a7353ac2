// Public launcher of cpu_sim: SoC table, GM buffers, per-block counters and Launch().
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace cpu_sim {

// Any violated device rule. The message names the API call, the rule and the values.
class SimError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The launch was stopped because LaunchConfig::interruptPoll asked for it (e.g. Ctrl-C): every
// block left at its next instruction; nothing the kernel wrote is meaningful. Not a rule violation.
class LaunchInterrupted : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct GmBuffer {
    void* data;
    size_t bytes;
    std::string name;
};

struct SocSpec {
    std::string name;
    uint32_t vectorCores;
    uint32_t ubBytes;
};

// "910B1", "910B2" (48 vector cores), "910B3", "910B4" (40); UB 196608 B each.
// Unknown name -> std::invalid_argument listing the valid names.
const SocSpec& GetSoc(const std::string& name);

// One instruction kind: issued instructions and 256-B repeats.
// Rule for repeats: vector ops ceil(count * max(sizeof src, sizeof dst) / 256);
// data copies ceil(bytes moved / 256) per call.
struct InstrStat {
    uint64_t count = 0;
    uint64_t repeats = 0;
    uint64_t bankConflictRepeats = 0;  // repeats that queued on a UB bank or bank group (ub_banks.h)
};

// The per-pipe timeline of one block (cpu_sim/include/sim/timeline.h), in cycles of the SoC's
// clock. Pipes in the order S, V, MTE2, MTE3.
constexpr int kTimelinePipes = 4;
const char* TimelinePipeName(int pipe);  // "S", "V", "MTE2", "MTE3"
struct BlockTimeline {
    double endCycles = 0;                     // every pipe drained
    double busyCycles[kTimelinePipes] = {};   // the pipe's instructions' costs
    double stallCycles[kTimelinePipes] = {};  // its last instruction's end less its busy time
    uint64_t instructions[kTimelinePipes] = {};  // instructions (scalar accesses on S) it ran
    double flagStallCycles = 0;  // source pipes held by SetFlags whose bit an issued wait had not cleared
    double queueFullCycles = 0;  // the scalar unit held by a full pipe instruction queue (SetPipeQueueDepth)
};

// One UB buffer TPipe::InitBuffer handed out: the `index`-th buffer of a TQue (or a TBuf, index 0)
// at UB byte `offset`, `bytes` long (the length rounded up to 32 B, kernel_tpipe_impl.h's dataLen).
struct UbBufferRecord {
    bool queue = false;    // TQue, else TBuf
    uint8_t position = 0;  // AscendC::TPosition
    uint32_t index = 0;
    uint32_t offset = 0;
    uint32_t bytes = 0;
    // Names of the launch's GM buffers (GmBuffer::name) a DataCopy/DataCopyPad copied into it or
    // out of it, in first-copy order: what tells a kernel's input queue from its target queue.
    std::vector<std::string> copiedFrom;
    std::vector<std::string> copiedTo;
};

struct BlockStats {
    uint32_t blockIdx = 0;
    uint64_t gmBytesRead = 0;     // DataCopy/DataCopyPad payload bytes, GetValue sizeof(T)
    uint64_t gmBytesWritten = 0;  // same for UB->GM copies and SetValue
    uint64_t ubPeakBytes = 0;     // highest end offset of InitBuffer'd UB
    std::vector<UbBufferRecord> ubBuffers;  // every InitBuffer'd buffer, in InitBuffer order
    uint64_t syncAllCount = 0;    // SyncAll calls completed by this block
    // GetValue/SetValue on LocalTensor or GlobalTensor: element-wise work of the scalar unit,
    // which the vector and copy counters do not show (A2 runs such loops at tens of cycles each).
    uint64_t scalarAccesses = 0;
    // Of those, the GlobalTensor ones, and how many missed the DCache (cost_table.h).
    uint64_t scalarGmAccesses = 0;
    uint64_t scalarGmMisses = 0;
    // Vector repeats that hit a UB bank conflict (ub_banks.h), and the cycles they added on V.
    uint64_t bankConflictRepeats = 0;
    double bankConflictCycles = 0;
    std::map<std::string, InstrStat> instructions;
    BlockTimeline timeline;
};

// The modelled A2 time of a launch: launch cost + the slowest block's critical path, never below
// the launch's GM bytes at the HBM bandwidth (cost_table.h).
struct LaunchTimeline {
    double modelledUs = 0;
    double criticalPathUs = 0;  // the slowest block's, SyncAll barriers included
    double hbmFloorUs = 0;      // all GM bytes of the launch / HBM bandwidth
    double launchUs = 0;
    uint32_t slowestBlock = 0;
    // "HBM" when the floor binds, else the slowest block's busiest pipe (MTE2 and MTE3 compared
    // by their sum, as they share the core's GM link); "-" if the block ran no instruction.
    std::string boundBy;
};

struct KernelStats {
    uint32_t blockDim = 0;
    std::string soc;
    std::vector<BlockStats> blocks;

    uint64_t GmBytesRead() const;
    uint64_t GmBytesWritten() const;
    uint64_t UbPeakBytes() const;   // max over blocks
    uint64_t SyncAllCount() const;  // max over blocks (barriers executed by the launch)
    uint64_t ScalarAccesses() const;  // summed over blocks
    uint64_t ScalarGmAccesses() const;  // summed over blocks
    uint64_t ScalarGmMisses() const;    // summed over blocks
    uint64_t BankConflictRepeats() const;  // summed over blocks
    std::map<std::string, InstrStat> Instructions() const;  // summed over blocks
    LaunchTimeline timeline;  // filled by Launch
};

// The launch's modelled time from its blocks' timelines (called by Launch).
LaunchTimeline CombineTimelines(const KernelStats& stats);

// How a kernel is launched, as the runtime sees it (the <<<>>> / aclnn launch parameters).
struct LaunchConfig {
    uint32_t blockDim = 1;
    const SocSpec* soc = nullptr;
    // GM workspace bytes passed with the launch. The kernel-type docs forbid a zero-size
    // workspace for a vector kernel built as a MIX type.
    uint64_t workspaceBytes = 0;
    // Batch scheduling (schedule mode 1: every block resident at once). The SyncAll docs
    // require it: without it, concurrent streams can deadlock the hardware barrier.
    bool batchMode = false;
    // Vector cores the launch can occupy at once (a partitioned device may have fewer than
    // the SoC); 0 = soc->vectorCores. SyncAll deadlocks if blockDim exceeds it.
    uint32_t residentCores = 0;
    // Called about every INTERRUPT_POLL_MS on the launching thread while the blocks run; returning
    // true stops every block at its next instruction and makes Launch throw LaunchInterrupted.
    std::function<bool()> interruptPoll;
};

constexpr uint32_t INTERRUPT_POLL_MS = 20;

// Runs blockBody once per block, each in its own thread with its own UB, counters and hazard
// state. blockDim must be in [1, soc.vectorCores]. Every GM access of the kernel must lie in
// one of `gm`. A rule violation throws SimError ("block k: ..."): the first error is rethrown
// after all threads are joined. A block thread that cannot be started is a std::runtime_error
// about resources (not a SimError); a stop asked by config.interruptPoll is LaunchInterrupted.
KernelStats Launch(const LaunchConfig& config, const std::vector<GmBuffer>& gm,
                   const std::function<void()>& blockBody);
// An AIV-only style launch: no workspace, no batch scheduling.
KernelStats Launch(uint32_t blockDim, const SocSpec& soc, const std::vector<GmBuffer>& gm,
                   const std::function<void()>& blockBody);

}  // namespace cpu_sim
