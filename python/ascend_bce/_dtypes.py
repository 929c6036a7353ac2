"""Dtype names shared by the host tiling (float32/float16/bfloat16) and their NumPy types."""
from __future__ import annotations

import ml_dtypes
import numpy as np

# The kernel's dtypes, in the names the host tiling function takes.
NUMPY_DTYPES: dict[str, np.dtype] = {
    "float32": np.dtype(np.float32),
    "float16": np.dtype(np.float16),
    "bfloat16": np.dtype(ml_dtypes.bfloat16),
}

REDUCTIONS = ("none", "mean", "sum")
# aten's at::Reduction codes (the torch ops' and the MindSpore Ascend ops' `reduction` argument).
REDUCTION_CODES = {name: code for code, name in enumerate(REDUCTIONS)}


def check_reduction(reduction: object) -> None:
    """ValueError, worded as torch's, unless `reduction` is one of REDUCTIONS."""
    if not isinstance(reduction, str) or reduction not in REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")


def dtype_name(dtype: np.dtype) -> str | None:
    """The kernel dtype name of a NumPy dtype, or None when the kernel does not take it."""
    for name, candidate in NUMPY_DTYPES.items():
        if dtype == candidate:
            return name
    return None
