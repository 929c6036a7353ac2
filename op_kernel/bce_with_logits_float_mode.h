// IEEE inf/NaN for the kernels' half/bf16 results.
#ifndef BCE_WITH_LOGITS_FLOAT_MODE_H
#define BCE_WITH_LOGITS_FLOAT_MODE_H

#include "kernel_operator.h"

namespace BceWithLogits {

// A2 resets CTRL[48] to saturation mode (asc-devkit SetCtrlSpr(ISASI).md, the Atlas A2 table), where a
// float -> half/bf16 Cast writes +-MAX for inf and 0 for NaN: a NaN loss or gradient would come out as
// 0. The kernel clears it for its run and gives the launch's mode back when it ends. Declare it
// before the kernel object: it is destroyed after the object's TPipe, whose Destroy ends with
// PIPE_ALL, so no vector instruction still queued runs under the restored mode.
class InfNanMode {
public:
    __aicore__ inline InfNanMode() : saturating_(AscendC::GetSaturationFlag<AscendC::SaturationMode::FLOAT>())
    {
        AscendC::SetSaturationFlag<AscendC::SaturationMode::FLOAT>(false);
    }
    __aicore__ inline ~InfNanMode() { AscendC::SetSaturationFlag<AscendC::SaturationMode::FLOAT>(saturating_); }

private:
    bool saturating_;
};

}  // namespace BceWithLogits

#endif  // BCE_WITH_LOGITS_FLOAT_MODE_H
