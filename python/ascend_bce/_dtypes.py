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


def dtype_name(dtype: np.dtype) -> str | None:
    """The kernel dtype name of a NumPy dtype, or None when the kernel does not take it."""
    for name, candidate in NUMPY_DTYPES.items():
        if dtype == candidate:
            return name
    return None
