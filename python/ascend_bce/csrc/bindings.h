// Declarations of the binding groups that the _C module file calls.
#pragma once

#include <pybind11/pybind11.h>

#include <functional>
#include <vector>

#include "sim/launch.h"

// Host logic (shape rules, tiling) as the submodule _C.host.
void BindHost(pybind11::module_& m);

// The CPU simulator: SimulatorError, KernelStats, the self-test kernels (_C.selftest).
void BindSim(pybind11::module_& m);

// The bce_with_logits kernel launcher (_C.launch_bce_with_logits).
void BindKernel(pybind11::module_& m);

// The MindSpore CPU aot entry points' introspection (_C.mindspore_aot).
void BindMindSporeAot(pybind11::module_& m);

// cpu_sim::Launch with the GIL released that honours Ctrl-C: signals are checked (with the GIL)
// every few ms while the blocks run, and a pending KeyboardInterrupt (or whatever the signal
// handler raised) stops the blocks and propagates. Defined with the simulator bindings.
cpu_sim::KernelStats LaunchInterruptible(cpu_sim::LaunchConfig config, const std::vector<cpu_sim::GmBuffer>& gm,
                                         const std::function<void()>& blockBody);
