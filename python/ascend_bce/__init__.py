"""ascend-bce: one fused, exact BCEWithLogitsLoss kernel for Ascend A2, runnable in a CPU simulator."""
from ._C import SimulatorError
from .functional import binary_cross_entropy_with_logits, last_kernel_stats
from .loss import BCEWithLogitsLoss

__version__ = "0.1.0"

__all__ = [
    "BCEWithLogitsLoss",
    "SimulatorError",
    "binary_cross_entropy_with_logits",
    "last_kernel_stats",
]
