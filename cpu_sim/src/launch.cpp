// cpu_sim launcher: SoC table, one thread per block, SyncAll barrier, error collection, stats.
#include "sim/launch.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <mutex>
#include <thread>

#include "sim/context.h"
#include "sim/ctrl.h"
#include "sim/cost_table.h"
#include "sim/gm_race.h"
#include "sim/runtime_internal.h"

namespace cpu_sim {

namespace {
std::atomic<bool> launchFloatSaturation{false};  // A2's default: INF/NaN mode (ctrl.h)
}  // namespace

void SetLaunchFloatSaturation(bool saturation) { launchFloatSaturation.store(saturation); }
bool LaunchFloatSaturation() { return launchFloatSaturation.load(); }

const SocSpec& GetSoc(const std::string& name) {
    static const std::vector<SocSpec> socs = {
        {"910B1", 48, 196608}, {"910B2", 48, 196608}, {"910B3", 40, 196608}, {"910B4", 40, 196608}};
    for (const SocSpec& s : socs) {
        if (s.name == name) return s;
    }
    throw std::invalid_argument("unknown SoC '" + name + "'; valid: 910B1, 910B2, 910B3, 910B4");
}

namespace {

// A launch total of one BlockStats counter: summed over the blocks, or their most.
uint64_t SumOver(const std::vector<BlockStats>& blocks, uint64_t BlockStats::*field) {
    uint64_t s = 0;
    for (const auto& b : blocks) s += b.*field;
    return s;
}

uint64_t MostOf(const std::vector<BlockStats>& blocks, uint64_t BlockStats::*field) {
    uint64_t s = 0;
    for (const auto& b : blocks) s = std::max(s, b.*field);
    return s;
}

}  // namespace

uint64_t KernelStats::GmBytesRead() const { return SumOver(blocks, &BlockStats::gmBytesRead); }
uint64_t KernelStats::GmBytesWritten() const { return SumOver(blocks, &BlockStats::gmBytesWritten); }
uint64_t KernelStats::UbPeakBytes() const { return MostOf(blocks, &BlockStats::ubPeakBytes); }
uint64_t KernelStats::SyncAllCount() const { return MostOf(blocks, &BlockStats::syncAllCount); }
uint64_t KernelStats::ScalarAccesses() const { return SumOver(blocks, &BlockStats::scalarAccesses); }
uint64_t KernelStats::ScalarGmAccesses() const { return SumOver(blocks, &BlockStats::scalarGmAccesses); }
uint64_t KernelStats::ScalarGmMisses() const { return SumOver(blocks, &BlockStats::scalarGmMisses); }
uint64_t KernelStats::BankConflictRepeats() const { return SumOver(blocks, &BlockStats::bankConflictRepeats); }
std::map<std::string, InstrStat> KernelStats::Instructions() const {
    std::map<std::string, InstrStat> out;
    for (const auto& b : blocks) {
        for (const auto& [name, st] : b.instructions) {
            out[name].count += st.count;
            out[name].repeats += st.repeats;
            out[name].bankConflictRepeats += st.bankConflictRepeats;
        }
    }
    return out;
}

namespace {

// Shared by the block threads of one launch: the SyncAll barrier and the first error.
struct LaunchState {
    std::mutex mu;
    std::condition_variable cv;
    uint32_t blockDim = 0;
    uint32_t arrived = 0;
    uint64_t generation = 0;
    bool someoneExited = false;
    uint32_t exitedBlock = 0;
    bool exitedFailed = false;
    bool hasError = false;
    std::string firstError;
    uint32_t exited = 0;              // blocks that returned or failed
    std::atomic<bool> stop{false};    // interrupt: blocks leave at their next instruction
    bool resourceError = false;       // a block could not get host memory (not a device rule)
    // SyncAll on the blocks' timelines: the latest arrival at the open barrier, and the cycle the
    // last completed barrier released every block.
    double latestArrival = 0;
    double releasedAt = 0;
    // Per block, its GM reads and writes since the last SyncAll (gm_race.h); checked across blocks
    // by the last block to reach a SyncAll (the others wait there) and after the join.
    std::vector<GmAccessLog> gmLogs;
    const std::vector<GmBuffer>* gm = nullptr;
};

thread_local LaunchState* tlsLaunch = nullptr;

void BlockExit(LaunchState& st, uint32_t block, const std::string* error) {
    std::lock_guard<std::mutex> lock(st.mu);
    if (error != nullptr && !st.hasError) {
        st.hasError = true;
        st.firstError = Format("block %u: ", block) + *error;
    }
    ++st.exited;
    if (!st.someoneExited) {
        st.someoneExited = true;
        st.exitedBlock = block;
        st.exitedFailed = error != nullptr;
    }
    st.cv.notify_all();
}

void RunBlock(LaunchState& st, uint32_t block, const LaunchConfig& config, const std::vector<GmBuffer>& gm,
              const std::function<void()>& body, BlockStats& out) {
    const SocSpec& soc = *config.soc;
    BlockContext ctx;
    ctx.config = &config;
    ctx.blockIdx = block;
    ctx.blockNum = st.blockDim;
    ctx.soc = &soc;
    ctx.gm = &gm;
    ctx.stop = &st.stop;
    ctx.gmLog = &st.gmLogs[block];
    ctx.stats.blockIdx = block;
    std::string error;
    bool failed = false;
    const size_t ubArenaBytes = (soc.ubBytes + 63) / 64 * 64;
    void* ub = std::aligned_alloc(64, ubArenaBytes);
    try {
        if (ub == nullptr) {
            std::lock_guard<std::mutex> lock(st.mu);
            st.resourceError = true;  // the host is out of memory: not a device rule
            throw std::runtime_error("cpu_sim: cannot allocate the UB arena of a block: the process is out of memory");
        }
        ctx.ub = static_cast<uint8_t*>(ub);
        // UB keeps what the core's previous kernel left there (AllocTensor hands out buffers with
        // stale contents): a kernel that reads UB it never wrote must not find zeros. Every byte
        // starts as kUbPoisonByte, a NaN in fp32, fp16 and bf16 alike.
        std::memset(ub, kUbPoisonByte, ubArenaBytes);
        const size_t ubBlocks = soc.ubBytes / 32;
        ctx.writer.assign(ubBlocks, 0);
        ctx.readableSince.assign(ubBlocks, {1, 1, 1, 1});  // never written: anyone may read
        ctx.readers.assign(ubBlocks, 0);
        ctx.written.assign(ubBlocks, 0);
        ctx.dmaOrdered.assign(ubBlocks, 1);
        ctx.orderedSince.assign(ubBlocks, {});
        const bool launchSaturation = LaunchFloatSaturation();
        ctx.floatSaturation = launchSaturation;
        BindThread(&ctx);
        tlsLaunch = &st;
        TimelineStart(ctx);
        body();
        CheckQueuesFreed("kernel end");
        CheckFlagsClear("kernel end");
        if (ctx.floatSaturation != launchSaturation) {
            // CTRL persists on the core: asc-devkit's ctrl_spr example restores it after use so that
            // later computation is not affected (examples/.../09_utils/ctrl_spr/README.md).
            Fail(std::string("kernel end: CTRL[48] is left in ") +
                 (ctx.floatSaturation ? "saturation" : "non-saturation") +
                 " mode, not the launch's: the next kernel on this core inherits it (give the launch's mode back)");
        }
    } catch (const std::exception& e) {
        failed = true;
        error = e.what();
    } catch (...) {
        failed = true;
        error = "unknown exception";
    }
    BindThread(nullptr);
    tlsLaunch = nullptr;
    std::free(ub);
    out = ctx.stats;
    out.timeline = TimelineResult(ctx.timeline);
    BlockExit(st, block, failed ? &error : nullptr);
}

}  // namespace

void SyncAllHardware(const char* api, bool checkKernelType) {
    BlockContext& c = Ctx();
    const LaunchConfig& cfg = *c.config;
    if (!cfg.batchMode) {
        Fail(Format("%s: the launch is not in batch schedule mode (kernel launch: __schedmode__/schedule mode 1; "
                    "op package: SetScheduleMode(1)); the SyncAll docs warn that the barrier can then deadlock "
                    "with concurrent streams", api));
    }
    const uint32_t resident = cfg.residentCores == 0 ? cfg.soc->vectorCores : cfg.residentCores;
    if (cfg.blockDim > resident) {
        Fail(Format("%s: %u blocks but only %u vector cores can hold them at once: blocks waiting for a core "
                    "never reach the barrier (device deadlock)", api, cfg.blockDim, resident));
    }
    if (checkKernelType) {
        const KernelMetaType t = CurrentKernelType();
        if (!IsMixKernelType(t)) {
            Fail(Format("%s: the hardware barrier needs a mix kernel type "
                        "(KERNEL_TASK_TYPE_DEFAULT(KERNEL_TYPE_MIX_AIV_1_0)); kernel type is %d", api,
                        static_cast<int>(t)));
        }
    }
    LaunchState* st = tlsLaunch;
    if (st == nullptr) Fail(Format("%s: called outside cpu_sim::Launch", api));
    // dav_c220 SyncAll starts with PipeBarrier<PIPE_ALL> (then the FFTS cross-core flag).
    OrderAllPipes();
    const double arrival = TimeNow();
    const uint64_t n = c.stats.syncAllCount + 1;
    std::unique_lock<std::mutex> lock(st->mu);
    auto deadlock = [&]() {
        if (st->exitedFailed) {
            return Format("%s: block %u failed before reaching SyncAll #%llu", api, st->exitedBlock,
                          (unsigned long long)n);
        }
        return Format("%s: block %u returned without reaching SyncAll #%llu (device deadlock)", api,
                      st->exitedBlock, (unsigned long long)n);
    };
    if (st->someoneExited) Fail(deadlock());
    const uint64_t gen = st->generation;
    st->latestArrival = std::max(st->latestArrival, arrival);
    if (++st->arrived == st->blockDim) {
        // Every block has finished epoch n - 1 and waits here: their logs are complete and still.
        const std::string race =
            CheckGmRaces(st->gmLogs, *st->gm, n - 1, Format("SyncAll #%llu", (unsigned long long)n).c_str());
        if (!race.empty()) {
            // Reported without the "block k:" of the block that happened to arrive last; the
            // waiting blocks then fail on this block's exit, after the first error is kept.
            if (!st->hasError) {
                st->hasError = true;
                st->firstError = race;
            }
            Fail(race);
        }
        st->arrived = 0;
        st->generation++;
        st->releasedAt = st->latestArrival + cost::kSyncAllCycles;
        st->latestArrival = 0;
        st->cv.notify_all();
    } else {
        st->cv.wait(lock, [&] { return st->generation != gen || st->someoneExited || st->stop; });
        if (st->generation == gen && st->stop) throw LaunchInterrupted(Format("%s: launch interrupted", api));
        if (st->generation == gen) Fail(deadlock());
    }
    // Stable until this block arrives at the next barrier, which cannot complete without it.
    const double release = st->releasedAt;
    lock.unlock();
    TimeReleaseAll(release);
    c.stats.syncAllCount++;
}

namespace {

// Waits until `started` blocks have exited, polling config.interruptPoll every INTERRUPT_POLL_MS;
// true if it asked to stop (the blocks are then told to leave, and the caller joins them).
bool WaitForBlocks(LaunchState& st, const LaunchConfig& config, uint32_t started) {
    if (!config.interruptPoll) return false;
    for (;;) {
        {
            std::unique_lock<std::mutex> lock(st.mu);
            if (st.cv.wait_for(lock, std::chrono::milliseconds(INTERRUPT_POLL_MS),
                               [&] { return st.exited >= started; })) {
                return false;
            }
        }
        if (config.interruptPoll()) {
            std::lock_guard<std::mutex> lock(st.mu);
            st.stop = true;
            st.cv.notify_all();  // blocks waiting in SyncAll
            return true;
        }
    }
}

}  // namespace

KernelStats Launch(uint32_t blockDim, const SocSpec& soc, const std::vector<GmBuffer>& gm,
                   const std::function<void()>& blockBody) {
    LaunchConfig config;
    config.blockDim = blockDim;
    config.soc = &soc;
    return Launch(config, gm, blockBody);
}

KernelStats Launch(const LaunchConfig& config, const std::vector<GmBuffer>& gm,
                   const std::function<void()>& blockBody) {
    if (config.soc == nullptr) throw SimError("Launch: no SoC");
    const SocSpec& soc = *config.soc;
    const uint32_t blockDim = config.blockDim;
    if (blockDim < 1 || blockDim > soc.vectorCores) {
        throw SimError(Format("Launch: blockDim %u outside [1, %u] vector cores of %s", blockDim, soc.vectorCores,
                              soc.name.c_str()));
    }
    LaunchState st;
    st.blockDim = blockDim;
    st.gmLogs.resize(blockDim);
    st.gm = &gm;
    KernelStats stats;
    stats.blockDim = blockDim;
    stats.soc = soc.name;
    stats.blocks.resize(blockDim);
    std::vector<std::thread> threads;
    threads.reserve(blockDim);
    std::string spawnError;
    for (uint32_t b = 0; b < blockDim; ++b) {
        try {
            threads.emplace_back(RunBlock, std::ref(st), b, std::cref(config), std::cref(gm), std::cref(blockBody),
                                 std::ref(stats.blocks[b]));
        } catch (const std::exception& e) {
            spawnError = Format("cpu_sim: cannot start the thread of block %u of %u (%s): the process is out of "
                                "threads or memory; launch fewer blocks (max_blocks) or free resources",
                                b, blockDim, e.what());
            // Release blocks already waiting: a missing block is a failed block.
            BlockExit(st, b, &spawnError);
            break;
        }
    }
    const bool interrupted =
        WaitForBlocks(st, config, static_cast<uint32_t>(threads.size()) + (spawnError.empty() ? 0 : 1));
    for (auto& t : threads) t.join();
    if (interrupted) throw LaunchInterrupted("cpu_sim: launch interrupted");
    if (!spawnError.empty()) throw std::runtime_error(spawnError);
    if (st.hasError && st.resourceError) throw std::runtime_error(st.firstError);
    if (st.hasError) throw SimError(st.firstError);
    const std::string race = CheckGmRaces(st.gmLogs, gm, stats.blocks[0].syncAllCount, "kernel end");
    if (!race.empty()) throw SimError(race);
    stats.timeline = CombineTimelines(stats);
    return stats;
}

}  // namespace cpu_sim
