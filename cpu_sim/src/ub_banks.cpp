// UB bank conflicts of a vector instruction (ub_banks.h).
#include "sim/ub_banks.h"

#include <algorithm>

#include "sim/cost_table.h"

namespace cpu_sim {

namespace {

constexpr uint32_t kMaxBanks = kUbBankGroups * 4;  // bank_id has 2 bits

uint32_t BlockOffset(const UbOperand& op, uint64_t repeat, uint32_t block) {
    return static_cast<uint32_t>(op.offset + (repeat * op.repeatStride + static_cast<uint64_t>(block) * op.blockStride) *
                                                 kUbBlockBytes);
}

// Blocks of `op` in a repeat that runs `eighths` eighths of a full one.
uint32_t BlocksOf(const UbOperand& op, uint32_t eighths) {
    return (op.blocks * eighths + kBlocksPerRepeat - 1) / kBlocksPerRepeat;
}

// Beats one operand set needs (at least one): the most rows any bank group serves. Blocks an
// operand reads twice in a repeat (block stride 0) are read once (the sample's scenarios 7 and 8).
uint32_t Beats(const UbOperand* ops, uint32_t count, uint64_t repeat, uint32_t eighths) {
    uint32_t rows[kUbBankGroups] = {};
    for (uint32_t k = 0; k < count; ++k) {
        const uint32_t distinct = ops[k].blockStride == 0 ? 1 : BlocksOf(ops[k], eighths);
        for (uint32_t b = 0; b < distinct; ++b) rows[UbBankGroup(BlockOffset(ops[k], repeat, b))]++;
    }
    return std::max<uint32_t>(1, *std::max_element(rows, rows + kUbBankGroups));
}

// The banks an operand's blocks use in a repeat, one bit per bank (48 on A2, within 64 bits).
uint64_t BanksOf(const UbOperand& op, uint64_t repeat, uint32_t eighths) {
    uint64_t banks = 0;
    for (uint32_t b = 0; b < BlocksOf(op, eighths); ++b) {
        banks |= uint64_t{1} << (UbBank(BlockOffset(op, repeat, b)) % kMaxBanks);
    }
    return banks;
}

// dst lies bank-for-bank on src in this repeat: the hardware writes it one repeat later (only
// operands of one width: a Cast's narrow side never does).
bool LiesOn(const UbOperand& dst, const UbOperand& src, uint64_t repeat, uint32_t eighths) {
    const uint32_t blocks = BlocksOf(dst, eighths);
    if (blocks != BlocksOf(src, eighths)) return false;
    for (uint32_t b = 0; b < blocks; ++b) {
        if (UbBank(BlockOffset(dst, repeat, b)) != UbBank(BlockOffset(src, repeat, b))) return false;
    }
    return true;
}

}  // namespace

BankConflicts CountBankConflicts(const VectorAccess& a) {
    BankConflicts r;
    uint64_t waitingWrite = 0;  // banks of the previous repeat's write, delayed into this repeat
    for (uint64_t repeat = 0; repeat < a.repeats; ++repeat) {
        const uint32_t eighths = repeat + 1 == a.repeats ? a.lastEighths : kBlocksPerRepeat;
        const uint32_t extraReads = Beats(a.src, a.srcCount, repeat, eighths) - 1;
        const uint32_t extraWrites = Beats(&a.dst, 1, repeat, eighths) - 1;
        uint64_t reads = 0;
        bool delayed = false;
        for (uint32_t k = 0; k < a.srcCount; ++k) {
            reads |= BanksOf(a.src[k], repeat, eighths);
            delayed = delayed || LiesOn(a.dst, a.src[k], repeat, eighths);
        }
        // The writes of this repeat's beat: its own, unless the hardware delays it a repeat, and
        // the previous repeat's delayed one (which meets this repeat's reads).
        const uint64_t own = BanksOf(a.dst, repeat, eighths);
        const bool readWrite = (((delayed ? 0 : own) | waitingWrite) & reads) != 0;
        waitingWrite = delayed ? own : 0;
        const uint32_t extraBeats = std::max(extraReads, extraWrites);
        if (extraBeats == 0 && !readWrite) continue;
        r.repeats += 1;
        r.cycles += extraBeats * cost::kBankConflictBeatCycles + (readWrite ? cost::kReadWriteConflictCycles : 0);
    }
    return r;
}

VectorAccess ContiguousAccess(uint32_t dst, const uint32_t* srcs, uint32_t srcCount, uint64_t bytes) {
    VectorAccess a;
    a.dst.offset = dst;
    a.srcCount = std::min<uint32_t>(srcCount, 2);
    for (uint32_t k = 0; k < a.srcCount; ++k) a.src[k].offset = srcs[k];
    const uint64_t repeatBytes = static_cast<uint64_t>(kBlocksPerRepeat) * kUbBlockBytes;
    a.repeats = (bytes + repeatBytes - 1) / repeatBytes;
    const uint64_t tail = bytes - (a.repeats == 0 ? 0 : (a.repeats - 1) * repeatBytes);
    a.lastEighths = static_cast<uint32_t>((tail + kUbBlockBytes - 1) / kUbBlockBytes);
    return a;
}

VectorAccess CastAccess(uint32_t dst, uint32_t src, uint64_t count, uint32_t dstBytes, uint32_t srcBytes) {
    const uint32_t wide = std::max(dstBytes, srcBytes);
    VectorAccess a = ContiguousAccess(dst, &src, 1, count * wide);
    a.dst.blocks = a.dst.repeatStride = kBlocksPerRepeat * dstBytes / wide;
    a.src[0].blocks = a.src[0].repeatStride = kBlocksPerRepeat * srcBytes / wide;
    return a;
}

}  // namespace cpu_sim
