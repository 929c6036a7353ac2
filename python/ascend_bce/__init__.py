"""ascend-bce: one fused, exact BCEWithLogitsLoss kernel for Ascend A2, runnable in a CPU simulator."""
from ._C import KernelStats, SimulatorError
from .cost_model import modelled_time_us
from .functional import binary_cross_entropy_with_logits, last_kernel_stats
from .loss import BCEWithLogitsLoss
from .sim_math import sim_math_errors
from . import opp as _opp

# An NPU wheel bundles the CANN op package: make it visible to CANN before any device use.
_opp.register_wheel_vendor()

# What a launch would take on the A2 it was tiled for, by the cost model (cost_model.py).
KernelStats.modelled_a2_us = property(modelled_time_us, doc="Modelled A2 time of the launch, in microseconds.")

__version__ = "0.1.0"

__all__ = [
    "BCEWithLogitsLoss",
    "SimulatorError",
    "binary_cross_entropy_with_logits",
    "last_kernel_stats",
    "sim_math_errors",
]
