"""The simulator's Exp/Ln error model: A2 publishes no accuracy for its Exp and Ln, so the
kernels are checked with results worse than libm's (see cpu_sim/include/sim/math_model.h)."""
from __future__ import annotations

import contextlib
from typing import Iterator

from . import _C

MODES = ("exact", "ulp", "ln_abs")


@contextlib.contextmanager
def sim_math_errors(mode: str = "ulp", max_ulp: int = 2, seed: int = 0,
                    ln_abs_error: float = 6e-8) -> Iterator[None]:
    """Runs the simulated launches inside the block with a perturbed Exp/Ln, then restores the
    previous model. ``mode``: ``"exact"``, ``"ulp"`` (each result moved by a seeded number of ulps
    in ``[-max_ulp, max_ulp]``) or ``"ln_abs"`` (``Ln`` on [0.5, 2] off by ``ln_abs_error``
    absolute, as an Ln accurate only in absolute terms near 1 would be)."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    if max_ulp < 0:
        raise ValueError(f"max_ulp must be >= 0, got {max_ulp}")
    previous = _C.get_math_error_model()
    _C.set_math_error_model(mode, max_ulp, seed, ln_abs_error)
    try:
        yield
    finally:
        _C.set_math_error_model(**previous)
