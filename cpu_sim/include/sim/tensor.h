// GlobalTensor (GM view) and LocalTensor (UB view) with bounds, GM registry and hazard checks.
#pragma once

#include <cstdint>

#include "sim/context.h"
#include "sim/gm_race.h"

namespace AscendC {

template <typename T> class GlobalTensor {
public:
    using PrimType = PrimT<T>;
    GlobalTensor() = default;

    void SetGlobalBuffer(__gm__ PrimType* buffer, uint64_t bufferSize) { addr_ = buffer; size_ = bufferSize; }
    void SetGlobalBuffer(__gm__ PrimType* buffer) { addr_ = buffer; size_ = UINT64_MAX / sizeof(T); }

    const __gm__ PrimType* GetPhyAddr() const { return addr_; }
    __gm__ PrimType* GetPhyAddr(const uint64_t offset) const { return addr_ + offset; }

    PrimType GetValue(const uint64_t offset) const {
        Check("GlobalTensor::GetValue", offset, 1);
        cpu_sim::Ctx().stats.gmBytesRead += sizeof(T);
        cpu_sim::ScalarAccess(false, addr_ + offset);
        cpu_sim::NoteGmAccess(addr_ + offset, sizeof(T), cpu_sim::GmAccessKind::READ);
        return addr_[offset];
    }
    void SetValue(const uint64_t offset, PrimType value) {
        Check("GlobalTensor::SetValue", offset, 1);
        cpu_sim::Ctx().stats.gmBytesWritten += sizeof(T);
        cpu_sim::ScalarAccess(false, addr_ + offset);
        cpu_sim::NoteGmAccess(addr_ + offset, sizeof(T), cpu_sim::GmAccessKind::WRITE);
        addr_[offset] = value;
    }
    __gm__ PrimType& operator()(const uint64_t offset) const {
        Check("GlobalTensor::operator()", offset, 1);
        return addr_[offset];
    }
    GlobalTensor operator[](const uint64_t offset) const {
        GlobalTensor t(*this);
        t.addr_ = addr_ + offset;
        return t;
    }
    uint64_t GetSize() const { return size_; }
    template <CacheRwMode rwMode = CacheRwMode::RW> void SetL2CacheHint(CacheMode) {}

    // Simulator: [offset, offset + count) must be inside SetGlobalBuffer's size and a GM buffer.
    void Check(const char* api, uint64_t offset, uint64_t count) const {
        if (offset + count > size_) {
            cpu_sim::Fail(cpu_sim::Format("%s: elements [%llu, %llu) beyond the GlobalTensor size %llu",
                                          api, (unsigned long long)offset,
                                          (unsigned long long)(offset + count), (unsigned long long)size_));
        }
        cpu_sim::CheckGm(api, addr_ + offset, count * sizeof(T));
    }

private:
    PrimType* addr_ = nullptr;
    uint64_t size_ = 0;
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
