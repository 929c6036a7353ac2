// Per-block simulator state (UB arena, queues, hazards, counters) and the checks kernels call.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "sim/launch.h"
#include "sim/types.h"

namespace cpu_sim {

[[noreturn]] void Fail(const std::string& message);
std::string Format(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

// Hardware pipes as bits of a "may read" mask.
enum PipeBit : uint8_t { PIPE_BIT_S = 1, PIPE_BIT_V = 2, PIPE_BIT_MTE2 = 4, PIPE_BIT_MTE3 = 8,
                         PIPE_BIT_ALL = 15 };
const char* PipeName(uint8_t pipeBit);

enum class AtomicKind : uint8_t { NONE, F32, F16, BF16, S32, S16, S8 };
template <typename T> constexpr AtomicKind AtomicKindOf() {
    if constexpr (std::is_same_v<T, float>) return AtomicKind::F32;
    else if constexpr (std::is_same_v<T, half>) return AtomicKind::F16;
    else if constexpr (std::is_same_v<T, bfloat16_t>) return AtomicKind::BF16;
    else if constexpr (std::is_same_v<T, int32_t>) return AtomicKind::S32;
    else if constexpr (std::is_same_v<T, int16_t>) return AtomicKind::S16;
    else if constexpr (std::is_same_v<T, int8_t>) return AtomicKind::S8;
    else return AtomicKind::NONE;
}

// One TQue after InitBuffer: `num` buffers of `len` bytes from `base`.
struct QueueState {
    uint8_t pos = 0;
    int32_t depth = 0;
    uint32_t num = 0;
    uint32_t len = 0;
    uint8_t* base = nullptr;
    std::vector<uint8_t> status;  // 0 free, 1 allocated, 2 enqueued
    std::vector<uint32_t> fifo;   // enqueued buffer indices, front first
    uint32_t next = 0;            // round-robin allocation cursor
};

struct BlockContext {
    uint32_t blockIdx = 0;
    uint32_t blockNum = 1;
    const SocSpec* soc = nullptr;
    const std::vector<GmBuffer>* gm = nullptr;
    uint8_t* ub = nullptr;  // 32-B aligned arena of soc->ubBytes
    uint32_t ubUsed = 0;    // InitBuffer'd bytes from offset 0
    uint32_t bufferCount = 0;
    bool selectScratchUsed = false;
    std::vector<uint8_t> writer;    // per 32-B UB block: pipe bit of the last writer (0 none)
    std::vector<uint8_t> readable;  // per 32-B UB block: pipes allowed to read
    // Write-after-read: per 32-B UB block, the asynchronous pipes (V, MTE2, MTE3) that read it
    // since its last write, and per such reader (index by PipeIndex) the pipes whose writes are
    // ordered after its reads. Scalar reads complete before the scalar unit issues anything
    // else, so they never race a later write.
    std::vector<uint8_t> readers;
    std::vector<uint32_t> written;  // per 32-B UB block: the bytes its last writer wrote (bit i = byte i)
    std::vector<std::array<uint8_t, 4>> overwritable;
    uint32_t flags[static_cast<int>(AscendC::HardEvent::MAX)][8] = {};
    uint32_t outstanding[static_cast<int>(AscendC::TPosition::MAX)] = {};
    std::vector<std::unique_ptr<QueueState>> queues;
    AtomicKind atomic = AtomicKind::NONE;
    BlockStats stats;
};

BlockContext& Ctx();  // fails when called outside Launch
KernelMetaType CurrentKernelType();

// UB checks and hazard tracking (all per instruction, O(blocks touched)).
uint32_t UbOffset(const void* p);  // fails if p is not in this block's UB
void CheckUbAligned(const char* api, const char* operand, const void* p);
void HazardWrite(const char* api, const void* p, uint64_t bytes, uint8_t pipe);
void HazardRead(const char* api, const void* p, uint64_t bytes, uint8_t pipe);
void MakeReadable(const void* p, uint64_t bytes);  // DeQue
void ReleaseBuffer(const void* p, uint64_t bytes);  // FreeTensor: the queue orders its reuse
void MakeWriterReadable(uint8_t srcPipe, uint8_t dstPipe);  // WaitFlag

// GM: [p, p + bytes) must lie inside one registered buffer.
void CheckGm(const char* api, const void* p, uint64_t bytes);
void CountInstr(const char* name, uint64_t repeats);
inline uint64_t Repeats(uint64_t count, uint64_t elemBytes) { return (count * elemBytes + 255) / 256; }

// Serialises atomic UB->GM adds across block threads.
void LockAtomic();
void UnlockAtomic();

// Queue and pipe bookkeeping used by TPipe/TQue/TBuf.
uint8_t* UbAllocate(const char* api, uint32_t bytes, uint32_t count);
void ResetUb();
void SyncAllHardware(const char* api, bool checkKernelType);

}  // namespace cpu_sim
