// TEST-ONLY stand-in for CANN's tiling/platform/platform_ascendc.h (see tests/cann_decl/README.md):
// PlatformAscendC with the real constructor and the getters op_host/opp uses.
#ifndef BCE_TEST_CANN_DECL_PLATFORM_ASCENDC_H
#define BCE_TEST_CANN_DECL_PLATFORM_ASCENDC_H

#include <cstdint>

namespace fe {
// Test-only: what a recorded platform reports. The real class is CANN's opaque platform info.
class PlatFormInfos {
public:
    uint32_t aivCores = 0;
    uint64_t ubBytes = 0;
    uint32_t libApiWorkspaceBytes = 0;
};
}  // namespace fe

namespace platform_ascendc {

enum class CoreMemType { L0_A = 0, L0_B = 1, L0_C = 2, L1 = 3, L2 = 4, UB = 5, HBM = 6, FB = 7, BT = 8, RESERVED };

class PlatformAscendC {
public:
    PlatformAscendC() = delete;
    explicit PlatformAscendC(fe::PlatFormInfos* platformInfo) : platformInfo_(platformInfo) {}
    uint32_t GetCoreNumAiv(void) const { return platformInfo_->aivCores; }
    uint32_t GetLibApiWorkSpaceSize(void) const { return platformInfo_->libApiWorkspaceBytes; }
    void GetCoreMemSize(const CoreMemType& memType, uint64_t& size) const
    {
        size = memType == CoreMemType::UB ? platformInfo_->ubBytes : 0;
    }

private:
    fe::PlatFormInfos* platformInfo_;
};

}  // namespace platform_ascendc

#endif  // BCE_TEST_CANN_DECL_PLATFORM_ASCENDC_H
