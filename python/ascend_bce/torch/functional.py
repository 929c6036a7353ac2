"""``binary_cross_entropy_with_logits`` with torch's signature and semantics: legacy arguments,
device checks, exception classes, dtype promotion, autocast, float64, any rank."""
from __future__ import annotations

from typing import Optional

import torch
from torch import Tensor

from .._dtypes import REDUCTION_CODES, check_reduction
from ..functional import _simulating
from . import autocast
from .autograd import LossFunction
from .ops import check_kernel_device, check_same_device
from .reference import bce_with_logits_torch_math, check_reference_device
from .shapes import check_shapes, collapse_rank

KERNEL_DTYPES = (torch.float32, torch.float16, torch.bfloat16)


def _check_types(input, target, weight, pos_weight) -> None:
    for name, value, optional in (("input", input, False), ("target", target, False),
                                  ("weight", weight, True), ("pos_weight", pos_weight, True)):
        if not isinstance(value, Tensor) and not (optional and value is None):
            # As torch's own binary_cross_entropy_with_logits, not the dispatcher's RuntimeError.
            raise TypeError(f"binary_cross_entropy_with_logits(): argument '{name}' must be Tensor, "
                            f"not {type(value).__name__}")
    if not input.is_floating_point():
        # torch: NotImplementedError from log_sigmoid ("not implemented for 'Long'/'ComplexFloat'").
        raise NotImplementedError(f"binary_cross_entropy_with_logits(): not implemented for input of dtype "
                                  f"{input.dtype}; the input must be a real floating-point tensor")
    if not target.is_floating_point():
        raise RuntimeError(f"binary_cross_entropy_with_logits(): the target must be a real floating-point "
                           f"tensor, but got {target.dtype}")
    for name, operand in (("weight", weight), ("pos_weight", pos_weight)):
        if operand is not None and operand.is_complex():
            raise RuntimeError(f"binary_cross_entropy_with_logits(): {name} must be real, but got {operand.dtype}")


def _operand_for_kernel(operand: Optional[Tensor], compute: torch.dtype) -> Optional[Tensor]:
    """weight/pos_weight: the kernel reads any of its dtypes; others (int, bool, float64) are cast."""
    if operand is None or operand.dtype in KERNEL_DTYPES:
        return operand
    return operand.to(compute)


def loss(input: Tensor, target: Tensor, weight: Optional[Tensor], reduction: str,
         pos_weight: Optional[Tensor]) -> Tensor:
    """The checked, promoted call: the kernel for float32/16-bit operands, torch math for float64."""
    _check_types(input, target, weight, pos_weight)
    check_reduction(reduction)
    check_same_device(input, target, weight, pos_weight)
    check_shapes(input, target, weight, pos_weight)
    with autocast.fp32_region(input.device.type) as autocasting:
        if autocasting:
            input, target, weight, pos_weight = map(autocast.to_float32, (input, target, weight, pos_weight))
        # torch's result dtype is the target's ((1 - target).mul_(input) keeps it); compute in the wider.
        out_dtype, compute = target.dtype, torch.promote_types(input.dtype, target.dtype)
        if compute not in KERNEL_DTYPES:
            check_reference_device(input)
            cast = (lambda t: None if t is None else t.to(compute))
            out = bce_with_logits_torch_math(input.to(compute), target.to(compute), cast(weight), cast(pos_weight),
                                             reduction)
            return out.to(out_dtype)
        check_kernel_device(input)
        x, y, w, pw = collapse_rank(input.to(compute), target.to(compute), _operand_for_kernel(weight, compute),
                                    _operand_for_kernel(pos_weight, compute))
        code = REDUCTION_CODES[reduction]
        if torch.compiler.is_compiling():
            out = torch.ops.ascend_bce.bce_with_logits(x, y, w, pw, code)  # traced with its register_autograd
        else:
            out = LossFunction.apply(x, y, w, pw, code)
        if reduction == "none":
            out = out.reshape(input.shape)
        return out.to(out_dtype)


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight: Optional[Tensor] = None,
                                     size_average: Optional[bool] = None, reduce: Optional[bool] = None,
                                     reduction: str = "mean", pos_weight: Optional[Tensor] = None) -> Tensor:
    """``torch.nn.functional.binary_cross_entropy_with_logits`` through the fused kernel: same
    signature (``size_average``/``reduce`` mapped as torch maps them), every autodiff mode for
    ``input`` and ``target``, torch's dtype promotion, fp32 under autocast. float64 runs as torch
    math on CPU (not the kernel; see ``ascend_bce.torch.reference``)."""
    if size_average is not None or reduce is not None:
        reduction = torch.nn._reduction.legacy_get_string(size_average, reduce)
    return loss(input, target, weight, reduction, pos_weight)


def neutral_call(input, target, weight, reduction, pos_weight, soc, max_blocks) -> Tensor:
    """What ``ascend_bce.binary_cross_entropy_with_logits`` does with torch tensors."""
    with _simulating(soc, max_blocks):
        return loss(input, target, weight, reduction, pos_weight)
