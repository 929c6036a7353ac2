// GlobalTensor (GM view) and LocalTensor (UB view) with bounds, GM registry and hazard checks.
#pragma once

#include <cstdint>

#include "sim/context.h"
#include "sim/gm_race.h"

namespace AscendC {

// A GlobalTensor's extent is what SetGlobalBuffer(buffer, bufferSize) declared: [buffer, buffer +
// bufferSize * sizeof(T)). A view (operator[]) moves only the address and keeps the base and
// bufferSize, as asc-devkit's does (impl/basic_api/kernel_tensor_impl.h operator[]), so GetSize()
// of a view is its tensor's bufferSize. Every GM access through the tensor or a view (copies both
// ways, GetValue/SetValue/operator(), Fill, SyncAll's workspace) must lie inside the extent: on the
// NPU framework tensors are sub-allocations of one memory pool, so bytes past a tensor's end (or
// before its base) are a neighbouring tensor's, and a copy there reads or overwrites it without a
// fault. asc-devkit itself never checks bufferSize on a copy (its ASCENDC_OOM check compares with
// the kernel arguments' ranges, which CheckGm models); the extent check is the simulator's.
// bufferSize 0 is an unknown extent, as asc-devkit has it: SetGlobalBuffer(buffer) leaves
// GetSize() at 0 (kernel_tensor_impl.h, the GetSize page), and only CheckGm applies then.
template <typename T> class GlobalTensor {
public:
    using PrimType = PrimT<T>;
    GlobalTensor() = default;

    void SetGlobalBuffer(__gm__ PrimType* buffer, uint64_t bufferSize) {
        addr_ = buffer;
        base_ = buffer;
        size_ = bufferSize;
    }
    void SetGlobalBuffer(__gm__ PrimType* buffer) { SetGlobalBuffer(buffer, 0); }

    const __gm__ PrimType* GetPhyAddr() const { return addr_; }
    __gm__ PrimType* GetPhyAddr(const uint64_t offset) const { return At(offset); }

    PrimType GetValue(const uint64_t offset) const {
        Check("GlobalTensor::GetValue", offset, 1);
        cpu_sim::Ctx().stats.gmBytesRead += sizeof(T);
        cpu_sim::ScalarAccess(false, At(offset));
        cpu_sim::NoteGmAccess(At(offset), sizeof(T), cpu_sim::GmAccessKind::READ);
        return *At(offset);
    }
    void SetValue(const uint64_t offset, PrimType value) {
        Check("GlobalTensor::SetValue", offset, 1);
        cpu_sim::Ctx().stats.gmBytesWritten += sizeof(T);
        cpu_sim::ScalarAccess(false, At(offset));
        cpu_sim::NoteGmAccess(At(offset), sizeof(T), cpu_sim::GmAccessKind::WRITE);
        *At(offset) = value;
    }
    __gm__ PrimType& operator()(const uint64_t offset) const {
        Check("GlobalTensor::operator()", offset, 1);
        return *At(offset);
    }
    GlobalTensor operator[](const uint64_t offset) const {
        GlobalTensor t(*this);
        t.addr_ = At(offset);
        return t;
    }
    uint64_t GetSize() const { return size_; }
    template <CacheRwMode rwMode = CacheRwMode::RW> void SetL2CacheHint(CacheMode) {}

    // Simulator: elements [offset, offset + count) from the view's start must be inside the
    // extent and a GM buffer.
    void Check(const char* api, uint64_t offset, uint64_t count) const {
        CheckBytes(api, offset * sizeof(T), count * sizeof(T));
    }
    // Simulator: the `bytes` from byte `offset` of the view (a multi-burst copy passes its whole
    // span, first burst's start to last burst's end) must be inside the extent and a GM buffer.
    void CheckBytes(const char* api, uint64_t offset, uint64_t bytes) const {
        if (bytes == 0) return;
        // Unsigned arithmetic: operator[] and GetValue take a uint64_t, so an offset of -8 wraps to
        // an address 8 elements back; the difference from the base, read as signed, is the same.
        const int64_t view = static_cast<int64_t>(Addr(addr_) - Addr(base_));
        const int64_t lo = static_cast<int64_t>(Addr(addr_) + offset - Addr(base_));
        const int64_t hi = lo + static_cast<int64_t>(bytes);
        const uint64_t extent = size_ * sizeof(T);
        if (size_ != 0 && (lo < 0 || static_cast<uint64_t>(hi) > extent)) {
            cpu_sim::Fail(cpu_sim::Format(
                "%s: GM bytes [%lld, %lld) from the GlobalTensor's base (a view at element %lld) run outside "
                "its extent [0, %llu) = SetGlobalBuffer bufferSize %llu x %zu B (a copy past a tensor's extent "
                "reads or overwrites its neighbour in the NPU's memory pool)",
                api, (long long)lo, (long long)hi, (long long)(view / static_cast<int64_t>(sizeof(T))),
                (unsigned long long)extent, (unsigned long long)size_, sizeof(T)));
        }
        cpu_sim::CheckGm(api, reinterpret_cast<const void*>(Addr(addr_) + offset), bytes);
    }

private:
    static uintptr_t Addr(const PrimType* p) { return reinterpret_cast<uintptr_t>(p); }
    // The element `offset` after the view's start, with the address arithmetic wrapping.
    PrimType* At(uint64_t offset) const {
        return reinterpret_cast<PrimType*>(Addr(addr_) + offset * sizeof(T));
    }

    PrimType* addr_ = nullptr;  // this view's start
    PrimType* base_ = nullptr;  // SetGlobalBuffer's buffer: the extent's start, kept by views
    uint64_t size_ = 0;         // SetGlobalBuffer's bufferSize in elements (0: unknown), kept by views
};

template <typename T> class LocalTensor {
public:
    using PrimType = PrimT<T>;
    LocalTensor() = default;

    PrimType GetValue(const uint32_t index) const {
        CheckIndex("LocalTensor::GetValue", index);
        cpu_sim::HazardRead("LocalTensor::GetValue", addr_ + index, sizeof(T), cpu_sim::PIPE_BIT_S);
        cpu_sim::ScalarAccess(true);
        return addr_[index];
    }
    template <typename S> void SetValue(const uint32_t index, const S value) const {
        CheckIndex("LocalTensor::SetValue", index);
        cpu_sim::HazardWrite("LocalTensor::SetValue", addr_ + index, sizeof(T), cpu_sim::PIPE_BIT_S);
        cpu_sim::ScalarAccess(true);
        addr_[index] = static_cast<PrimType>(value);
    }
    __ubuf__ PrimType& operator()(const uint32_t offset) const {
        CheckIndex("LocalTensor::operator()", offset);
        return addr_[offset];
    }
    LocalTensor operator[](const uint32_t offset) const {
        if (offset > size_) {
            cpu_sim::Fail(cpu_sim::Format("LocalTensor::operator[]: offset %u beyond the tensor size %u",
                                          offset, size_));
        }
        LocalTensor t(*this);
        t.addr_ = addr_ + offset;
        t.size_ = size_ - offset;
        return t;
    }
    uint32_t GetSize() const { return size_; }
    void SetSize(const uint32_t size) {
        if (static_cast<uint64_t>(size) * sizeof(T) > capacityBytes()) {
            cpu_sim::Fail(cpu_sim::Format("LocalTensor::SetSize: %u elements x %zu B exceed the buffer's "
                                          "%llu B", size, sizeof(T), (unsigned long long)capacityBytes()));
        }
        size_ = size;
    }
    template <typename U> LocalTensor<U> ReinterpretCast() const {
        LocalTensor<U> t;
        t.SimInit(reinterpret_cast<PrimT<U>*>(addr_),
                  static_cast<uint32_t>(static_cast<uint64_t>(size_) * sizeof(T) / sizeof(U)), bufEnd_);
        return t;
    }
    __ubuf__ PrimType* GetPhyAddr() const { return addr_; }
    __ubuf__ PrimType* GetPhyAddr(const uint32_t offset) const { return addr_ + offset; }

    // Simulator internals.
    void SimInit(PrimType* addr, uint32_t size, uint8_t* bufEnd) { addr_ = addr; size_ = size; bufEnd_ = bufEnd; }
    uint8_t* SimBufEnd() const { return bufEnd_; }
    // Checks a vector/copy operand: initialised, 32-B aligned, `count` elements within the tensor.
    void SimCheck(const char* api, const char* operand, uint64_t count) const {
        if (addr_ == nullptr) {
            cpu_sim::Fail(cpu_sim::Format("%s: %s is an uninitialised LocalTensor", api, operand));
        }
        cpu_sim::CheckUbAligned(api, operand, addr_);
        if (count > size_) {
            cpu_sim::Fail(cpu_sim::Format("%s: %s needs %llu elements but the LocalTensor holds %u "
                                          "(index/length beyond its buffer)", api, operand,
                                          (unsigned long long)count, size_));
        }
    }
    void SimCheckBytes(const char* api, const char* operand, uint64_t bytes) const {
        if (addr_ == nullptr) {
            cpu_sim::Fail(cpu_sim::Format("%s: %s is an uninitialised LocalTensor", api, operand));
        }
        cpu_sim::CheckUbAligned(api, operand, addr_);
        if (bytes > static_cast<uint64_t>(size_) * sizeof(T)) {
            cpu_sim::Fail(cpu_sim::Format("%s: %s spans %llu B but the LocalTensor holds %llu B "
                                          "(index/length beyond its buffer)", api, operand,
                                          (unsigned long long)bytes,
                                          (unsigned long long)(static_cast<uint64_t>(size_) * sizeof(T))));
        }
    }

private:
    uint64_t capacityBytes() const {
        return bufEnd_ == nullptr ? 0 : static_cast<uint64_t>(bufEnd_ - reinterpret_cast<uint8_t*>(addr_));
    }
    void CheckIndex(const char* api, uint32_t index) const {
        if (addr_ == nullptr) cpu_sim::Fail(cpu_sim::Format("%s: uninitialised LocalTensor", api));
        if (index >= size_) {
            cpu_sim::Fail(cpu_sim::Format("%s: index %u beyond the LocalTensor size %u", api, index, size_));
        }
    }

    PrimType* addr_ = nullptr;
    uint32_t size_ = 0;
    uint8_t* bufEnd_ = nullptr;  // end of the InitBuffer'd buffer this view lies in
};

}  // namespace AscendC
