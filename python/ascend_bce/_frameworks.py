"""Moves torch / MindSpore tensors to NumPy and back; frameworks are imported only when used."""
from __future__ import annotations

from typing import Any

import ml_dtypes
import numpy as np


def framework_of(obj: Any) -> str | None:
    """'numpy', 'torch', 'mindspore', or None for anything else."""
    if isinstance(obj, np.ndarray):
        return "numpy"
    module = type(obj).__module__
    if module.startswith("torch") and type(obj).__name__ in ("Tensor", "Parameter"):
        return "torch"
    if module.startswith("mindspore") and hasattr(obj, "asnumpy"):
        return "mindspore"
    return None


def to_numpy(obj: Any, framework: str) -> np.ndarray:
    """A C-contiguous NumPy view (or copy, for other layouts and devices) of a tensor."""
    if framework == "torch":
        import torch

        tensor = obj.detach()
        if tensor.device.type != "cpu":
            tensor = tensor.cpu()
        if tensor.dtype == torch.bfloat16:
            # NumPy has no bf16: reinterpret the bits as ml_dtypes.bfloat16.
            return np.asarray(tensor.view(torch.int16).numpy(), order="C").view(ml_dtypes.bfloat16)
        return np.asarray(tensor.numpy(), order="C")
    if framework == "mindspore":
        return from_mindspore_numpy(np.asarray(obj.asnumpy(), order="C"))
    return np.asarray(obj, order="C")


def from_mindspore_numpy(array: np.ndarray) -> np.ndarray:
    """MindSpore's NumPy arrays carry its own bfloat16 dtype: reinterpret it as ml_dtypes'."""
    if array.dtype.name == "bfloat16" and array.dtype != np.dtype(ml_dtypes.bfloat16):
        return array.view(np.uint16).view(ml_dtypes.bfloat16)
    return array


def from_numpy(array: np.ndarray, like: Any, framework: str) -> Any:
    """The result in the caller's tensor type (and device, for torch)."""
    if framework == "torch":
        import torch

        if array.dtype == np.dtype(ml_dtypes.bfloat16):
            tensor = torch.from_numpy(array.view(np.int16)).view(torch.bfloat16)
        else:
            tensor = torch.from_numpy(array)
        return tensor.to(like.device)
    if framework == "mindspore":
        import mindspore

        if array.dtype == np.dtype(ml_dtypes.bfloat16):
            # Through float32, which holds every bf16 value exactly.
            return mindspore.Tensor(array.astype(np.float32)).astype(mindspore.bfloat16)
        return mindspore.Tensor(array)
    return array
