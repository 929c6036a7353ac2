// Runtime internals shared by cpu_sim/src files (not for kernels).
#pragma once

#include "sim/context.h"

namespace cpu_sim {
void BindThread(BlockContext* ctx);
void CheckQueuesFreed(const char* when);
void CheckFlagsClear(const char* when);  // every SetFlag was waited (~TPipe leaves none set)
}  // namespace cpu_sim
