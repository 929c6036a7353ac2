// UB bank conflicts of a vector instruction on A2 (dav-2201), as asc-devkit's bank guide states them
// (docs/zh/guide/算子实践参考/SIMD算子性能优化/内存访问/避免UB的bank冲突/避免bank冲突（NPU架构版本2201）.md
// and the bank_conflict_ub sample). UB = 48 banks of 128 rows x 32 B in 16 bank groups; an 18-bit
// UB address is {bank_id[1:0], row[6:0], bank_group[3:0], offset[4:0]}, bank = group + 16 x bank_id.
// A repeat reads and writes its 32-B blocks in one beat, one row per bank group per beat:
//   read-read:   the blocks of all sources of a repeat queue on their bank groups (two sources in
//                one group, or one source's blocks in one group by its block stride): the repeat
//                takes max rows per group beats;
//   write-write: the same for the destination's blocks;
//   read-write:  a write in the bank of a read of the same beat. A repeat's write goes with its
//                reads, except when the destination's blocks lie bank-for-bank on a source's: the
//                hardware then writes them one repeat later (scenarios 4 and 6 of the sample), in
//                the next repeat's beat, where they meet that repeat's reads (e.g. an in-place
//                Add(a, a, b) with b at the other half phase in a's 64-KiB bank row: every repeat
//                after the first).
// Two sources reading the same block count as two reads (the guide calls any two reads of one bank
// group a conflict and documents no exception for it).
#pragma once

#include <cstdint>

namespace cpu_sim {

constexpr uint32_t kUbBlockBytes = 32;
constexpr uint32_t kUbBankGroups = 16;
constexpr uint32_t kUbBankIdShift = 16;  // bits below bank_id: 7 row + 4 group + 5 offset bits
constexpr uint32_t kBlocksPerRepeat = 8;

inline uint32_t UbBankGroup(uint32_t ubOffset) { return (ubOffset / kUbBlockBytes) % kUbBankGroups; }
inline uint32_t UbBank(uint32_t ubOffset) {
    return UbBankGroup(ubOffset) + kUbBankGroups * (ubOffset >> kUbBankIdShift);
}

// One operand of a vector instruction: its UB offset, its block and repeat strides in 32-B blocks
// (the repeat-parameter form; a count form is stride 1 and `blocks`), and the blocks a full repeat
// of it spans (8; 4 for the narrow side of a widening or narrowing Cast).
struct UbOperand {
    uint32_t offset = 0;
    uint32_t blockStride = 1;
    uint32_t repeatStride = kBlocksPerRepeat;
    uint32_t blocks = kBlocksPerRepeat;
};

// The UB accesses of one vector instruction: a destination, up to two sources, `repeats` repeats,
// the last one `lastEighths` eighths (1..8) of a full repeat.
struct VectorAccess {
    UbOperand dst;
    UbOperand src[2];
    uint32_t srcCount = 0;
    uint64_t repeats = 0;
    uint32_t lastEighths = kBlocksPerRepeat;
};

struct BankConflicts {
    uint64_t repeats = 0;  // repeats with any conflict
    double cycles = 0;     // their extra cycles (cost_table.h)
};

BankConflicts CountBankConflicts(const VectorAccess& access);

// A count-form instruction over `bytes` contiguous bytes per operand (every operand the same
// length): dst, and srcs[0..srcCount) as UB offsets.
VectorAccess ContiguousAccess(uint32_t dst, const uint32_t* srcs, uint32_t srcCount, uint64_t bytes);
// A count-form Cast of `count` elements from srcBytes- to dstBytes-B elements (a repeat is 256 B of
// the wider side).
VectorAccess CastAccess(uint32_t dst, uint32_t src, uint64_t count, uint32_t dstBytes, uint32_t srcBytes);

}  // namespace cpu_sim
