// The ascend_bce._C extension: simulator, host logic and the kernels it runs.
#include <pybind11/pybind11.h>

#include "bindings.h"

PYBIND11_MODULE(_C, m)
{
    m.doc() = "ascend-bce native core: host tiling, the Ascend C CPU simulator and its kernels";
    BindSim(m);
    BindHost(m);
    BindKernel(m);
    BindMindSporeAot(m);
}
