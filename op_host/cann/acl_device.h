// Device facts the NPU adapters read from the ACL runtime (needs CANN's acl/acl.h).
#ifndef BCE_WITH_LOGITS_ACL_DEVICE_H
#define BCE_WITH_LOGITS_ACL_DEVICE_H

#include <cstdint>

#include "acl/acl.h"

namespace BceWithLogits {

// Vector cores a launch on `stream` may occupy: the device's count (a partitioned device can have
// fewer than its SoC preset), capped by the stream's resource limit, which falls back to the
// process's (aclrtSetStreamResLimit / aclrtSetDeviceResLimit; nullptr = the default stream).
// 0 when neither query answers, and the preset is used. The forward's SyncAll deadlocks if its
// blocks exceed the cores that can hold them at once (SyncAll and SIMD built-in keyword pages).
inline int64_t CurrentVectorCores(aclrtStream stream)
{
    int64_t cores = 0;
    int32_t device = 0;
    if (aclrtGetDevice(&device) == ACL_SUCCESS) {
        int64_t deviceCores = 0;
        if (aclrtGetDeviceInfo(static_cast<uint32_t>(device), ACL_DEV_ATTR_VECTOR_CORE_NUM, &deviceCores) ==
                ACL_SUCCESS) {
            cores = deviceCores;
        }
    }
    uint32_t streamCores = 0;
    if (aclrtGetStreamResLimit(stream, ACL_RT_DEV_RES_VECTOR_CORE, &streamCores) == ACL_SUCCESS && streamCores > 0 &&
        (cores == 0 || static_cast<int64_t>(streamCores) < cores)) {
        cores = streamCores;
    }
    return cores;
}

}  // namespace BceWithLogits

#endif  // BCE_WITH_LOGITS_ACL_DEVICE_H
