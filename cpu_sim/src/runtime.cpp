// cpu_sim runtime: per-block context, UB/GM checks, pipe-hazard tracking and counters.
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

void SetKernelType(KernelMetaType type) { tlsKernelType = type; }
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

void HazardWrite(const void* p, uint64_t bytes, uint8_t pipe) {
    if (bytes == 0) return;
    BlockContext& c = Ctx();
    uint32_t first, last;
    BlockRange(c, p, bytes, &first, &last);
    for (uint32_t b = first; b < last; ++b) {
        c.writer[b] = pipe;
        c.readable[b] = pipe;
    }
}

void HazardRead(const char* api, const void* p, uint64_t bytes, uint8_t pipe) {
    if (bytes == 0) return;
    BlockContext& c = Ctx();
    uint32_t first, last;
    BlockRange(c, p, bytes, &first, &last);
    for (uint32_t b = first; b < last; ++b) {
        if (c.readable[b] & pipe) continue;
        uint32_t e = b;
        while (e < last && !(c.readable[e] & pipe) && c.writer[e] == c.writer[b]) ++e;
        Fail(Format("pipe hazard: %s on pipe %s reads UB bytes [%u, %u) written by %s without EnQue/DeQue or "
                    "SetFlag/WaitFlag", api, PipeName(pipe), b * 32, e * 32, PipeName(c.writer[b])));
    }
}

void MakeReadable(const void* p, uint64_t bytes) {
    if (bytes == 0) return;
    BlockContext& c = Ctx();
    uint32_t first, last;
    BlockRange(c, p, bytes, &first, &last);
    for (uint32_t b = first; b < last; ++b) c.readable[b] = PIPE_BIT_ALL;
}

void MakeWriterReadable(uint8_t srcPipe, uint8_t dstPipe) {
    BlockContext& c = Ctx();
    const size_t n = c.writer.size();
    for (size_t b = 0; b < n; ++b) {
        if (c.writer[b] & srcPipe) c.readable[b] |= dstPipe;
    }
}

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

void CountInstr(const char* name, uint64_t repeats) {
    InstrStat& s = Ctx().stats.instructions[name];
    s.count += 1;
    s.repeats += repeats;
}

void LockAtomic() { atomicMutex.lock(); }
void UnlockAtomic() { atomicMutex.unlock(); }

uint8_t* UbAllocate(const char* api, uint32_t bytes, uint32_t count) {
    BlockContext& c = Ctx();
    if (c.bufferCount + count > static_cast<uint32_t>(AscendC::QBUF_MAX_LEN)) {
        Fail(Format("%s: %u buffers exceed the limit of %d per core (QBUF_MAX_LEN)", api, c.bufferCount + count,
                    AscendC::QBUF_MAX_LEN));
    }
    const uint64_t end = static_cast<uint64_t>(c.ubUsed) + bytes;
    if (end > c.soc->ubBytes) {
        Fail(Format("%s: %u B requested with %u B already used exceeds the UB of %u B (UB overflow)", api, bytes,
                    c.ubUsed, c.soc->ubBytes));
    }
    if (c.selectScratchUsed && end > AscendC::TMP_UB_OFFSET) {
        Fail(Format("%s: buffers would reach %llu B but Select modes 1/2 use the scratch from %u B", api,
                    (unsigned long long)end, AscendC::TMP_UB_OFFSET));
    }
    uint8_t* p = c.ub + c.ubUsed;
    c.ubUsed = static_cast<uint32_t>(end);
    c.bufferCount += count;
    if (end > c.stats.ubPeakBytes) c.stats.ubPeakBytes = end;
    return p;
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

void ResetUb() {
    CheckQueuesFreed("TPipe::Reset");
    BlockContext& c = Ctx();
    for (auto& q : c.queues) {
        q->num = 0;
        q->status.clear();
        q->fifo.clear();
    }
    c.ubUsed = 0;
    c.bufferCount = 0;
    for (auto& o : c.outstanding) o = 0;
}

}  // namespace cpu_sim
