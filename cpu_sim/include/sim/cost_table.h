// The A2 cost table of cpu_sim's per-pipe timeline (timeline.h): what each instruction costs on its
// pipe, in cycles of a 910B vector core. One place for every number; python/ascend_bce/cost_model.py
// reads them through _C.cost_table() and its analytic bound uses the same ones.
//
// Sources: the A2 budget of shared/ascendc-api.md (1.85 GHz, 48 vector cores sharing ~1.46 TB/s of
// HBM) as cost_model.A2Spec holds it; asc-devkit's "Vector指令理论性能汇总" appendix
// (docs/zh/api/附录/, table 6 onwards, "Atlas A2") for the element rate of each vector instruction;
// asc-devkit's add tuning guide (docs/zh/guide/算子实践参考/典型算子实践案例/SIMD算子实现/
// Add矢量算子实践/中级性能优化.md, Case 0, measured on an A2) for the scalar unit; the A2 profile of
// asc-devkit's add_high_performance sample (examples/01_simd_cpp_api/05_best_practices/
// 00_vector_compute/add_high_performance/README.md, "the add sample" below) for the DMA and issue
// costs. Numbers marked ASSUMED have no public source; they are named so that a measurement on an
// A2 can replace them. The Python models (cost_model.A2Spec, assumptions.A2Assumptions) read every
// number from here through _C.cost_table().
#pragma once

#include <cstdint>
#include <cstring>

namespace cpu_sim {
namespace cost {

constexpr double kClockHz = 1.85e9;              // 910B1 vector core clock
constexpr double kHbmBytesPerSecond = 1.46e12;   // 910B1 HBM, shared by every active core
constexpr double kHbmBytesPerCycle = kHbmBytesPerSecond / kClockHz;
// One core's DMA alone reads 0.0432-0.0454 TB/s in the add sample (Cases 0/1), 1.42-1.49x its
// fair share of 1.46 TB/s over 48 cores: a core gets at most this multiple of its share.
constexpr double kCoreShareCap = 1.45;

// Fixed cost of a vector instruction (pipeline start) and of a DMA instruction (set-up and
// first-byte latency), on the instruction's pipe. The add sample's Case 6 runs 86 Adds of 127
// repeats in 12,865 cycles per core: (12,865 - 86 x 127) / 86 = 22.6 cycles per instruction.
// Its Cases 2 and 3 move the same bytes in 683 and 171 copies per core with MTE2 busy 215.485
// and 184.369 us: (215.485 - 184.369) us x 1.85 GHz / 512 copies = 112 cycles per copy.
constexpr double kVectorIssueCycles = 23;
constexpr double kCopyIssueCycles = 112;

// Vector throughput, as cycles per 256-B repeat (64 fp32 or 128 fp16 elements), from the
// appendix's elements per cycle on A2. Instructions not listed (Add, Mul, Adds, Muls, Max(s),
// Min(s), Abs, Relu, Reciprocal, Duplicate, Cast, Compare(s), Select, Axpy, Brcb) run a whole
// repeat per cycle; so does DataCopy UB->UB, which the appendix does not list (ASSUMED).
// FusedMulAdd is not priced: the appendix gives it a whole repeat per cycle, but its page
// (Memory矢量计算/复合计算/FusedMulAdd.md, 约束说明) halves that when dst, src0 and src1 are three
// different addresses (the UB cannot read three rows in one beat), so its rate depends on the
// operands; the simulator does not implement it, and the kernels do not call it.
constexpr double kRepeatBytes = 256;
constexpr double kSimpleRepeatCycles = 1;
constexpr double kTranscendentalElemsPerCycle = 32;  // Exp, Ln, Sqrt, Div: half and float alike
struct VectorRate {
    const char* name;
    double fp32RepeatCycles;  // cycles per repeat of 4-B elements
    double b16RepeatCycles;   // of 2-B elements
};
constexpr VectorRate kVectorRates[] = {
    {"Exp", 2, 4}, {"Ln", 2, 4}, {"Sqrt", 2, 4}, {"Div", 2, 4},  // 32 elements per cycle
    // vcadd across a repeat: ReduceRepeat (WholeReduceSum up to CANN 9.0), 64/7 fp32 or 128/7
    // fp16 elements per cycle (ReduceSum's count form is one vcadd on dav_c220).
    {"ReduceSum", 7, 7}, {"ReduceRepeat", 7, 7}, {"WholeReduceSum", 7, 7},
    {"ReduceDataBlock", 1, 7}, {"BlockReduceSum", 1, 7},  // 64 fp32, 128/7 fp16 elements per cycle
    {"MulAddDst", 2, 2},       // 32 fp32, 64 fp16 elements per cycle
    {"GatherMask", 2, 2},      // 32 fp32, 64 fp16 elements per cycle
    {"Gather", 12.8, 25.6},    // 5 elements per cycle, every dtype
    {"Gatherb", 64.0 / 21, 128.0 / 42},  // 21 fp32, 42 fp16 elements per cycle
};

// The instructions the appendix lists at a whole repeat per cycle on A2 (tables 6-13: 64 fp32 or
// 128 fp16 elements per cycle), by the name cpu_sim counts them under. A name in neither this list
// nor kVectorRates is priced as simple too, but a test fails on it, so that a new instruction
// cannot slip in at the wrong rate.
constexpr const char* kSimpleRepeatOps[] = {
    "Add", "Sub", "Mul", "Adds", "Muls", "Max", "Min", "Maxs", "Mins", "Abs", "Relu", "Reciprocal",
    "Duplicate", "Cast", "Compare", "Compares", "Select", "Axpy", "Brcb", "And", "Or",
    "Not", "ShiftLeft", "ShiftRight", "CreateVecIndex",
};

// UB bank conflicts (ub_banks.h). Source: asc-devkit's bank_conflict_ub sample
// (examples/01_simd_cpp_api/05_best_practices/04_memory_access/bank_conflict_ub/README.md, measured
// on an A2): 1000 fp32 Adds of 64 repeats timed with GetSystemCycle (a 50 MHz counter on A2) take
// 2390 ticks without conflict (scenario 1), 4167 with src0 and src1 in one bank group every repeat
// (scenarios 2, 3: read-read) and 3751 with dst in the bank of src0, not block-aligned (scenario 5:
// read-write). The UB serves one 32-B row per bank group per beat (the 2201 bank guide), so a
// read-read conflict is one more beat per repeat: (4167 - 2390) ticks = 1.03 cycles per repeat;
// the read-write conflict costs (3751 - 2390) ticks = 0.79 cycles per repeat. The add sample's
// Case 5 -> 6 (aiv_vec_time 12.846 -> 6.954 us, 86 Adds of 128 conflicting repeats -> 127 clean
// ones per core) gives (12.846 us x 1.85 GHz - 86 x 23) / (86 x 128) = 1.98 cycles per repeat
// with the conflict, one beat more than 1: the same number.
constexpr double kSystemCounterHz = 50e6;  // GetSystemCycle on A2
constexpr double kBankSampleRepeats = 1000.0 * 64;
constexpr double kBankSampleCleanTicks = 2390;
constexpr double kBankSampleReadReadTicks = 4167;
constexpr double kBankSampleReadWriteTicks = 3751;
constexpr double kTicksToRepeatCycles = kClockHz / kSystemCounterHz / kBankSampleRepeats;
// One extra beat of a repeat (read-read and write-write: rows queued on one bank group).
constexpr double kBankConflictBeatCycles = (kBankSampleReadReadTicks - kBankSampleCleanTicks) * kTicksToRepeatCycles;
// A repeat whose write hits the bank one of its reads uses (unless block-aligned, see ub_banks.h).
constexpr double kReadWriteConflictCycles =
    (kBankSampleReadWriteTicks - kBankSampleCleanTicks) * kTicksToRepeatCycles;

// The scalar unit. Huawei's add tuning guide, Case 0: one A2 core adds two 8192x8192 half tensors
// in a loop of x.GetValue(i), y.GetValue(i), z.SetValue(i, x + y) in 1,239,689.1 us, 99.5 % of it
// scalar: 34.2 cycles per element. The simulator sees the loads and stores, not the loop, so each
// GetValue/SetValue carries a third of that element: its own access, its share of the loop step
// (compare, branch, index update) and of the conversion and add.
constexpr double kAddSampleScalarUs = 1239689.1;
constexpr double kAddSampleElements = 8192.0 * 8192.0;
constexpr double kAddSampleAccessesPerElement = 3;
constexpr double kScalarLoopCyclesPerElement = kAddSampleScalarUs * 1e-6 * kClockHz / kAddSampleElements;
constexpr double kScalarAccessCycles = kScalarLoopCyclesPerElement / kAddSampleAccessesPerElement;

// The scalar unit's data cache for GM (DCache). Every GlobalTensor GetValue/SetValue goes through
// it: asc-devkit's 系统缓存概述 (docs/zh/api/SIMD-API/基础API/缓存控制/) has a scalar GM read try the
// core's DCache, then L2, then HBM, and DCache reads and writes GM in 64-B lines
// (ReadGmByPassDCache; DataCacheCleanAndInvalid flushes "the 64-B aligned cache line"); a SetValue
// loads its line too (the Ascend C guide's "Reading/Writing Data by the Scalar Unit"). Its size on
// the vector core: the guide's cache-coherence page (docs/zh/guide/编程指南/高级编程/内存模型/
// 缓存一致性.md, the NPU架构版本2201 table) gives the AIV DCache 32 KB in 64-B lines (the AIC's
// 16 KB; the scalar-unit section's 16-KB D-cache is that example). We model one fully associative
// LRU of those lines per core, empty at kernel start; the kernel's own stack and the write-back of
// dirty lines are not modelled.
constexpr uint32_t kDcacheLineBytes = 64;
constexpr uint32_t kDcacheBytes = 32 * 1024;
constexpr uint32_t kDcacheLines = kDcacheBytes / kDcacheLineBytes;
// ASSUMED: what a scalar GM access that misses the DCache adds to kScalarAccessCycles: a round
// trip to L2/HBM that the in-order scalar unit waits out (its result feeds the next instruction).
// asc-devkit publishes no latency for it. 500 cycles (270 ns at 1.85 GHz) is the order of a
// GPU's DRAM load-to-use latency and 4.5 times a DMA's set-up and first byte (kCopyIssueCycles),
// which a blocking load cannot overlap; the benchmark's sensitivity table halves and doubles it.
constexpr double kScalarGmMissCycles = 500;

// The depth of the instruction queue between the scalar unit and each of the vector core's pipes
// (V, MTE2, MTE3), in entries: the scalar unit issues vector, copy and sync (SetFlag/WaitFlag)
// instructions into the queue of their pipe (asc-devkit 抽象硬件架构.md: "将计算、搬运等任务发射到
// Vector、Cube、DMA等单元的指令队列中"; the Scalar row: it issues "矢量计算、矩阵计算、数据搬运、同步
// 指令" to their units), and a full queue holds the scalar unit, so the issue of every later
// instruction to every pipe waits (NPU架构版本2201.md, Cube row: "对应指令队列容易满，会阻塞其他
// 指令下发，引起流水断流"). The only depth asc-devkit publishes for dav-2201 is the cube core's:
// "MTE1和MMAD指令队列的深度为32" (same page). For V, MTE2 and MTE3 no depth is published (the PMU
// counts vec_iq_full / mte2_iq_full / mte3_iq_full cycles, events 0x6f / 0x6c / 0x6d, so the queues
// are finite). ASSUMED: each holds what the same page gives the cube's queues, 32 entries, rather
// than the unbounded queue the finite PMU counters rule out (the kernels copy x in a tile ahead, so
// that their modelled times hold down to 8 entries; tests/test_bce_with_logits_prefetch.py).
// _C.set_pipe_queue_depth(n) sets another depth for later launches (0 = unbounded: the scalar unit
// may issue arbitrarily far ahead).
constexpr uint32_t kPipeQueueDepth = 32;
// Published for dav-2201's cube core only (MTE1 and MMAD queues); not used by the vector-core model.
constexpr uint32_t kCubeQueueDepth = 32;

// ASSUMED: a SetFlag seen by the waiting pipe this many cycles after the source pipe reached it.
constexpr double kFlagLatencyCycles = 16;
// ASSUMED (as A2Spec): host launch plus block dispatch of one kernel, and one cross-core SyncAll
// barrier after its last block arrives.
constexpr double kLaunchUs = 4.0;
constexpr double kSyncAllUs = 1.0;
constexpr double kSyncAllCycles = kSyncAllUs * 1e-6 * kClockHz;

// HBM bytes per cycle one core's DMA gets when `activeCores` of `socCores` stream at once (the
// fair share, up to kCoreShareCap times it when fewer cores run). MTE2 and MTE3 share it.
inline double CoreBytesPerCycle(uint32_t activeCores, uint32_t socCores) {
    const double fair = kHbmBytesPerCycle / socCores;
    const double share = static_cast<double>(socCores) / (activeCores == 0 ? 1 : activeCores);
    return fair * (share < kCoreShareCap ? share : kCoreShareCap);
}

// Cycles of one vector instruction of `repeats` 256-B repeats over elements of `elemBytes`.
inline double VectorCycles(const char* name, uint64_t repeats, uint32_t elemBytes) {
    double perRepeat = kSimpleRepeatCycles;
    for (const VectorRate& r : kVectorRates) {
        if (std::strcmp(name, r.name) == 0) {
            perRepeat = elemBytes <= 2 ? r.b16RepeatCycles : r.fp32RepeatCycles;
            break;
        }
    }
    return kVectorIssueCycles + perRepeat * static_cast<double>(repeats);
}

}  // namespace cost
}  // namespace cpu_sim
