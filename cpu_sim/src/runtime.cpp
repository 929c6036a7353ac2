// cpu_sim runtime: per-block context, UB/GM checks, pipe-hazard tracking and counters.
#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <mutex>

#include "sim/context.h"
#include "sim/runtime_internal.h"

namespace cpu_sim {

namespace {
thread_local BlockContext* tlsCtx = nullptr;
thread_local KernelMetaType tlsKernelType = KERNEL_TYPE_AIV_ONLY;
std::mutex atomicMutex;
}  // namespace

void Fail(const std::string& message) { throw SimError(message); }

std::string Format(const char* fmt, ...) {
    char buf[1024];
    va_list args;
    va_start(args, fmt);
    vsnprintf(buf, sizeof(buf), fmt, args);
    va_end(args);
    return buf;
}

const char* PipeName(uint8_t pipeBit) {
    switch (pipeBit) {
        case PIPE_BIT_S: return "S";
        case PIPE_BIT_V: return "V";
        case PIPE_BIT_MTE2: return "MTE2";
        case PIPE_BIT_MTE3: return "MTE3";
        default: return "?";
    }
}

// The kernel-type docs: a vector kernel forced to a MIX type must be launched with a workspace.
bool IsMixKernelType(KernelMetaType type) {
    return type == KERNEL_TYPE_MIX_AIV_1_0 || type == KERNEL_TYPE_MIX_AIC_1_0 || type == KERNEL_TYPE_MIX_AIC_1_1 ||
           type == KERNEL_TYPE_MIX_AIC_1_2;
}

void SetKernelType(KernelMetaType type) {
    tlsKernelType = type;
    if (IsMixKernelType(type) && tlsCtx != nullptr && tlsCtx->config != nullptr &&
        tlsCtx->config->workspaceBytes == 0) {
        Fail("KERNEL_TASK_TYPE_DEFAULT: a MIX kernel type is launched with no workspace (the kernel-type docs "
             "forbid a zero-size workspace for a vector kernel built as MIX_AIV_1_0)");
    }
}
KernelMetaType CurrentKernelType() { return tlsKernelType; }

BlockContext& Ctx() {
    if (tlsCtx == nullptr) Fail("AscendC API called outside cpu_sim::Launch (no block context)");
    return *tlsCtx;
}

void BindThread(BlockContext* ctx) {
    tlsCtx = ctx;
    tlsKernelType = KERNEL_TYPE_AIV_ONLY;
}

uint32_t UbOffset(const void* p) {
    const BlockContext& c = Ctx();
    const uint8_t* b = static_cast<const uint8_t*>(p);
    if (b < c.ub || b >= c.ub + c.soc->ubBytes) Fail("LocalTensor address is not inside this block's UB");
    return static_cast<uint32_t>(b - c.ub);
}

void CheckUbAligned(const char* api, const char* operand, const void* p) {
    const uint32_t off = UbOffset(p);
    if (off % 32 != 0) {
        Fail(Format("%s: %s starts at UB offset %u, not 32-B aligned", api, operand, off));
    }
}

static void BlockRange(const BlockContext& c, const void* p, uint64_t bytes, uint32_t* first, uint32_t* last) {
    const uint64_t off = static_cast<const uint8_t*>(p) - c.ub;
    if (static_cast<const uint8_t*>(p) < c.ub || off + bytes > c.soc->ubBytes) {
        Fail(Format("UB access [%lld, %lld) outside the UB of %u B", (long long)off, (long long)(off + bytes),
                    c.soc->ubBytes));
    }
    *first = static_cast<uint32_t>(off / 32);
    *last = static_cast<uint32_t>((off + bytes + 31) / 32);
}

static int PipeIndex(uint8_t pipe) {
    switch (pipe) {
        case PIPE_BIT_V: return 1;
        case PIPE_BIT_MTE2: return 2;
        case PIPE_BIT_MTE3: return 3;
        default: return 0;
    }
}

// End of the run of blocks from b on that share the same offending pipe, for the message.
template <typename Same>
static uint32_t RunEnd(uint32_t b, uint32_t last, Same same) {
    uint32_t e = b;
    while (e < last && same(e)) ++e;
    return e;
}

// Bytes of 32-B block b that [off, off + bytes) covers, as a mask (bit i = byte i).
static uint32_t ByteMask(uint64_t off, uint64_t bytes, uint32_t b) {
    const uint64_t lo = std::max<uint64_t>(off, uint64_t{b} * 32) - uint64_t{b} * 32;
    const uint64_t hi = std::min<uint64_t>(off + bytes, uint64_t{b} * 32 + 32) - uint64_t{b} * 32;
    return hi - lo == 32 ? 0xFFFFFFFFu : ((1u << (hi - lo)) - 1u) << lo;
}

static bool OnlyWriterMayRead(const BlockContext& c, uint32_t b, uint8_t pipe) {
    for (int q = 0; q < kPipes; ++q) {
        if (q != PipeIndex(pipe) && c.readableSince[b][q] != 0) return false;
    }
    return true;
}

void HazardWrite(const char* api, const void* p, uint64_t bytes, uint8_t pipe) {
    if (bytes == 0) return;
    BlockContext& c = Ctx();
    uint32_t first, last;
    BlockRange(c, p, bytes, &first, &last);
    const uint64_t off = static_cast<const uint8_t*>(p) - c.ub;
    const uint64_t now = ++c.seq;
    const int pi = PipeIndex(pipe);
    for (uint32_t b = first; b < last; ++b) {
        const uint8_t prev = c.writer[b];
        const uint32_t mask = ByteMask(off, bytes, b);
        auto unordered = [&](uint32_t k) { return c.readableSince[k][pi] == 0; };
        // Write after write races only on the same bytes (the vector unit writes its elements,
        // not whole blocks, so scalar writes next to a vector write's tail are fine). MTE2 copies
        // to overlapping UB race each other too (PipeBarrier page: PIPE_MTE2/PIPE_MTE3 need a
        // sync when addresses overlap); V and S are in order with themselves.
        const bool sameDma = prev == pipe && pipe == PIPE_BIT_MTE2;
        if (prev != 0 && prev != pipe && unordered(b) && (c.written[b] & mask)) {
            const uint32_t e = RunEnd(b, last, [&](uint32_t k) { return c.writer[k] == prev && unordered(k); });
            Fail(Format("pipe hazard: %s on pipe %s overwrites UB bytes [%u, %u) written by %s without EnQue/DeQue "
                        "or SetFlag/WaitFlag (write after write)", api, PipeName(pipe), b * 32, e * 32, PipeName(prev)));
        }
        for (uint8_t reader = PIPE_BIT_S; reader <= PIPE_BIT_MTE3; reader <<= 1) {
            const int ri = PipeIndex(reader);
            auto racy = [&](uint32_t k) { return (c.readers[k] & reader) && c.orderedSince[k][ri * kPipes + pi] == 0; };
            // A vector write after a scalar read is ordered by the compiler's S_V (cce-auto-sync,
            // timed in TimeInstr); a DMA write is not (asc-devkit's WaitPreBlockCalc sets S_MTE2).
            const bool compilerOrdered = reader == PIPE_BIT_S && pipe == PIPE_BIT_V;
            if (reader == pipe || compilerOrdered || !racy(b)) continue;
            const uint32_t e = RunEnd(b, last, racy);
            Fail(Format("pipe hazard: %s on pipe %s overwrites UB bytes [%u, %u) that pipe %s may still be reading: "
                        "no SetFlag/WaitFlag<%s_%s> or FreeTensor since that read (write after read)", api,
                        PipeName(pipe), b * 32, e * 32, PipeName(reader), PipeName(reader), PipeName(pipe)));
        }
        if (sameDma && !c.dmaOrdered[b] && (c.written[b] & mask)) {
            Fail(Format("pipe hazard: %s on pipe MTE2 overwrites UB bytes [%u, %u) that an earlier MTE2 copy wrote, "
                        "with no PipeBarrier<PIPE_MTE2> or flag chain between them (overlapping copies race)", api,
                        b * 32, b * 32 + 32));
        }
        // Bytes stay tracked while only their writer may read them: a partial write by the same
        // pipe adds to them; once a sync has ordered them before another pipe, or another pipe
        // writes, only the new write's bytes are tracked.
        c.written[b] = (prev == pipe && !sameDma && OnlyWriterMayRead(c, b, pipe) ? c.written[b] : 0) | mask;
        c.writer[b] = pipe;
        c.dmaOrdered[b] = 0;
        c.readableSince[b].fill(0);
        c.readableSince[b][pi] = now;
        c.readers[b] = 0;
        c.orderedSince[b].fill(0);
    }
}

void HazardRead(const char* api, const void* p, uint64_t bytes, uint8_t pipe) {
    if (bytes == 0) return;
    BlockContext& c = Ctx();
    uint32_t first, last;
    BlockRange(c, p, bytes, &first, &last);
    const uint64_t now = ++c.seq;
    const int pi = PipeIndex(pipe);
    for (uint32_t b = first; b < last; ++b) {
        if (c.readableSince[b][pi] == 0) {
            const uint32_t e = RunEnd(b, last, [&](uint32_t k) {
                return c.readableSince[k][pi] == 0 && c.writer[k] == c.writer[b];
            });
            Fail(Format("pipe hazard: %s on pipe %s reads UB bytes [%u, %u) written by %s without EnQue/DeQue or "
                        "SetFlag/WaitFlag", api, PipeName(pipe), b * 32, e * 32, PipeName(c.writer[b])));
        }
        c.readers[b] |= pipe;
        for (int q = 0; q < kPipes; ++q) c.orderedSince[b][pi * kPipes + q] = 0;
        c.orderedSince[b][pi * kPipes + pi] = now;
    }
}

// dst's later work is ordered after everything src had done, or had been ordered after, by the
// SetFlag at flagSeq: those blocks become readable by dst, and dst may overwrite what those
// readers read. Work src did after the SetFlag stays unordered, as on the device.
void OrderPipes(uint8_t srcPipe, uint8_t dstPipe, uint64_t flagSeq) {
    BlockContext& c = Ctx();
    const uint64_t now = ++c.seq;
    const int si = PipeIndex(srcPipe), di = PipeIndex(dstPipe);
    const size_t n = c.writer.size();
    for (size_t b = 0; b < n; ++b) {
        auto& r = c.readableSince[b];
        const bool srcHas = r[si] != 0 && r[si] <= flagSeq;
        if (srcHas && r[di] == 0) r[di] = now;
        // A later MTE2 copy is ordered after an earlier one's completion by PipeBarrier<PIPE_MTE2>
        // (src == dst) or by a flag from a pipe that was itself ordered after that copy, to MTE2 or
        // to the scalar unit (a WaitFlag there blocks the issue of every later instruction).
        if ((dstPipe == PIPE_BIT_MTE2 || dstPipe == PIPE_BIT_S) && c.writer[b] == PIPE_BIT_MTE2 &&
            (srcPipe == dstPipe || srcHas)) {
            c.dmaOrdered[b] = 1;
        }
        if (c.readers[b] == 0) continue;
        for (int ri = 0; ri < kPipes; ++ri) {
            uint64_t* o = &c.orderedSince[b][ri * kPipes];
            if (o[si] != 0 && o[si] <= flagSeq && o[di] == 0) o[di] = now;
        }
    }
}

void OrderAllPipes() {
    BlockContext& c = Ctx();
    TimeBarrierAll();
    const uint64_t now = ++c.seq;
    const size_t n = c.writer.size();
    for (size_t b = 0; b < n; ++b) {
        c.dmaOrdered[b] = 1;
        for (int q = 0; q < kPipes; ++q) {
            if (c.readableSince[b][q] == 0) c.readableSince[b][q] = now;
        }
        for (uint64_t& o : c.orderedSince[b]) {
            if (o == 0) o = now;
        }
    }
}

const char* EventName(AscendC::HardEvent event) {
    using AscendC::HardEvent;
    switch (event) {
        case HardEvent::MTE2_V: return "MTE2_V";
        case HardEvent::V_MTE2: return "V_MTE2";
        case HardEvent::MTE3_V: return "MTE3_V";
        case HardEvent::V_MTE3: return "V_MTE3";
        case HardEvent::V_V: return "V_V";
        case HardEvent::MTE3_MTE2: return "MTE3_MTE2";
        case HardEvent::MTE2_MTE3: return "MTE2_MTE3";
        case HardEvent::S_V: return "S_V";
        case HardEvent::V_S: return "V_S";
        case HardEvent::S_MTE2: return "S_MTE2";
        case HardEvent::MTE2_S: return "MTE2_S";
        case HardEvent::S_MTE3: return "S_MTE3";
        case HardEvent::MTE3_S: return "MTE3_S";
        default: return "(non-vector event)";
    }
}

// kernel_tpipe_impl.h ResetPool, which both TPipe() (through Init) and Reset run: every pool from
// address 0 with no buffers, a fresh id pool. The old queues keep no buffers.
static void ResetPool(BlockContext& c) {
    for (auto& q : c.queues) {
        q->num = 0;
        q->status.clear();
        q->fifo.clear();
    }
    c.ubUsed = 0;
    c.bufferCount = 0;
    for (auto& o : c.outstanding) o = 0;
    for (uint8_t& o : c.eventOccupy) o = 0;
}

// kernel_tpipe_impl.h InitSocState, which TPipe() and Reset run before ResetPool: on 2201
// InitSocStateImpl (kernel_utils_base.h) turns the GM atomic off (set_atomic_none); its mask
// settings are not modelled.
static void InitSocState(BlockContext& c) { c.atomic = AtomicKind::NONE; }

// A TPipe after an earlier one's Destroy (the Destroy page: "用于重复申请释放tpipe") starts at UB
// offset 0 again, as the first did.
void PipeConstruct() {
    BlockContext& c = Ctx();
    if (c.pipeAlive) Fail("TPipe: a second TPipe while one is alive (one TPipe per kernel at a time)");
    c.pipeAlive = true;
    InitSocState(c);
    ResetPool(c);
}

// kernel_tpipe_impl.h Destroy: every FREE buffer still holding a freeBuf id is waited (so the
// flag its FreeTensor set must still be set), then pipe_barrier(PIPE_ALL).
// Destroy and Reset both wait the id every free buffer's last FreeTensor set.
static void WaitFreedBufferIds(const char* api) {
    for (auto& q : Ctx().queues) {
        for (uint32_t i = 0; i < q->num; ++i) {
            if (q->status[i] == 0 && q->freeBufEvtId[i] >= 0) {
                WaitFlagImpl(api, q->freeBufEvt, q->freeBufEvtId[i]);
                q->freeBufEvtId[i] = -1;
            }
        }
    }
}

void PipeDestroy() {
    WaitFreedBufferIds("~TPipe: WaitFlag");
    OrderAllPipes();
    Ctx().pipeAlive = false;
}

// The A2 architecture page reserves 256 B in mixed Cube/Vector kernels; asc-devkit's
// sys_constants.h sets ASC_UB_SIZE = 192 KiB - 256 for __NPU_ARCH__ 2201 whatever the kernel
// type. The worst reading applies: every kernel type leaves 256 B.
uint32_t UbCapacity() { return Ctx().soc->ubBytes - kReservedUbBytes; }

void CheckGm(const char* api, const void* p, uint64_t bytes) {
    if (bytes == 0) return;
    const BlockContext& c = Ctx();
    const uint8_t* a = static_cast<const uint8_t*>(p);
    for (const GmBuffer& g : *c.gm) {
        const uint8_t* d = static_cast<const uint8_t*>(g.data);
        if (d != nullptr && a >= d && a + bytes <= d + g.bytes) return;
    }
    for (const GmBuffer& g : *c.gm) {
        const uint8_t* d = static_cast<const uint8_t*>(g.data);
        if (d != nullptr && a >= d && a < d + g.bytes) {
            Fail(Format("%s: GM access of %llu B at offset %lld of buffer '%s' (%zu B) runs past its end (GM out of "
                        "bounds)", api, (unsigned long long)bytes, (long long)(a - d), g.name.c_str(), g.bytes));
        }
    }
    Fail(Format("%s: GM access of %llu B at %p is outside every launch buffer (GM out of bounds)", api,
                (unsigned long long)bytes, p));
}

namespace {
void CountInstrWithConflicts(const char* name, uint64_t repeats, uint32_t elemBytes, const BankConflicts& bank) {
    BlockContext& c = Ctx();
    if (c.stop != nullptr && c.stop->load(std::memory_order_relaxed)) {
        throw LaunchInterrupted(Format("%s: launch interrupted", name));
    }
    InstrStat& s = c.stats.instructions[name];
    s.count += 1;
    s.repeats += repeats;
    s.bankConflictRepeats += bank.repeats;
    c.stats.bankConflictRepeats += bank.repeats;
    c.stats.bankConflictCycles += bank.cycles;
    TimeInstr(name, repeats, elemBytes, bank.cycles);
}
}  // namespace

void CountInstr(const char* name, uint64_t repeats, uint32_t elemBytes) {
    CountInstrWithConflicts(name, repeats, elemBytes, BankConflicts{});
}

void CountInstr(const char* name, uint64_t repeats, uint32_t elemBytes, const VectorAccess& access) {
    CountInstrWithConflicts(name, repeats, elemBytes, CountBankConflicts(access));
}

VectorAccess ContiguousOperands(const void* dst, const void* src0, const void* src1, uint64_t bytes) {
    uint32_t srcs[2] = {};
    uint32_t n = 0;
    for (const void* s : {src0, src1}) {
        if (s != nullptr) srcs[n++] = UbOffset(s);
    }
    return ContiguousAccess(UbOffset(dst), srcs, n, bytes);
}

void CountInstr(const char* name, uint64_t repeats) { CountInstr(name, repeats, sizeof(float)); }

void ScalarAccess(bool ub, const void* gm) {
    BlockContext& c = Ctx();
    c.stats.scalarAccesses++;
    if (!ub) c.stats.scalarGmAccesses++;
    if (TimeScalarAccess(c, ub, gm)) c.stats.scalarGmMisses++;
}

void LockAtomic() { atomicMutex.lock(); }
void UnlockAtomic() { atomicMutex.unlock(); }

// kernel_tpipe_impl.h InitBuffer: each buffer at the pool's maxAddr, which then grows by its
// 32-B-rounded length (one UB pool for VECIN, VECOUT and VECCALC; 0 again after ResetPool).
uint8_t* UbAllocate(const char* api, uint32_t len, uint32_t count, AscendC::TPosition pos, bool queue) {
    BlockContext& c = Ctx();
    const uint32_t bytes = len * count;
    if (c.bufferCount + count > static_cast<uint32_t>(AscendC::QBUF_MAX_LEN)) {
        Fail(Format("%s: %u buffers exceed the limit of %d per core (QBUF_MAX_LEN)", api, c.bufferCount + count,
                    AscendC::QBUF_MAX_LEN));
    }
    const uint64_t end = static_cast<uint64_t>(c.ubUsed) + bytes;
    const uint32_t capacity = UbCapacity();
    if (end > capacity) {
        Fail(Format("%s: %u B requested with %u B already used exceeds the %u B of UB this kernel type leaves "
                    "(UB overflow)", api, bytes, c.ubUsed, capacity));
    }
    if (c.selectScratchUsed && end > AscendC::TMP_UB_OFFSET) {
        Fail(Format("%s: buffers would reach %llu B but Select modes 1/2 use the scratch from %u B", api,
                    (unsigned long long)end, AscendC::TMP_UB_OFFSET));
    }
    uint8_t* p = c.ub + c.ubUsed;
    for (uint32_t i = 0; i < count; ++i) {
        c.stats.ubBuffers.push_back(UbBufferRecord{queue, static_cast<uint8_t>(pos), i, c.ubUsed + i * len, len, {}, {}});
    }
    c.ubUsed = static_cast<uint32_t>(end);
    c.bufferCount += count;
    if (end > c.stats.ubPeakBytes) c.stats.ubPeakBytes = end;
    return p;
}

void NoteGmCopy(const void* ub, const void* gm, bool toUb) {
    BlockContext& c = Ctx();
    const uint32_t off = UbOffset(ub);
    const uint8_t* a = static_cast<const uint8_t*>(gm);
    const GmBuffer* source = nullptr;
    for (const GmBuffer& g : *c.gm) {
        const uint8_t* d = static_cast<const uint8_t*>(g.data);
        if (d != nullptr && a >= d && a < d + g.bytes) source = &g;
    }
    // The newest record holding the offset (after a TPipe::Reset older ones hold it too).
    for (auto r = c.stats.ubBuffers.rbegin(); source != nullptr && r != c.stats.ubBuffers.rend(); ++r) {
        if (off >= r->offset && off < r->offset + r->bytes) {
            std::vector<std::string>& names = toUb ? r->copiedFrom : r->copiedTo;
            if (std::find(names.begin(), names.end(), source->name) == names.end()) names.push_back(source->name);
            return;
        }
    }
}

void CheckQueuesFreed(const char* when) {
    BlockContext& c = Ctx();
    for (size_t qi = 0; qi < c.queues.size(); ++qi) {
        const QueueState& q = *c.queues[qi];
        for (uint32_t i = 0; i < q.num; ++i) {
            if (q.status[i] != 0) {
                Fail(Format("%s: TQue #%zu buffer %u is still %s (every AllocTensor needs a FreeTensor)", when, qi,
                            i, q.status[i] == 2 ? "enqueued" : "allocated"));
            }
        }
    }
}

// kernel_tpipe_impl.h Reset: waits the freed buffers' ids as Destroy does, then a fresh pool.
void ResetUb() {
    CheckQueuesFreed("TPipe::Reset");
    WaitFreedBufferIds("TPipe::Reset: WaitFlag");
    InitSocState(Ctx());
    ResetPool(Ctx());
}

}  // namespace cpu_sim
