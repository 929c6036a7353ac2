// Declarations of the binding groups that the _C module file calls.
#pragma once

#include <pybind11/pybind11.h>

// Host logic (shape rules, tiling) as the submodule _C.host.
void BindHost(pybind11::module_& m);

// The CPU simulator: SimulatorError, KernelStats, the self-test kernels (_C.selftest).
void BindSim(pybind11::module_& m);

// The bce_with_logits kernel launcher (_C.launch_bce_with_logits).
void BindKernel(pybind11::module_& m);
