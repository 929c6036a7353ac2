// TPipe, TQue and TBuf: UB allocation and the queue discipline (alloc/enqueue/dequeue/free).
#pragma once

#include <cstdint>
#include <exception>

#include "sim/tensor.h"

namespace AscendC {

// depth 0 is the inplace mode (page "如何使用Tensor原地操作提升算子性能"): AllocTensor and DeQue
// take the tensor by reference, and each buffer holds its enQue and freeBuf ids from InitBuffer on
// (kernel_tpipe_impl.h InitBuffer / kernel_tquebind_impl.h, queDepth == 0): EnQue and FreeTensor
// set them, DeQue and AllocTensor wait them, nothing returns them to the pool.
template <TPosition pos, int32_t depth, auto mask = 0> class TQue {
    static_assert(pos != TPosition::VECCALC, "TQue: VECCALC is not a queue position, use TBuf");
    static_assert(depth >= 0, "TQue: depth must be >= 0");
    static constexpr bool kInPlace = depth == 0;

public:
    TQue() = default;

    template <typename T> LocalTensor<T> AllocTensor() {
        static_assert(depth != 0, "TQue::AllocTensor<T>(): depth 0 queues use AllocTensor(LocalTensor&)");
        LocalTensor<T> t;
        Alloc(t);
        return t;
    }
    template <typename T> void AllocTensor(LocalTensor<T>& tensor) {
        static_assert(kInPlace, "TQue::AllocTensor(LocalTensor&): the inplace form needs a depth-0 TQue (DeQue "
                                "page: inplace needs depth 0, non-inplace a non-zero depth)");
        Alloc(tensor);
    }

    template <typename T> bool EnQue(const LocalTensor<T>& tensor) {
        cpu_sim::QueueState& q = State("TQue::EnQue");
        const uint32_t i = Index(q, "TQue::EnQue", tensor.GetPhyAddr());
        if (q.status[i] != 1) {
            cpu_sim::Fail(cpu_sim::Format("TQue::EnQue: buffer %u is %s, not allocated", i,
                                          q.status[i] == 2 ? "already enqueued" : "free"));
        }
        if constexpr (kInPlace) {  // the buffer's own id; nothing is queued
            q.status[i] = 2;
            cpu_sim::SetFlagImpl("TQue::EnQue: SetFlag", q.enQueEvt, q.enQueEvtId[i]);
            return true;
        }
        if (static_cast<int32_t>(q.fifo.size()) >= depth) {
            cpu_sim::Fail(cpu_sim::Format("TQue::EnQue: queue of depth %d already holds %zu tensor(s) "
                                          "not DeQue'd (more EnQues than the depth)", depth, q.fifo.size()));
        }
        q.status[i] = 2;
        q.fifo.push_back(i);
        // A2 (__NPU_ARCH__ 2201): an id from the pipe's pool, set here, waited by DeQue.
        const int8_t id = cpu_sim::AllocEventIdImpl("TQue::EnQue: AllocEventID", q.enQueEvt);
        cpu_sim::SetFlagImpl("TQue::EnQue: SetFlag", q.enQueEvt, id);
        q.enQueEvtId[i] = id;
        return true;
    }

    template <typename T> LocalTensor<T> DeQue() {
        static_assert(!kInPlace, "TQue::DeQue<T>(): a depth-0 TQue dequeues in place, DeQue(LocalTensor&)");
        cpu_sim::QueueState& q = State("TQue::DeQue");
        if (q.fifo.empty()) {
            cpu_sim::Fail("TQue::DeQue: the queue is empty (no EnQue before DeQue: the device returns a stale "
                          "buffer without any sync, a race)");
        }
        const uint32_t i = q.fifo.front();
        q.fifo.erase(q.fifo.begin());
        q.status[i] = 1;
        if (q.enQueEvtId[i] >= 0) {
            cpu_sim::WaitFlagImpl("TQue::DeQue: WaitFlag", q.enQueEvt, q.enQueEvtId[i]);
            cpu_sim::ReleaseEventIdImpl("TQue::DeQue: ReleaseEventID", q.enQueEvt, q.enQueEvtId[i]);
            q.enQueEvtId[i] = -1;
        }
        uint8_t* p = q.base + static_cast<uint64_t>(i) * q.len;
        LocalTensor<T> tensor;
        tensor.SimInit(reinterpret_cast<PrimT<T>*>(p), q.len / sizeof(T), p + q.len);
        return tensor;
    }

    // Inplace form (kernel_tquebind_impl.h TQueBind::DeQue(LocalTensor<T>&)), the counterpart of
    // AllocTensor(LocalTensor<T>&): waits the enQue id of the tensor's own buffer.
    template <typename T> void DeQue(LocalTensor<T>& tensor) {
        static_assert(kInPlace, "TQue::DeQue(LocalTensor&): the inplace form needs a depth-0 TQue (DeQue page)");
        cpu_sim::QueueState& q = State("TQue::DeQue");
        const uint32_t i = Index(q, "TQue::DeQue", tensor.GetPhyAddr());
        if (q.status[i] != 2) {
            cpu_sim::Fail(cpu_sim::Format("TQue::DeQue: buffer %u is not enqueued (no EnQue before DeQue: the wait "
                                          "finds its flag clear, device hang)", i));
        }
        q.status[i] = 1;
        cpu_sim::WaitFlagImpl("TQue::DeQue: WaitFlag", q.enQueEvt, q.enQueEvtId[i]);
    }

    template <typename T> void FreeTensor(LocalTensor<T>& tensor) {
        cpu_sim::QueueState& q = State("TQue::FreeTensor");
        const uint32_t i = Index(q, "TQue::FreeTensor", tensor.GetPhyAddr());
        if (q.status[i] != 1) {
            cpu_sim::Fail(cpu_sim::Format("TQue::FreeTensor: buffer %u is %s", i,
                                          q.status[i] == 2 ? "still enqueued (DeQue it first)"
                                                           : "not allocated (double free)"));
        }
        q.status[i] = 0;
        cpu_sim::Ctx().outstanding[q.pos]--;
        if constexpr (kInPlace) {
            cpu_sim::SetFlagImpl("TQue::FreeTensor: SetFlag", q.freeBufEvt, q.freeBufEvtId[i]);
            return;
        }
        // A2: the freed buffer holds a freeBuf id (V_MTE2 for VECIN, MTE3_V for VECOUT) until its
        // next AllocTensor waits it; ~TPipe waits every one still held.
        const int8_t id = cpu_sim::AllocEventIdImpl("TQue::FreeTensor: AllocEventID", q.freeBufEvt);
        cpu_sim::SetFlagImpl("TQue::FreeTensor: SetFlag", q.freeBufEvt, id);
        q.freeBufEvtId[i] = id;
    }

    bool VacantInQue() {
        static_assert(!kInPlace, "TQue::VacantInQue: not for a depth-0 TQue (kernel_tquebind_impl.h)");
        cpu_sim::QueueState& q = State("TQue::VacantInQue");
        return static_cast<int32_t>(q.fifo.size()) < depth;
    }
    bool HasTensorInQue() {
        static_assert(!kInPlace, "TQue::HasTensorInQue: not for a depth-0 TQue (kernel_tquebind_impl.h)");
        return !State("TQue::HasTensorInQue").fifo.empty();
    }

    // Simulator: bound by TPipe::InitBuffer.
    void SimBind(int32_t stateIndex) { state_ = stateIndex; }

private:
    cpu_sim::QueueState& State(const char* api) {
        cpu_sim::BlockContext& c = cpu_sim::Ctx();
        if (state_ < 0 || state_ >= static_cast<int32_t>(c.queues.size())) {
            cpu_sim::Fail(cpu_sim::Format("%s: the queue has no buffers (call TPipe::InitBuffer first)", api));
        }
        return *c.queues[state_];
    }
    static uint32_t Index(const cpu_sim::QueueState& q, const char* api, const void* addr) {
        const uint8_t* p = static_cast<const uint8_t*>(addr);
        if (p < q.base || p >= q.base + static_cast<uint64_t>(q.num) * q.len || (p - q.base) % q.len != 0) {
            cpu_sim::Fail(cpu_sim::Format("%s: the tensor does not start a buffer of this queue", api));
        }
        return static_cast<uint32_t>((p - q.base) / q.len);
    }
    template <typename T> void Alloc(LocalTensor<T>& t) {
        cpu_sim::QueueState& q = State("TQue::AllocTensor");
        cpu_sim::BlockContext& c = cpu_sim::Ctx();
        for (uint32_t k = 0; k < q.num; ++k) {
            const uint32_t i = (q.next + k) % q.num;
            if (q.status[i] != 0) continue;
            if (c.outstanding[q.pos] >= static_cast<uint32_t>(QUE_MAX_EVENT)) {
                cpu_sim::Fail(cpu_sim::Format("TQue::AllocTensor: %d tensors of this position are already "
                                              "outstanding (limit %d)", QUE_MAX_EVENT, QUE_MAX_EVENT));
            }
            q.status[i] = 1;
            q.next = (i + 1) % q.num;
            c.outstanding[q.pos]++;
            if constexpr (kInPlace) {
                cpu_sim::WaitFlagImpl("TQue::AllocTensor: WaitFlag", q.freeBufEvt, q.freeBufEvtId[i]);
            } else if (q.freeBufEvtId[i] >= 0) {
                cpu_sim::WaitFlagImpl("TQue::AllocTensor: WaitFlag", q.freeBufEvt, q.freeBufEvtId[i]);
                cpu_sim::ReleaseEventIdImpl("TQue::AllocTensor: ReleaseEventID", q.freeBufEvt, q.freeBufEvtId[i]);
                q.freeBufEvtId[i] = -1;
            }
            uint8_t* p = q.base + static_cast<uint64_t>(i) * q.len;
            t.SimInit(reinterpret_cast<PrimT<T>*>(p), q.len / sizeof(T), p + q.len);
            return;
        }
        cpu_sim::Fail(cpu_sim::Format("TQue::AllocTensor: all %u buffer(s) of the queue are in use "
                                      "(no FreeTensor; device hang)", q.num));
    }

    int32_t state_ = -1;
};

template <TPosition pos = TPosition::LCM> class TBuf {
public:
    TBuf() = default;

    template <typename T> LocalTensor<T> Get() { return Get<T>(len_ / sizeof(T)); }
    template <typename T> LocalTensor<T> Get(uint32_t len) {
        CheckInit("TBuf::Get");
        if (static_cast<uint64_t>(len) * sizeof(T) > len_) {
            cpu_sim::Fail(cpu_sim::Format("TBuf::Get: %u elements x %zu B exceed the buffer's %u B",
                                          len, sizeof(T), len_));
        }
        LocalTensor<T> t;
        t.SimInit(reinterpret_cast<PrimT<T>*>(base_), len, base_ + len_);
        return t;
    }
    template <typename T> LocalTensor<T> GetWithOffset(uint32_t size, uint32_t bufOffset) {
        CheckInit("TBuf::GetWithOffset");
        if (bufOffset % ONE_BLK_SIZE != 0) {
            cpu_sim::Fail(cpu_sim::Format("TBuf::GetWithOffset: byte offset %u is not 32-B aligned", bufOffset));
        }
        if (static_cast<uint64_t>(bufOffset) + static_cast<uint64_t>(size) * sizeof(T) > len_) {
            cpu_sim::Fail(cpu_sim::Format("TBuf::GetWithOffset: offset %u B + %u elements x %zu B exceed the "
                                          "buffer's %u B", bufOffset, size, sizeof(T), len_));
        }
        LocalTensor<T> t;
        t.SimInit(reinterpret_cast<PrimT<T>*>(base_ + bufOffset), size, base_ + len_);
        return t;
    }

    void SimBind(uint8_t* base, uint32_t len) { base_ = base; len_ = len; }

private:
    void CheckInit(const char* api) const {
        if (base_ == nullptr) cpu_sim::Fail(cpu_sim::Format("%s: call TPipe::InitBuffer first", api));
    }
    uint8_t* base_ = nullptr;
    uint32_t len_ = 0;
};

class TPipe {
public:
    TPipe() { cpu_sim::PipeConstruct(); }
    TPipe(const TPipe&) = delete;
    TPipe& operator=(const TPipe&) = delete;
    // As kernel_tpipe_impl.h: the destructor runs Destroy, which waits on every freed buffer's
    // event id; a flag cleared behind the queue's back makes that wait hang (reported here).
    ~TPipe() noexcept(false) {
        if (destroyed_ || std::uncaught_exceptions() > 0) return;
        Destroy();
    }

    template <class T> bool InitBuffer(T& que, uint8_t num, uint32_t len) {
        if (num < 1 || num > QBUF_MAX_LEN) {
            cpu_sim::Fail(cpu_sim::Format("TPipe::InitBuffer: num %u is outside [1, %d]", num, QBUF_MAX_LEN));
        }
        const uint32_t rounded = (len + 31u) / 32u * 32u;
        if (rounded == 0) cpu_sim::Fail("TPipe::InitBuffer: len 0");
        uint8_t* base = cpu_sim::UbAllocate("TPipe::InitBuffer", rounded, num, QueuePos(que), true);
        cpu_sim::BlockContext& c = cpu_sim::Ctx();
        auto q = std::make_unique<cpu_sim::QueueState>();
        q->pos = static_cast<uint8_t>(QueuePos(que));
        q->depth = QueueDepth(que);
        q->num = num;
        q->len = rounded;
        q->base = base;
        q->status.assign(num, 0);
        q->enQueEvtId.assign(num, -1);
        q->freeBufEvtId.assign(num, -1);
        // kernel_event.h GetQueEvt: GM->UB queues sync MTE2/V, UB->GM queues V/MTE3.
        const bool vecIn = q->pos == static_cast<uint8_t>(TPosition::VECIN);
        q->enQueEvt = vecIn ? HardEvent::MTE2_V : HardEvent::V_MTE3;
        q->freeBufEvt = vecIn ? HardEvent::V_MTE2 : HardEvent::MTE3_V;
        if (QueueDepth(que) == 0) {  // inplace: each buffer's ids for good, its free flag set
            for (uint32_t i = 0; i < num; ++i) {
                q->enQueEvtId[i] = cpu_sim::AllocEventIdImpl("TPipe::InitBuffer: AllocEventID", q->enQueEvt);
                q->freeBufEvtId[i] = cpu_sim::AllocEventIdImpl("TPipe::InitBuffer: AllocEventID", q->freeBufEvt);
                cpu_sim::SetFlagImpl("TPipe::InitBuffer: SetFlag", q->freeBufEvt, q->freeBufEvtId[i]);
            }
        }
        c.queues.push_back(std::move(q));
        que.SimBind(static_cast<int32_t>(c.queues.size() - 1));
        return true;
    }
    template <TPosition pos> bool InitBuffer(TBuf<pos>& buf, uint32_t len) {
        const uint32_t rounded = (len + 31u) / 32u * 32u;
        if (rounded == 0) cpu_sim::Fail("TPipe::InitBuffer: len 0");
        buf.SimBind(cpu_sim::UbAllocate("TPipe::InitBuffer", rounded, 1, pos, false), rounded);
        return true;
    }
    void Reset() { cpu_sim::ResetUb(); }
    void Destroy() {
        if (destroyed_) return;
        destroyed_ = true;
        cpu_sim::PipeDestroy();
    }
    // The pool of 8 ids per HardEvent that the queues draw from too (lowest free id first).
    template <HardEvent evt> TEventID AllocEventID() { return cpu_sim::AllocEventIdImpl("TPipe::AllocEventID", evt); }
    template <HardEvent evt> void ReleaseEventID(TEventID id) {
        cpu_sim::ReleaseEventIdImpl("TPipe::ReleaseEventID", evt, id);
    }
    // The id AllocEventID would return, not taken: valid until something else takes it.
    template <HardEvent evt> TEventID FetchEventID() { return cpu_sim::FetchEventIdImpl("TPipe::FetchEventID", evt); }
    TEventID FetchEventID(HardEvent evt) { return cpu_sim::FetchEventIdImpl("TPipe::FetchEventID", evt); }

private:
    template <TPosition pos, int32_t depth, auto mask> static TPosition QueuePos(TQue<pos, depth, mask>&) { return pos; }
    template <TPosition pos, int32_t depth, auto mask> static int32_t QueueDepth(TQue<pos, depth, mask>&) { return depth; }
    bool destroyed_ = false;
};

}  // namespace AscendC
