"""float64 (and any dtype the kernel lacks) on CPU: torch math, NOT the kernel.

The kernels take float32, float16 and bfloat16. float64 is what ``gradcheck`` and
``module.double()`` use, so on CPU it runs this composite of torch ops instead — exact to float64
rounding and differentiable in every autodiff mode by torch itself. On an NPU float64 is an error
(the device kernel has no float64 path; cast to float32).
"""
from __future__ import annotations

from typing import Optional

import torch
from torch import Tensor
from torch.nn.functional import logsigmoid

REDUCTION_NAMES = ("none", "mean", "sum")


def bce_with_logits_torch_math(input: Tensor, target: Tensor, weight: Optional[Tensor],
                               pos_weight: Optional[Tensor], reduction: str) -> Tensor:
    """w * [(1 - y) * softplus(x) + pw * y * softplus(-x)], with softplus(x) = -logsigmoid(-x)
    (exact in float64 for any |x|, unlike F.softplus's threshold), reduced by `reduction`."""
    positive = -logsigmoid(input) * target
    if pos_weight is not None:
        positive = positive * pos_weight
    loss = (1 - target) * -logsigmoid(-input) + positive
    if weight is not None:
        loss = loss * weight
    loss = loss.expand(input.shape) if loss.shape != input.shape else loss
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()


def check_reference_device(input: Tensor) -> None:
    if input.device.type != "cpu":
        raise RuntimeError(
            f"ascend_bce: {input.dtype} is not supported on device '{input.device.type}': the kernel takes "
            f"float32, float16 and bfloat16 (float64 runs as torch math on CPU only); cast to float32")
