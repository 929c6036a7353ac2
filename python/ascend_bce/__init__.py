"""ascend-bce: one fused, exact BCEWithLogitsLoss kernel for Ascend A2, runnable in a CPU simulator."""
from ._C import KernelStats, SimulatorError
from .cost_model import analytic_time_us
from .functional import binary_cross_entropy_with_logits, last_kernel_stats
from .loss import BCEWithLogitsLoss
from .sim_math import sim_math_errors
from . import opp as _opp

# An NPU wheel bundles the CANN op package: make it visible to CANN before any device use.
_opp.register_wheel_vendor()

# The analytic bound of cost_model.py, a check on the timeline's `modelled_a2_us` (never above it).
KernelStats.analytic_a2_us = property(analytic_time_us, doc="Analytic A2 bound of the launch, in microseconds: "
                                      "the slowest block's max(copy, vector) with perfect overlap.")

__version__ = "0.1.0"

__all__ = [
    "BCEWithLogitsLoss",
    "SimulatorError",
    "binary_cross_entropy_with_logits",
    "last_kernel_stats",
    "sim_math_errors",
]
