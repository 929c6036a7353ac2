"""Autocast: torch runs binary_cross_entropy_with_logits in float32 under autocast (its fp32
policy list); so do the ops and the wrappers."""
from __future__ import annotations

import contextlib
from typing import Iterator, Optional

import torch
from torch import Tensor

from .ops import OPS


def autocast_enabled(device_type: str) -> bool:
    try:
        return torch.is_autocast_enabled(device_type)
    except RuntimeError:  # a device type without autocast support
        return False


def to_float32(tensor: Optional[Tensor]) -> Optional[Tensor]:
    """As native autocast's fp32 policy: 16-bit floats become float32, float64 and others stay."""
    if tensor is not None and tensor.dtype in (torch.float16, torch.bfloat16):
        return tensor.float()
    return tensor


@contextlib.contextmanager
def fp32_region(device_type: str) -> Iterator[bool]:
    """Yields whether autocast was on (the caller casts to float32), with autocast off inside."""
    if not autocast_enabled(device_type):
        yield False
        return
    with torch.autocast(device_type, enabled=False):
        yield True


def register() -> None:
    """Autocast kernels of the ops for direct callers of torch.ops.ascend_bce.* (CPU here; the
    NPU library registers nothing for autocast, the wrappers cover it)."""
    for name in OPS:
        torch.library.register_autocast(f"ascend_bce::{name}", "cpu", torch.float32)
