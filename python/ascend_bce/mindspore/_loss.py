"""``binary_cross_entropy_with_logits`` and ``BCEWithLogitsLoss``: argument checks, mint's dtype
promotion, 0-d and empty inputs, and the dispatch to the CPU primitive or the Ascend cell.

Everything here compiles in GRAPH_MODE and under ``mindspore.jit``: what depends only on
constants (the device target, dtypes, static shapes, which operands are present) is decided in
``constexpr`` helpers, which run in Python at compile time (and directly in PyNative); the rest
is plain tensor code with branches on constants.
"""
from __future__ import annotations

from typing import Any, Optional

import mindspore
from mindspore import Tensor, nn, ops
from mindspore.ops import constexpr

from .. import _C
from .._dtypes import check_reduction
from ._aot import primitive

_FN = "ascend_bce.mindspore.binary_cross_entropy_with_logits"
_KERNEL_DTYPES = ((mindspore.float32, "float32"), (mindspore.float16, "float16"), (mindspore.bfloat16, "bfloat16"))


def _check_target() -> str:
    """The device target, "CPU" or "Ascend"; NotImplementedError for any other."""
    device = mindspore.get_context("device_target")
    if device not in ("CPU", "Ascend"):
        raise NotImplementedError(
            f"{_FN}: device_target '{device}' is not supported; the kernels run on the CPU target "
            "(in the simulator) and on the Ascend target (Atlas A2)."
        )
    return device


def _kernel_dtype(name: str, dtype: Any) -> str:
    for ms_dtype, kernel_name in _KERNEL_DTYPES:
        if dtype == ms_dtype:
            return kernel_name
    raise TypeError(f"{_FN}(): expected '{name}' of dtype float32, float16 or bfloat16, but got {dtype}")


def _static(shape: Any) -> bool:
    """A shape known at compile time (graph mode passes None for dynamic dims and dynamic rank)."""
    return shape is not None and all(d is not None and d >= 0 for d in shape)


@constexpr
def _plan(reduction: Any, input_dtype: Any, target_dtype: Any, weight_dtype: Any, pos_weight_dtype: Any) -> str:
    """The kernel dtype of input and target; weight's and pos_weight's are checked (the kernels
    read any of the three float dtypes for them, each its own). As mint: a target of
    another floating dtype is accepted and the loss has the target's dtype; mixed input/target are
    computed in float32, which holds both exactly (the kernel computes in float32 anyway, so the
    loss is the float32 result rounded once)."""
    check_reduction(reduction)
    x, y = _kernel_dtype("input", input_dtype), _kernel_dtype("target", target_dtype)
    if weight_dtype is not None:
        _kernel_dtype("weight", weight_dtype)
    if pos_weight_dtype is not None:
        _kernel_dtype("pos_weight", pos_weight_dtype)
    return x if x == y else "float32"


@constexpr
def _ms_dtype(name: Optional[str]) -> Any:
    return None if name is None else dict((n, d) for d, n in _KERNEL_DTYPES)[name]


@constexpr
def _check_shapes(input_shape: Any, target_shape: Any, weight_shape: Any, pos_weight_shape: Any) -> bool:
    """ValueError for shapes that do not fit; dynamic shapes are checked when the kernel runs."""
    shapes = (input_shape, target_shape, weight_shape or (), pos_weight_shape or ())
    if all(_static(s) for s in shapes):
        _C.host.validate_shapes(list(input_shape), list(target_shape),
                                None if weight_shape is None else list(weight_shape),
                                None if pos_weight_shape is None else list(pos_weight_shape))
    return True


@constexpr
def _is_empty(shape: Any) -> bool:
    if not _static(shape):
        return False
    return any(d == 0 for d in shape)


@constexpr
def _cpu_primitive(reduction: str, has_weight: bool, has_pos_weight: bool):
    return primitive(reduction, has_weight, has_pos_weight)


@constexpr
def _device_target() -> str:
    return _check_target()


def _validate(input: Tensor, target: Tensor, weight: Optional[Tensor], pos_weight: Optional[Tensor]) -> None:
    """The Ascend cell's checks (it receives input and target already in one dtype)."""
    _plan("mean", input.dtype, target.dtype, None if weight is None else weight.dtype,
          None if pos_weight is None else pos_weight.dtype)
    _check_shapes(input.shape, target.shape, None if weight is None else weight.shape,
                  None if pos_weight is None else pos_weight.shape)


@constexpr
def _ascend_cell(reduction: str, has_weight: bool, has_pos_weight: bool) -> nn.Cell:
    """The Ascend route's Cell, chosen at construction or compile time from what is installed:
    the op package's aclnn ops (GRAPH_MODE, jit and PyNative) when MindSpore can find them, else
    the kernel-launch CustomOpBuilder ops (PyNative only: AscendUnavailableError in graph mode,
    at compile time). Imported only here: they build and load NPU code."""
    from . import _aclnn

    if _aclnn.package_installed():
        return _aclnn.loss_cell(reduction, has_weight, has_pos_weight)
    from .. import _mindspore_ascend

    cell = _mindspore_ascend.loss_cell(reduction, has_weight, has_pos_weight, _validate)
    _mindspore_ascend.check_pynative()
    return cell


def _call(op: Any, x: Tensor, y: Tensor, weight: Optional[Tensor], pos_weight: Optional[Tensor]) -> Tensor:
    """op(x, y, the operands present): graph mode compiles branches on None, not *args of a tuple."""
    if weight is None:
        if pos_weight is None:
            return op(x, y)
        return op(x, y, pos_weight)
    if pos_weight is None:
        return op(x, y, weight)
    return op(x, y, weight, pos_weight)


def _cast(t: Tensor, dtype: Any) -> Tensor:
    return t if t.dtype == dtype else ops.cast(t, dtype)


def _empty_loss(input: Tensor, reduction: str, dtype: Any) -> Tensor:
    """mint's values for an empty input, without a launch: none -> empty, mean -> NaN, sum -> 0."""
    if reduction == "none":
        return ops.zeros(input.shape, dtype)
    return ops.full((), float("nan") if reduction == "mean" else 0.0, dtype=dtype)


def _check_tensors(input: Any, target: Any, weight: Any, pos_weight: Any) -> None:
    if not isinstance(input, Tensor):
        raise TypeError(f"{_FN}(): argument 'input' must be a mindspore.Tensor, not {type(input).__name__}")
    if not isinstance(target, Tensor):
        raise TypeError(f"{_FN}(): argument 'target' must be a mindspore.Tensor, not {type(target).__name__}")
    if weight is not None and not isinstance(weight, Tensor):
        raise TypeError(f"{_FN}(): argument 'weight' must be a mindspore.Tensor or None, "
                        f"not {type(weight).__name__}")
    if pos_weight is not None and not isinstance(pos_weight, Tensor):
        raise TypeError(f"{_FN}(): argument 'pos_weight' must be a mindspore.Tensor or None, "
                        f"not {type(pos_weight).__name__}")


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight: Optional[Tensor] = None,
                                     reduction: str = "mean", pos_weight: Optional[Tensor] = None) -> Tensor:
    """``mindspore.mint.nn.functional.binary_cross_entropy_with_logits`` through the fused kernels,
    in PyNative, GRAPH_MODE and ``mindspore.jit``."""
    _check_tensors(input, target, weight, pos_weight)
    dtype = _plan(reduction, input.dtype, target.dtype, None if weight is None else weight.dtype,
                  None if pos_weight is None else pos_weight.dtype)
    _check_shapes(input.shape, target.shape, None if weight is None else weight.shape,
                  None if pos_weight is None else pos_weight.shape)
    if _is_empty(input.shape):
        return _empty_loss(input, reduction, target.dtype)
    x, y = _cast(input, _ms_dtype(dtype)), _cast(target, _ms_dtype(dtype))
    if _device_target() == "Ascend":
        out = _call(_ascend_cell(reduction, weight is not None, pos_weight is not None), x, y, weight, pos_weight)
    else:
        out = _call(_cpu_primitive(reduction, weight is not None, pos_weight is not None), x, y, weight, pos_weight)
    return out if out.dtype == target.dtype else ops.cast(out, target.dtype)


class BCEWithLogitsLoss(nn.Cell):
    """Drop-in for ``mindspore.mint.nn.BCEWithLogitsLoss(weight=None, reduction='mean',
    pos_weight=None)``, running the fused kernels."""

    def __init__(self, weight: Optional[Tensor] = None, reduction: str = "mean",
                 pos_weight: Optional[Tensor] = None) -> None:
        super().__init__()
        check_reduction(reduction)
        _check_tensors(Tensor(0.0), Tensor(0.0), weight, pos_weight)
        if _check_target() == "Ascend":  # build (or refuse) now, not at the first call
            _ascend_cell(reduction, weight is not None, pos_weight is not None)
        self.reduction = reduction
        self.weight = weight
        self.pos_weight = pos_weight

    def construct(self, input: Tensor, target: Tensor) -> Tensor:
        return binary_cross_entropy_with_logits(input, target, self.weight, self.reduction, self.pos_weight)

    def extend_repr(self) -> str:
        return f"reduction={self.reduction}"
