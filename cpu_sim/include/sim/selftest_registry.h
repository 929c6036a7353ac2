// Registry of cpu_sim's self-test kernels (run from Python via _C.selftest.run).
#pragma once

#include <cstdint>
#include <vector>

namespace cpu_sim {

struct SelfTestKernel {
    const char* name;
    uint32_t numBuffers;                          // GM buffers the kernel takes (before tiling)
    void (*run)(uint8_t** gm, uint8_t* tiling);   // calls the kernel entry with the buffers
};

const std::vector<SelfTestKernel>& SelfTestKernels();

}  // namespace cpu_sim
