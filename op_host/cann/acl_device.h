// Device facts the NPU adapters read from the ACL runtime (needs CANN's acl/acl.h).
#ifndef BCE_WITH_LOGITS_ACL_DEVICE_H
#define BCE_WITH_LOGITS_ACL_DEVICE_H

#include <cstdint>

#include "acl/acl.h"

namespace BceWithLogits {

// Vector cores of the current device as the runtime reports them (a partitioned device can have
// fewer than its SoC preset); 0 when the query fails, and the preset is used. The forward's
// SyncAll deadlocks if its blocks exceed the cores that can hold them at once.
inline int64_t CurrentVectorCores()
{
    int32_t device = 0;
    int64_t cores = 0;
    if (aclrtGetDevice(&device) != ACL_SUCCESS ||
        aclrtGetDeviceInfo(static_cast<uint32_t>(device), ACL_DEV_ATTR_VECTOR_CORE_NUM, &cores) != ACL_SUCCESS) {
        return 0;
    }
    return cores;
}

}  // namespace BceWithLogits

#endif  // BCE_WITH_LOGITS_ACL_DEVICE_H
