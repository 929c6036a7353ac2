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

void HazardWrite(const char* api, const void* p, uint64_t bytes, uint8_t pipe) {
    if (bytes == 0) return;
    BlockContext& c = Ctx();
    uint32_t first, last;
    BlockRange(c, p, bytes, &first, &last);
    const uint64_t off = static_cast<const uint8_t*>(p) - c.ub;
    for (uint32_t b = first; b < last; ++b) {
        const uint8_t prev = c.writer[b];
        const uint32_t mask = ByteMask(off, bytes, b);
        // Write after write races only on the same bytes (the vector unit writes its elements,
        // not whole blocks, so scalar writes next to a vector write's tail are fine).
        if (prev != 0 && prev != pipe && !(c.readable[b] & pipe) && (c.written[b] & mask)) {
            const uint32_t e = RunEnd(b, last, [&](uint32_t k) { return c.writer[k] == prev && !(c.readable[k] & pipe); });
            Fail(Format("pipe hazard: %s on pipe %s overwrites UB bytes [%u, %u) written by %s without EnQue/DeQue "
                        "or SetFlag/WaitFlag (write after write)", api, PipeName(pipe), b * 32, e * 32, PipeName(prev)));
        }
        for (uint8_t reader = PIPE_BIT_V; reader <= PIPE_BIT_MTE3; reader <<= 1) {
            if (reader == pipe || !(c.readers[b] & reader) || (c.overwritable[b][PipeIndex(reader)] & pipe)) continue;
            const uint32_t e = RunEnd(b, last, [&](uint32_t k) {
                return (c.readers[k] & reader) && !(c.overwritable[k][PipeIndex(reader)] & pipe);
            });
            Fail(Format("pipe hazard: %s on pipe %s overwrites UB bytes [%u, %u) that pipe %s may still be reading: "
                        "no SetFlag/WaitFlag<%s_%s> or FreeTensor since that read (write after read)", api,
                        PipeName(pipe), b * 32, e * 32, PipeName(reader), PipeName(reader), PipeName(pipe)));
        }
        // Bytes stay tracked while only their writer may read them: a partial write by the same
        // pipe adds to them; once a sync has ordered them before another pipe, or another pipe
        // writes, only the new write's bytes are tracked.
        c.written[b] = (prev == pipe && c.readable[b] == pipe ? c.written[b] : 0) | mask;
        c.writer[b] = pipe;
        c.readable[b] = pipe;
        c.readers[b] = 0;
    }
}

void HazardRead(const char* api, const void* p, uint64_t bytes, uint8_t pipe) {
    if (bytes == 0) return;
    BlockContext& c = Ctx();
    uint32_t first, last;
    BlockRange(c, p, bytes, &first, &last);
    for (uint32_t b = first; b < last; ++b) {
        if (!(c.readable[b] & pipe)) {
            const uint32_t e = RunEnd(b, last, [&](uint32_t k) {
                return !(c.readable[k] & pipe) && c.writer[k] == c.writer[b];
            });
            Fail(Format("pipe hazard: %s on pipe %s reads UB bytes [%u, %u) written by %s without EnQue/DeQue or "
                        "SetFlag/WaitFlag", api, PipeName(pipe), b * 32, e * 32, PipeName(c.writer[b])));
        }
        if (pipe != PIPE_BIT_S) {
            c.readers[b] |= pipe;
            c.overwritable[b][PipeIndex(pipe)] = pipe;
        }
    }
}

void MakeReadable(const void* p, uint64_t bytes) {
    if (bytes == 0) return;
    BlockContext& c = Ctx();
    uint32_t first, last;
    BlockRange(c, p, bytes, &first, &last);
    for (uint32_t b = first; b < last; ++b) c.readable[b] = PIPE_BIT_ALL;
}

void ReleaseBuffer(const void* p, uint64_t bytes) {
    if (bytes == 0) return;
    BlockContext& c = Ctx();
    uint32_t first, last;
    BlockRange(c, p, bytes, &first, &last);
    for (uint32_t b = first; b < last; ++b) {
        c.readable[b] = PIPE_BIT_ALL;
        c.readers[b] = 0;
    }
}

// WaitFlag<src_dst>: dst's later work is ordered after src's earlier work, and so after every
// write and read that src was already ordered after (the writer itself, pipes a sync or DeQue
// made readable): those blocks become readable by dst, and dst may overwrite what those readers
// read.
void MakeWriterReadable(uint8_t srcPipe, uint8_t dstPipe) {
    BlockContext& c = Ctx();
    const size_t n = c.writer.size();
    for (size_t b = 0; b < n; ++b) {
        if ((c.writer[b] | c.readable[b]) & srcPipe) c.readable[b] |= dstPipe;
        if (c.readers[b] == 0) continue;
        for (uint8_t reader = PIPE_BIT_V; reader <= PIPE_BIT_MTE3; reader <<= 1) {
            uint8_t& ordered = c.overwritable[b][PipeIndex(reader)];
            if ((c.readers[b] & reader) && (ordered & srcPipe)) ordered |= dstPipe;
        }
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
