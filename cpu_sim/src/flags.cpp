// cpu_sim hardware flags (SetFlag/WaitFlag) and TPipe's event-id pool, as asc-devkit drives them
// on A2 (impl/basic_api/kernel_event.h, kernel_tpipe_impl.h, kernel_tquebind_impl.h).
//
// The device (page "SetFlag/WaitFlag(ISASI)"; guide "基本架构"): SetFlag runs on its source pipe
// once that pipe's earlier work is done and sets the flag's bit to 1; WaitFlag runs when its
// destination pipe reaches it, blocks while the bit is 0 and clears it. Undefined, and refused
// here with its worst documented outcome:
//  - a second SetFlag of an (event, id) before the WaitFlag of the first, in program order
//    ("相同流水、相同eventID下，连续使用SetFlag会引发未定义行为，此时再执行PipeBarrier<PIPE_ALL>会出现
//    卡死现象"; FetchEventID's page: two SetFlags on one fetched id "会出现程序卡死");
//  - a WaitFlag no SetFlag set since the last wait (the pipe blocks forever);
//  - a flag still set at kernel end ("SetFlag和WaitFlag必须成对使用 ... 影响下一个核的算子执行，引发
//    timeout问题", architecture page "NPU架构版本2201");
//  - an id outside [0, QUE_MAX_EVENT) (SetFlagImpl's assert; the pool hands out 8 when empty).
// Not refused: a SetFlag issued after the previous WaitFlag but before that wait's pipe reached it
// (the wait is queued behind its pipe's earlier work). asc-devkit's own TQue does this on every
// double-buffered queue: EnQue takes the id DeQue has just released (AllocEventID is sff0, the
// lowest free id) with nothing ordering the EnQue's pipe after the DeQue's wait; its ReduceSum
// and CreateVecIndex re-set their fetched S_MTE3 / S_V ids the same way (dav_c220
// kernel_operator_vec_reduce_impl.h, kernel_operator_vec_createvecindex_impl.h). The documented hang is
// the one a set stalled on a bit that is still 1 explains: the stalled source pipe holds the
// PIPE_ALL that precedes the clearing wait. A wait issued before the set always clears the bit in
// the end, so such a set costs a stall, which the timeline charges (TimeSetFlag), never a hang.
//
// V_V is no flag on A2: SetFlag<V_V> is pipe_barrier(PIPE_V) and WaitFlag<V_V> does nothing
// (kernel_event.h SetFlagImpl/WaitFlagImpl); the vector pipe is in order with itself here.
#include "sim/context.h"
#include "sim/runtime_internal.h"

namespace cpu_sim {

namespace {

void CheckEvent(const char* api, AscendC::HardEvent event, int32_t id) {
    if (static_cast<int>(event) >= kHardEvents) Fail(Format("%s: HardEvent::MAX is not an event", api));
    if (id < 0 || id >= kEventIds) {
        Fail(Format("%s<%s>: event id %d outside [0, %d) (an id from an exhausted pool, or a bad constant)", api,
                    EventName(event), id, kEventIds));
    }
}

}  // namespace

void SetFlagImpl(const char* api, AscendC::HardEvent event, int32_t id) {
    CheckEvent(api, event, id);
    if (event == AscendC::HardEvent::V_V) return;
    BlockContext& c = Ctx();
    HardFlag& f = c.flags[static_cast<int>(event)][id];
    if (f.set) {
        Fail(Format("%s<%s>(%d): the flag is already set and not yet waited (a second SetFlag is undefined: one "
                    "bit cannot hold two sets, the source pipe stalls on it and the next PIPE_ALL hangs; the id "
                    "may be one a TQue holds: take ids from TPipe::AllocEventID/FetchEventID)", api,
                    EventName(event), id));
    }
    f.set = true;
    f.setSeq = ++c.seq;
    TimeSetFlag(event, id);
}

void WaitFlagImpl(const char* api, AscendC::HardEvent event, int32_t id) {
    CheckEvent(api, event, id);
    if (event == AscendC::HardEvent::V_V) return;
    BlockContext& c = Ctx();
    HardFlag& f = c.flags[static_cast<int>(event)][id];
    if (!f.set) {
        Fail(Format("deadlock: %s<%s>(%d) waits for a flag that is not set (no SetFlag since the last wait): "
                    "device hang", api, EventName(event), id));
    }
    f.set = false;
    TimeWaitFlag(event, id);
    const uint8_t src = EventSrcPipe(event), dst = EventDstPipe(event);
    if (src != 0) OrderPipes(src, dst, f.setSeq);
}

void CheckFlagsClear(const char* when) {
    const BlockContext& c = Ctx();
    for (int e = 0; e < kHardEvents; ++e) {
        for (int id = 0; id < kEventIds; ++id) {
            if (c.flags[e][id].set) {
                Fail(Format("%s: flag %s id %d is still set (a SetFlag without its WaitFlag)", when,
                            EventName(static_cast<AscendC::HardEvent>(e)), id));
            }
        }
    }
}

// sff0 of the pool: the lowest free id. The device returns 8 when all are taken (the check is a
// debug-build assert only), an invalid id: an error here.
static int8_t LowestFreeId(const char* api, AscendC::HardEvent event) {
    const uint8_t occupy = Ctx().eventOccupy[static_cast<int>(event)];
    for (int8_t i = 0; i < kEventIds; ++i) {
        if (!(occupy & (1u << i))) return i;
    }
    Fail(Format("%s<%s>: all %d event ids of TPipe's pool are taken (by TQue buffers or AllocEventID): the "
                "device hands out id 8, which is invalid", api, EventName(event), kEventIds));
}

int8_t AllocEventIdImpl(const char* api, AscendC::HardEvent event) {
    const int8_t id = LowestFreeId(api, event);
    Ctx().eventOccupy[static_cast<int>(event)] |= static_cast<uint8_t>(1u << id);
    return id;
}

int8_t FetchEventIdImpl(const char* api, AscendC::HardEvent event) { return LowestFreeId(api, event); }

void ReleaseEventIdImpl(const char* api, AscendC::HardEvent event, int32_t id) {
    CheckEvent(api, event, id);
    Ctx().eventOccupy[static_cast<int>(event)] &= static_cast<uint8_t>(~(1u << id));
}

void InternalSync(const char* api, AscendC::HardEvent event) {
    if (!Ctx().pipeAlive) Fail(Format("%s: needs a TPipe (the call takes its event ids from GetTPipePtr())", api));
    const int8_t id = FetchEventIdImpl(api, event);
    SetFlagImpl(api, event, id);
    WaitFlagImpl(api, event, id);
}

}  // namespace cpu_sim
