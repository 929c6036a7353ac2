// Per-block simulator state (UB arena, queues, hazards, counters) and the checks kernels call.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "sim/launch.h"
#include "sim/timeline.h"
#include "sim/types.h"
#include "sim/ub_banks.h"

namespace cpu_sim {

[[noreturn]] void Fail(const std::string& message);
std::string Format(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

// Hardware pipes as bits of a "may read" mask.
enum PipeBit : uint8_t { PIPE_BIT_S = 1, PIPE_BIT_V = 2, PIPE_BIT_MTE2 = 4, PIPE_BIT_MTE3 = 8,
                         PIPE_BIT_ALL = 15 };
const char* PipeName(uint8_t pipeBit);

namespace detail {
struct EventPipes { uint8_t src; uint8_t dst; };
constexpr EventPipes PipesOf(AscendC::HardEvent e) {
    using AscendC::HardEvent;
    switch (e) {
        case HardEvent::MTE2_V: return {PIPE_BIT_MTE2, PIPE_BIT_V};
        case HardEvent::V_MTE2: return {PIPE_BIT_V, PIPE_BIT_MTE2};
        case HardEvent::MTE3_V: return {PIPE_BIT_MTE3, PIPE_BIT_V};
        case HardEvent::V_MTE3: return {PIPE_BIT_V, PIPE_BIT_MTE3};
        case HardEvent::V_V: return {PIPE_BIT_V, PIPE_BIT_V};
        case HardEvent::MTE3_MTE2: return {PIPE_BIT_MTE3, PIPE_BIT_MTE2};
        case HardEvent::MTE2_MTE3: return {PIPE_BIT_MTE2, PIPE_BIT_MTE3};
        case HardEvent::S_V: return {PIPE_BIT_S, PIPE_BIT_V};
        case HardEvent::V_S: return {PIPE_BIT_V, PIPE_BIT_S};
        case HardEvent::S_MTE2: return {PIPE_BIT_S, PIPE_BIT_MTE2};
        case HardEvent::MTE2_S: return {PIPE_BIT_MTE2, PIPE_BIT_S};
        case HardEvent::S_MTE3: return {PIPE_BIT_S, PIPE_BIT_MTE3};
        case HardEvent::MTE3_S: return {PIPE_BIT_MTE3, PIPE_BIT_S};
        default: return {0, 0};
    }
}
}  // namespace detail

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

// One TQue after InitBuffer: `num` buffers of `len` bytes from `base`, with the event ids each
// buffer holds as asc-devkit's TQueBind does (kernel_tquebind_impl.h): EnQue takes an enQue id
// (MTE2_V for VECIN, V_MTE3 for VECOUT) that DeQue waits and releases; FreeTensor takes a
// freeBuf id (V_MTE2 / MTE3_V) that the buffer's next AllocTensor, or ~TPipe, waits.
struct QueueState {
    uint8_t pos = 0;
    int32_t depth = 0;
    uint32_t num = 0;
    uint32_t len = 0;
    uint8_t* base = nullptr;
    AscendC::HardEvent enQueEvt = AscendC::HardEvent::MAX;
    AscendC::HardEvent freeBufEvt = AscendC::HardEvent::MAX;
    std::vector<uint8_t> status;       // 0 free, 1 allocated, 2 enqueued
    std::vector<int8_t> enQueEvtId;    // per buffer, -1 = none
    std::vector<int8_t> freeBufEvtId;  // per buffer, -1 = none
    std::vector<uint32_t> fifo;        // enqueued buffer indices, front first
    uint32_t next = 0;                 // round-robin allocation cursor
};

// The source and destination pipe of a vector-core HardEvent (0, 0 for the cube events).
constexpr uint8_t EventSrcPipe(AscendC::HardEvent e) { return detail::PipesOf(e).src; }
constexpr uint8_t EventDstPipe(AscendC::HardEvent e) { return detail::PipesOf(e).dst; }

// UB the framework keeps on A2 (ASC_UB_SIZE = 192 KiB - 256 in asc-devkit for __NPU_ARCH__ 2201;
// the architecture page names the mixed Cube/Vector case), so a tiling must plan with the rest.
constexpr uint32_t kReservedUbBytes = 256;

constexpr int kHardEvents = static_cast<int>(AscendC::HardEvent::MAX);
constexpr int kEventIds = 8;   // QUE_MAX_EVENT: hardware flags per HardEvent on A2
constexpr int kPipes = 4;      // S, V, MTE2, MTE3 (PipeIndex)

// One hardware flag as program order sees it (flags.cpp): set and not yet waited, and the seq of
// the SetFlag that set it (what the WaitFlag orders its pipe after).
struct HardFlag {
    bool set = false;
    uint64_t setSeq = 0;
};

// Every UB byte when a block starts (launch.cpp): all ones, a NaN in fp32, fp16 and bf16, so that a
// read of UB the kernel never wrote shows in its results instead of reading as zeros.
constexpr uint8_t kUbPoisonByte = 0xFF;

struct GmAccessLog;  // gm_race.h

struct BlockContext {
    uint32_t blockIdx = 0;
    uint32_t blockNum = 1;
    const SocSpec* soc = nullptr;
    const LaunchConfig* config = nullptr;
    const std::vector<GmBuffer>* gm = nullptr;
    const std::atomic<bool>* stop = nullptr;  // set when the launch is interrupted
    GmAccessLog* gmLog = nullptr;  // this block's GM intervals in the current SyncAll epoch (gm_race.h)
    uint8_t* ub = nullptr;  // 32-B aligned arena of soc->ubBytes, every byte kUbPoisonByte at the start
    uint32_t ubUsed = 0;    // InitBuffer'd bytes from offset 0
    uint32_t bufferCount = 0;
    bool selectScratchUsed = false;
    // Hazard tracking in program order. `seq` numbers every pipe event (write, read, SetFlag,
    // WaitFlag); a WaitFlag orders only what its SetFlag's pipe had done before the SetFlag.
    uint64_t seq = 1;
    std::vector<uint8_t> writer;  // per 32-B UB block: pipe bit of the last writer (0 none)
    // Per 32-B UB block and pipe (PipeIndex): the seq from which that pipe may read the block's
    // data (0 = not yet ordered after its last write).
    std::vector<std::array<uint64_t, kPipes>> readableSince;
    // Write-after-read: per 32-B UB block, the pipes that read it since its last write, and per
    // (reader, pipe) the seq from which that pipe's writes are ordered after the reader's last read
    // (0 = not ordered). A scalar read is a reader too: asc-devkit orders a DMA write after one
    // with S_MTE2 (dav_c220 WaitPreBlockCalc, SoftSyncAllImpl), a vector write by the compiler's S_V.
    std::vector<uint8_t> readers;
    std::vector<std::array<uint64_t, kPipes * kPipes>> orderedSince;
    std::vector<uint32_t> written;  // per 32-B UB block: the bytes its last writer wrote (bit i = byte i)
    // Per 32-B UB block written by MTE2: whether a later MTE2 copy is ordered after that write's
    // completion (DMA copies to overlapping UB race each other otherwise).
    std::vector<uint8_t> dmaOrdered;
    // Hardware flags: one bit per (HardEvent, id).
    HardFlag flags[kHardEvents][kEventIds];
    // TPipe's event-id pool (kernel_tpipe_impl.h AllocEventID): bit i = id i taken.
    uint8_t eventOccupy[kHardEvents] = {};
    bool pipeAlive = false;
    uint32_t outstanding[static_cast<int>(AscendC::TPosition::MAX)] = {};
    std::vector<std::unique_ptr<QueueState>> queues;
    AtomicKind atomic = AtomicKind::NONE;
    // CTRL[48] == 0 (saturation): half/bf16 results and float -> half/bf16 conversions give +-MAX for
    // inf and 0 for NaN (asc-devkit SetCtrlSpr(ISASI).md, table 5, Atlas A2). Each block starts with
    // the launch's mode (ctrl.h LaunchFloatSaturation: INF/NaN unless the process chose saturation).
    bool floatSaturation = false;
    BlockStats stats;
    PipeTimeline timeline;
};
static_assert(kTimelineEvents == kHardEvents && kTimelineEventIds == kEventIds && kTimelinePipes == kPipes,
              "the timeline keeps one stamp per hardware flag and one clock per pipe");

BlockContext& Ctx();  // fails when called outside Launch
KernelMetaType CurrentKernelType();
bool IsMixKernelType(KernelMetaType type);  // KERNEL_TYPE_MIX_*: SyncAll allowed, workspace required

// UB checks and hazard tracking (all per instruction, O(blocks touched)).
uint32_t UbOffset(const void* p);  // fails if p is not in this block's UB
void CheckUbAligned(const char* api, const char* operand, const void* p);
void HazardWrite(const char* api, const void* p, uint64_t bytes, uint8_t pipe);
void HazardRead(const char* api, const void* p, uint64_t bytes, uint8_t pipe);
// WaitFlag<src_dst>: dst's later work is ordered after what src did before the SetFlag (flagSeq).
void OrderPipes(uint8_t srcPipe, uint8_t dstPipe, uint64_t flagSeq);
void OrderAllPipes();  // PipeBarrier<PIPE_ALL>
const char* EventName(AscendC::HardEvent event);
// The hardware flags and TPipe's id pool (sync.h and TQue use these).
void SetFlagImpl(const char* api, AscendC::HardEvent event, int32_t id);
void WaitFlagImpl(const char* api, AscendC::HardEvent event, int32_t id);
int8_t AllocEventIdImpl(const char* api, AscendC::HardEvent event);
int8_t FetchEventIdImpl(const char* api, AscendC::HardEvent event);
void ReleaseEventIdImpl(const char* api, AscendC::HardEvent event, int32_t id);
// An API call's own SetFlag/WaitFlag pair on GetTPipePtr()->FetchEventID(event) (needs a TPipe).
void InternalSync(const char* api, AscendC::HardEvent event);
void PipeConstruct();  // TPipe(): fresh pool
void PipeDestroy();    // ~TPipe / Destroy: waits every freed buffer's id, then PIPE_ALL
// UB bytes a kernel may InitBuffer (the SoC's UB less kReservedUbBytes).
uint32_t UbCapacity();

// GM: [p, p + bytes) must lie inside one registered buffer.
void CheckGm(const char* api, const void* p, uint64_t bytes);
// The counting hook every vector instruction and copy passes through: counts it, times it on the
// block's pipe timeline (timeline.h) and is where a block notices an interrupted launch. A copy
// updates the GM byte counters before calling it (that is how the timeline tells MTE2 and MTE3
// from V); `elemBytes` is the element size of a vector instruction (the 2-argument form assumes
// 4 B: only Exp/Ln/Sqrt/Div cost more per repeat on 2-B elements).
void CountInstr(const char* name, uint64_t repeats);
void CountInstr(const char* name, uint64_t repeats, uint32_t elemBytes);
// A vector instruction with its UB operands: also charges its bank conflicts (ub_banks.h).
void CountInstr(const char* name, uint64_t repeats, uint32_t elemBytes, const VectorAccess& access);
// The count form's operands (same byte length each): dst and up to two sources, as UB pointers.
VectorAccess ContiguousOperands(const void* dst, const void* src0, const void* src1, uint64_t bytes);
// A scalar-unit load or store (GetValue/SetValue, an API call's own scalar access): counted in
// BlockStats::scalarAccesses and timed on the S pipe; `ub` for UB (LocalTensor), else the GM
// address `gm` (GlobalTensor: through the DCache, cost_table.h).
void ScalarAccess(bool ub, const void* gm = nullptr);
inline uint64_t Repeats(uint64_t count, uint64_t elemBytes) { return (count * elemBytes + 255) / 256; }

// Serialises atomic UB->GM adds across block threads.
void LockAtomic();
void UnlockAtomic();

// Queue and pipe bookkeeping used by TPipe/TQue/TBuf.
// `count` buffers of `len` bytes (rounded to 32 B) back to back, recorded in BlockStats::ubBuffers.
uint8_t* UbAllocate(const char* api, uint32_t len, uint32_t count, AscendC::TPosition pos, bool queue);
void ResetUb();
// A GM<->UB copy from `ub` (into it if `toUb`): names the GM buffer in the UB buffer's record.
void NoteGmCopy(const void* ub, const void* gm, bool toUb);
void SyncAllHardware(const char* api, bool checkKernelType);

}  // namespace cpu_sim
