"""The torch.library ops ``ascend_bce::bce_with_logits`` and its two backward ops: schema, CPU
kernels (the CPU simulator), fake kernels, vmap rules, device checks and the NPU library.

NPU tensors run the kernels on the device through the PrivateUse1 implementations registered by
``libascend_bce_npu.so`` (built by ``scripts/build_npu.sh``), which ``load_npu_library()`` loads.
"""
from __future__ import annotations

import os
import pathlib
from typing import Optional

import torch
from torch import Tensor

from .._dtypes import REDUCTION_CODES
from ..functional import _sim_options, simulate
from ..functional import binary_cross_entropy_with_logits_backward as _sim_backward
from ..functional import binary_cross_entropy_with_logits_target_backward as _sim_target_backward

_REDUCTION_NAMES = {code: name for name, code in REDUCTION_CODES.items()}
NPU_LIBRARY_NAME = "libascend_bce_npu.so"
NPU_LIBRARY_ENV = "ASCEND_BCE_NPU_LIB"
OPS = ("bce_with_logits", "bce_with_logits_backward", "bce_with_logits_target_backward")

_lib = torch.library.Library("ascend_bce", "DEF")
_lib.define("bce_with_logits(Tensor input, Tensor target, Tensor? weight=None, Tensor? pos_weight=None, "
            "int reduction=1) -> Tensor")
_lib.define("bce_with_logits_backward(Tensor grad_output, Tensor input, Tensor target, Tensor? weight=None, "
            "Tensor? pos_weight=None, int reduction=1) -> Tensor")
_lib.define("bce_with_logits_target_backward(Tensor grad_output, Tensor input, Tensor target, "
            "Tensor? weight=None, Tensor? pos_weight=None, int reduction=1) -> Tensor")


def reduction_name(reduction: int) -> str:
    if reduction not in _REDUCTION_NAMES:
        raise ValueError(f"reduction code {reduction} is not valid (0 = none, 1 = mean, 2 = sum)")
    return _REDUCTION_NAMES[reduction]


def check_same_device(first: Tensor, *others: Optional[Tensor]) -> None:
    """torch's RuntimeError when operands live on different devices. Without it the dispatcher
    picks one operand's kernel (e.g. Meta for a CPU input with a meta target) and the others'
    memory is never read: the result would be uninitialised."""
    for other in others:
        if other is not None and other.device != first.device:
            raise RuntimeError(f"Expected all tensors to be on the same device, but found at least two devices, "
                               f"{first.device} and {other.device}!")


def _detached(t: Optional[Tensor]) -> Optional[Tensor]:
    return None if t is None else t.detach()


@torch.library.impl(_lib, "bce_with_logits", "CPU")
def _bce_with_logits_cpu(input: Tensor, target: Tensor, weight: Optional[Tensor] = None,
                         pos_weight: Optional[Tensor] = None, reduction: int = 1) -> Tensor:
    check_same_device(input, target, weight, pos_weight)
    soc, max_blocks = _sim_options.get()
    return simulate(input.detach(), target.detach(), _detached(weight), reduction_name(reduction),
                    _detached(pos_weight), soc=soc, max_blocks=max_blocks)


@torch.library.impl(_lib, "bce_with_logits_backward", "CPU")
def _bce_with_logits_backward_cpu(grad_output: Tensor, input: Tensor, target: Tensor,
                                  weight: Optional[Tensor] = None, pos_weight: Optional[Tensor] = None,
                                  reduction: int = 1) -> Tensor:
    check_same_device(input, grad_output, target, weight, pos_weight)
    soc, max_blocks = _sim_options.get()
    return _sim_backward(grad_output.detach(), input.detach(), target.detach(), _detached(weight),
                         _detached(pos_weight), reduction_name(reduction), soc=soc, max_blocks=max_blocks)


@torch.library.impl(_lib, "bce_with_logits_target_backward", "CPU")
def _bce_with_logits_target_backward_cpu(grad_output: Tensor, input: Tensor, target: Tensor,
                                         weight: Optional[Tensor] = None, pos_weight: Optional[Tensor] = None,
                                         reduction: int = 1) -> Tensor:
    check_same_device(input, grad_output, target, weight, pos_weight)
    soc, max_blocks = _sim_options.get()
    return _sim_target_backward(grad_output.detach(), input.detach(), target.detach(), _detached(weight),
                                _detached(pos_weight), reduction_name(reduction), soc=soc, max_blocks=max_blocks)


@torch.library.register_fake("ascend_bce::bce_with_logits")
def _bce_with_logits_fake(input, target, weight=None, pos_weight=None, reduction=1):
    check_same_device(input, target, weight, pos_weight)
    shape = input.shape if reduction_name(reduction) == "none" else ()
    return input.new_empty(shape)


@torch.library.register_fake("ascend_bce::bce_with_logits_backward")
def _bce_with_logits_backward_fake(grad_output, input, target, weight=None, pos_weight=None, reduction=1):
    check_same_device(input, grad_output, target, weight, pos_weight)
    return torch.empty_like(input)


@torch.library.register_fake("ascend_bce::bce_with_logits_target_backward")
def _bce_with_logits_target_backward_fake(grad_output, input, target, weight=None, pos_weight=None, reduction=1):
    check_same_device(input, grad_output, target, weight, pos_weight)
    return torch.empty_like(target)


def _vmap_rule(op_name: str):
    """vmap of one op: one launch per batch element (every operand may carry the batch dim, and
    mean/sum reduce per element), stacked on dim 0. Exact, not fast: vmap is for per-sample
    gradients and Jacobians, not the training hot path."""
    op = getattr(torch.ops.ascend_bce, op_name).default

    def rule(info, in_dims, *args):
        tensors, reduction = list(args[:-1]), args[-1]
        moved = [t if d is None or t is None else t.movedim(d, 0) for t, d in zip(tensors, in_dims[:-1])]
        rows = [op(*[t if d is None or t is None else t[b] for t, d in zip(moved, in_dims[:-1])], reduction)
                for b in range(info.batch_size)]
        return torch.stack(rows), 0

    return rule


for _name in OPS:
    torch.library.register_vmap(f"ascend_bce::{_name}", _vmap_rule(_name))


def load_npu_library(path: Optional[str] = None) -> bool:
    """Loads the NPU kernels (PrivateUse1 implementations of the ops) once; returns whether they
    are loaded. Looks at `path`, then $ASCEND_BCE_NPU_LIB, then next to this package."""
    global _npu_loaded
    if _npu_loaded:
        return True
    package_dir = pathlib.Path(__file__).resolve().parent.parent
    candidates = [path, os.environ.get(NPU_LIBRARY_ENV), str(package_dir / NPU_LIBRARY_NAME)]
    for candidate in candidates:
        if candidate and pathlib.Path(candidate).is_file():
            import torch_npu  # noqa: F401  (registers the NPU device before our kernels)

            torch.ops.load_library(candidate)
            _npu_loaded = True
            return True
    return False


_npu_loaded = False


def check_kernel_device(input: Tensor) -> None:
    """CPU tensors run in the simulator; NPU tensors need the NPU library; nothing else has a kernel."""
    if input.device.type == "cpu":
        return
    if input.device.type == "npu" and load_npu_library():
        return
    raise RuntimeError(
        f"ascend_bce: no kernel for device '{input.device.type}': CPU tensors run in the simulator; "
        f"NPU tensors need {NPU_LIBRARY_NAME} (build it with scripts/build_npu.sh on an Atlas A2 host, "
        f"or point ${NPU_LIBRARY_ENV} at it)"
    )
