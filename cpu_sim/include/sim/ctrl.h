// CTRL register on A2: only the float saturation bit CTRL[48] (SetCtrlSpr, SetSaturationFlag).
#pragma once

#include <cstdint>

#include "sim/context.h"

namespace cpu_sim {

// CTRL[48] at kernel start: the stream's float overflow mode, which the runtime hands the
// scheduler for every task (hicann/runtime stream_sqcq_manage.cc AllocStreamSqCq: satMode from
// GetSatMode(), fixed when the stream is created after aclrtSetDeviceSatMode; torch_npu's
// INF_NAN_MODE_ENABLE, the TF adapters' set_device_sat_mode). Atlas A2 defaults to INF/NaN mode
// (those pages: "please keep the default INF/NaN mode"); saturation mode (inf -> +-MAX, NaN -> 0 for
// half/bf16) is a user's choice, and the kernels must not override it. The simulator keeps one
// mode for the process; set it between launches, not during one.
void SetLaunchFloatSaturation(bool saturation);
bool LaunchFloatSaturation();

}  // namespace cpu_sim

namespace AscendC {

// kernel_base_types.h:27. dav_c220 supports FLOAT, INT and CAST (kernel_operator_common_impl.h:150);
// cpu_sim models FLOAT (CTRL[48]) only.
enum class SaturationMode : uint8_t { FLOAT, FLOAT8, INT, CAST };

// kernel_operator_common_intf_impl.h:244: FLOAT -> CTRL[48], enableSat clears the bit (0 = saturation).
template <SaturationMode mode> void SetSaturationFlag(bool enableSat) {
    static_assert(mode == SaturationMode::FLOAT, "SetSaturationFlag: cpu_sim models SaturationMode::FLOAT only");
    cpu_sim::Ctx().floatSaturation = enableSat;
}
template <SaturationMode mode> bool GetSaturationFlag() {
    static_assert(mode == SaturationMode::FLOAT, "GetSaturationFlag: cpu_sim models SaturationMode::FLOAT only");
    return cpu_sim::Ctx().floatSaturation;
}

// dav_c220 CheckCtrlSprBitRange (kernel_operator_common_impl.h:115): only bit 48 on A2.
template <int8_t startBit, int8_t endBit> void SetCtrlSpr(int64_t value) {
    static_assert(startBit == endBit && startBit == 48, "startBit and endBit must be both 48 on current platform!");
    cpu_sim::Ctx().floatSaturation = (value & 1) == 0;
}
template <int8_t startBit, int8_t endBit> int64_t GetCtrlSpr() {
    static_assert(startBit == endBit && startBit == 48, "startBit and endBit must be both 48 on current platform!");
    return cpu_sim::Ctx().floatSaturation ? 0 : 1;
}
// No ResetCtrlSpr: kernel_operator_common_intf_impl.h:217 declares it for every arch but 2201.

}  // namespace AscendC
