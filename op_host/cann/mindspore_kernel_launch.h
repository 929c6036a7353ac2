// C interface of libascend_bce_ms_launch.so (cmake/mindspore_ascend): one function per kernel that
// launches it with the launch function ascendc_library() generates (ACLRT_LAUNCH_KERNEL). The
// MindSpore adapter (mindspore_ascend_ops.cpp, compiled on the target by CustomOpBuilder with
// MindSpore's -D_GLIBCXX_USE_CXX11_ABI=0) links this library through plain C symbols only, so the
// two sides may use different C++ ABIs and the adapter needs no generated header.
#ifndef BCE_WITH_LOGITS_MINDSPORE_KERNEL_LAUNCH_H
#define BCE_WITH_LOGITS_MINDSPORE_KERNEL_LAUNCH_H

#include <cstdint>

extern "C" {

// bce_with_logits(input, target, weight, posWeight, out, workspace, tiling) on `stream` (an
// aclrtStream) with `blockDim` blocks. Absent operands and an absent workspace are nullptr. Returns
// the launch status: 0 on success.
uint32_t AscendBceLaunchForward(uint32_t blockDim, void* stream, void* input, void* target, void* weight,
                                void* posWeight, void* out, void* workspace, void* tiling);

// bce_with_logits_grad(input, target, weight, posWeight, gradOutput, result, workspace, tiling):
// dL/dinput or dL/dtarget into `result`, as the tiling's KernelKind says. Returns 0 on success.
uint32_t AscendBceLaunchGrad(uint32_t blockDim, void* stream, void* input, void* target, void* weight,
                             void* posWeight, void* gradOutput, void* result, void* workspace, void* tiling);

}  // extern "C"

#endif  // BCE_WITH_LOGITS_MINDSPORE_KERNEL_LAUNCH_H
