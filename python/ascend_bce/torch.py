"""PyTorch binding: ``torch.ops.ascend_bce.bce_with_logits`` and its backward as torch.library
ops with autograd, plus the drop-in ``BCEWithLogitsLoss`` module.

CPU tensors run the kernels in the CPU simulator. NPU tensors run them on the device through
the kernels registered for the PrivateUse1 key by ``libascend_bce_npu.so`` (built by
``scripts/build_npu.sh``), which ``load_npu_library()`` loads on first use.
"""
from __future__ import annotations

import os
import pathlib
from typing import Optional

import torch
from torch import Tensor

from . import _torch_grad_grad
from ._dtypes import REDUCTION_CODES, check_reduction
from .functional import _sim_options, _simulating
from .functional import binary_cross_entropy_with_logits as _sim_forward
from .functional import binary_cross_entropy_with_logits_backward as _sim_backward
from .functional import binary_cross_entropy_with_logits_target_backward as _sim_target_backward

_REDUCTION_NAMES = {code: name for name, code in REDUCTION_CODES.items()}
NPU_LIBRARY_NAME = "libascend_bce_npu.so"
NPU_LIBRARY_ENV = "ASCEND_BCE_NPU_LIB"

_lib = torch.library.Library("ascend_bce", "DEF")
_lib.define("bce_with_logits(Tensor input, Tensor target, Tensor? weight=None, Tensor? pos_weight=None, "
            "int reduction=1) -> Tensor")
_lib.define("bce_with_logits_backward(Tensor grad_output, Tensor input, Tensor target, Tensor? weight=None, "
            "Tensor? pos_weight=None, int reduction=1) -> Tensor")
_lib.define("bce_with_logits_target_backward(Tensor grad_output, Tensor input, Tensor target, "
            "Tensor? weight=None, Tensor? pos_weight=None, int reduction=1) -> Tensor")


def _reduction_name(reduction: int) -> str:
    if reduction not in _REDUCTION_NAMES:
        raise ValueError(f"reduction code {reduction} is not valid (0 = none, 1 = mean, 2 = sum)")
    return _REDUCTION_NAMES[reduction]


def _detached(t: Optional[Tensor]) -> Optional[Tensor]:
    return None if t is None else t.detach()


@torch.library.impl(_lib, "bce_with_logits", "CPU")
def _bce_with_logits_cpu(input: Tensor, target: Tensor, weight: Optional[Tensor] = None,
                         pos_weight: Optional[Tensor] = None, reduction: int = 1) -> Tensor:
    soc, max_blocks = _sim_options.get()
    return _sim_forward(input.detach(), target.detach(), _detached(weight), _reduction_name(reduction),
                        _detached(pos_weight), soc=soc, max_blocks=max_blocks)


@torch.library.impl(_lib, "bce_with_logits_backward", "CPU")
def _bce_with_logits_backward_cpu(grad_output: Tensor, input: Tensor, target: Tensor,
                                  weight: Optional[Tensor] = None, pos_weight: Optional[Tensor] = None,
                                  reduction: int = 1) -> Tensor:
    soc, max_blocks = _sim_options.get()
    return _sim_backward(grad_output.detach(), input.detach(), target.detach(), _detached(weight),
                         _detached(pos_weight), _reduction_name(reduction), soc=soc, max_blocks=max_blocks)


@torch.library.impl(_lib, "bce_with_logits_target_backward", "CPU")
def _bce_with_logits_target_backward_cpu(grad_output: Tensor, input: Tensor, target: Tensor,
                                         weight: Optional[Tensor] = None, pos_weight: Optional[Tensor] = None,
                                         reduction: int = 1) -> Tensor:
    soc, max_blocks = _sim_options.get()
    return _sim_target_backward(grad_output.detach(), input.detach(), target.detach(), _detached(weight),
                                _detached(pos_weight), _reduction_name(reduction), soc=soc, max_blocks=max_blocks)


@torch.library.register_fake("ascend_bce::bce_with_logits")
def _bce_with_logits_fake(input, target, weight=None, pos_weight=None, reduction=1):
    shape = input.shape if _reduction_name(reduction) == "none" else ()
    return input.new_empty(shape)


@torch.library.register_fake("ascend_bce::bce_with_logits_backward")
def _bce_with_logits_backward_fake(grad_output, input, target, weight=None, pos_weight=None, reduction=1):
    return torch.empty_like(input)


@torch.library.register_fake("ascend_bce::bce_with_logits_target_backward")
def _bce_with_logits_target_backward_fake(grad_output, input, target, weight=None, pos_weight=None, reduction=1):
    return torch.empty_like(target)


def _setup_context(ctx, inputs, output) -> None:
    input, target, weight, pos_weight, reduction = inputs
    _torch_grad_grad.refuse_weight_grads(weight, pos_weight, "bce_with_logits")
    ctx.save_for_backward(input, target, weight, pos_weight)
    ctx.reduction = reduction
    ctx.sim_options = _sim_options.get()  # the backward launches tile for the forward's SoC


def _backward(ctx, grad_output: Tensor):
    input, target, weight, pos_weight = ctx.saved_tensors
    grad_output = grad_output.contiguous()
    grad_input = grad_target = None
    with _simulating(*ctx.sim_options):
        if ctx.needs_input_grad[0]:
            grad_input = torch.ops.ascend_bce.bce_with_logits_backward(
                grad_output, input, target, weight, pos_weight, ctx.reduction)
        if ctx.needs_input_grad[1]:
            grad_target = torch.ops.ascend_bce.bce_with_logits_target_backward(
                grad_output, input, target, weight, pos_weight, ctx.reduction)
    return grad_input, grad_target, None, None, None


torch.library.register_autograd("ascend_bce::bce_with_logits", _backward, setup_context=_setup_context)
_torch_grad_grad.register()  # double backward of the two backward ops


def load_npu_library(path: Optional[str] = None) -> bool:
    """Loads the NPU kernels (PrivateUse1 implementations of the ops) once; returns whether they
    are loaded. Looks at `path`, then $ASCEND_BCE_NPU_LIB, then next to this package."""
    global _npu_loaded
    if _npu_loaded:
        return True
    candidates = [path, os.environ.get(NPU_LIBRARY_ENV), str(pathlib.Path(__file__).with_name(NPU_LIBRARY_NAME))]
    for candidate in candidates:
        if candidate and pathlib.Path(candidate).is_file():
            import torch_npu  # noqa: F401  (registers the NPU device before our kernels)

            torch.ops.load_library(candidate)
            _npu_loaded = True
            return True
    return False


_npu_loaded = False


def _check_device(input: Tensor) -> None:
    if input.device.type == "cpu":
        return
    if input.device.type == "npu" and load_npu_library():
        return
    raise RuntimeError(
        f"ascend_bce: no kernel for device '{input.device.type}': CPU tensors run in the simulator; "
        f"NPU tensors need {NPU_LIBRARY_NAME} (build it with scripts/build_npu.sh on an Atlas A2 host, "
        f"or point ${NPU_LIBRARY_ENV} at it)"
    )


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight: Optional[Tensor] = None,
                                     reduction: str = "mean", pos_weight: Optional[Tensor] = None) -> Tensor:
    """``torch.nn.functional.binary_cross_entropy_with_logits`` through the fused kernel, with
    autograd for ``input`` and ``target``."""
    for name, value, optional in (("input", input, False), ("target", target, False),
                                  ("weight", weight, True), ("pos_weight", pos_weight, True)):
        if not isinstance(value, Tensor) and not (optional and value is None):
            # As torch's own binary_cross_entropy_with_logits, not the dispatcher's RuntimeError.
            raise TypeError(f"binary_cross_entropy_with_logits(): argument '{name}' must be Tensor, "
                            f"not {type(value).__name__}")
    check_reduction(reduction)
    _check_device(input)
    return torch.ops.ascend_bce.bce_with_logits(input, target, weight, pos_weight, REDUCTION_CODES[reduction])


class BCEWithLogitsLoss(torch.nn.Module):
    """Drop-in for ``torch.nn.BCEWithLogitsLoss``: same arguments (with the deprecated
    ``size_average``/``reduce``), ``weight`` and ``pos_weight`` kept as buffers."""

    def __init__(self, weight: Optional[Tensor] = None, size_average=None, reduce=None, reduction: str = "mean",
                 pos_weight: Optional[Tensor] = None) -> None:
        super().__init__()
        if size_average is not None or reduce is not None:
            reduction = torch.nn._reduction.legacy_get_string(size_average, reduce)
        self.reduction = reduction
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return binary_cross_entropy_with_logits(input, target, self.weight, self.reduction, self.pos_weight)

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}"


__all__ = ["BCEWithLogitsLoss", "binary_cross_entropy_with_logits", "load_npu_library", "REDUCTION_CODES"]
