// The one header Ascend C kernels include: the cpu_sim implementation of the A2 vector-core API.
#pragma once

#include <cstdint>

#include "sim/types.h"
#include "sim/context.h"
#include "sim/tensor.h"
#include "sim/pipe.h"
#include "sim/data_copy.h"
#include "sim/vector.h"
#include "sim/cast.h"
#include "sim/sync.h"
#include "sim/gather.h"
#include "sim/reduce_repeat.h"
#include "sim/ctrl.h"
