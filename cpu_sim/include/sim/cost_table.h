// The A2 cost table of cpu_sim's per-pipe timeline (timeline.h): what each instruction costs on its
// pipe, in cycles of a 910B vector core. One place for every number; python/ascend_bce/cost_model.py
// reads them through _C.cost_table() and its analytic bound uses the same ones.
//
// Sources: the A2 budget of shared/ascendc-api.md (1.85 GHz, 48 vector cores sharing ~1.46 TB/s of
// HBM) as cost_model.A2Spec holds it; asc-devkit's "Vector指令理论性能汇总" appendix
// (docs/zh/api/附录/, table 6 onwards, "Atlas A2") for the element rate of each vector instruction;
// asc-devkit's add tuning guide (docs/zh/guide/算子实践参考/典型算子实践案例/SIMD算子实现/
// Add矢量算子实践/中级性能优化.md, Case 0, measured on an A2) for the scalar unit. Numbers marked
// ASSUMED have no public source; they are named so that a measurement on an A2 can replace them.
#pragma once

#include <cstdint>
#include <cstring>

namespace cpu_sim {
namespace cost {

constexpr double kClockHz = 1.85e9;              // 910B1 vector core clock
constexpr double kHbmBytesPerSecond = 1.46e12;   // 910B1 HBM, shared by every active core
constexpr double kHbmBytesPerCycle = kHbmBytesPerSecond / kClockHz;
// ASSUMED: one core's DMA reaches at most twice its fair share of HBM when few cores stream.
constexpr double kCoreShareCap = 2.0;

// ASSUMED: fixed cost of a vector instruction (pipeline start) and of a DMA instruction (its
// set-up and first-byte latency), on the instruction's pipe.
constexpr double kVectorIssueCycles = 16;
constexpr double kCopyIssueCycles = 64;

// Vector throughput, as cycles per 256-B repeat (64 fp32 or 128 fp16 elements), from the
// appendix's elements per cycle on A2. Instructions not listed (Add, Mul, Adds, Muls, Max(s),
// Min(s), Abs, Relu, Reciprocal, Duplicate, Cast, Compare(s), Select, Axpy, FusedMulAdd, Brcb,
// DataCopy UB->UB, ...) run a whole repeat per cycle.
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
    // vcadd across a repeat: ReduceRepeat, 64/7 fp32 or 128/7 fp16 elements per cycle (ReduceSum's
    // count form is one vcadd on dav_c220).
    {"ReduceSum", 7, 7}, {"WholeReduceSum", 7, 7},
    {"BlockReduceSum", 1, 7},  // ReduceDataBlock: 64 fp32, 128/7 fp16 elements per cycle
    {"MulAddDst", 2, 2},       // 32 fp32, 64 fp16 elements per cycle
    {"GatherMask", 2, 2},      // 32 fp32, 64 fp16 elements per cycle
};

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
