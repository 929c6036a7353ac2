"""MindSpore binding: ``BCEWithLogitsLoss`` (an ``nn.Cell`` with ``mindspore.mint.nn``'s signature)
and ``binary_cross_entropy_with_logits``, differentiable through MindSpore's autodiff.

Each call is one ``ops.Custom`` primitive whose bprop runs the backward kernel (dL/dinput and
dL/dtarget; weight and pos_weight get zeros, as MindSpore's own bprop of this loss gives them).
On the CPU target the kernels run in the CPU simulator (``func_type="pyfunc"``), in PyNative and
in graph mode. On the Ascend target (Atlas A2) they run on the NPU as CustomOpBuilder ops, in
PyNative mode only (``_mindspore_ascend``: what to build, and the errors when it is not built).
Other targets raise instead of silently running elsewhere.
"""
from __future__ import annotations

import functools
from typing import Any, Callable, Optional

import mindspore
import ml_dtypes
import numpy as np
from mindspore import nn, ops

from . import _C
from ._dtypes import check_reduction
from ._frameworks import from_mindspore_numpy
# The launches themselves: the primitives' infer functions have already validated the call.
from .functional import SOCS, _launch, _launch_grad

_SOC = SOCS[0]  # the simulated preset (the numbers do not depend on it)

_DTYPES = (mindspore.float32, mindspore.float16, mindspore.bfloat16)
_FN = "ascend_bce.mindspore.binary_cross_entropy_with_logits"


def _check_target() -> str:
    """The device target, "CPU" or "Ascend"; NotImplementedError for any other."""
    device = mindspore.get_context("device_target")
    if device not in ("CPU", "Ascend"):
        raise NotImplementedError(
            f"{_FN}: device_target '{device}' is not supported; the kernels run on the CPU target "
            "(in the simulator) and on the Ascend target (Atlas A2)."
        )
    return device


def _validate(input: mindspore.Tensor, target: mindspore.Tensor, weight: Optional[mindspore.Tensor],
              pos_weight: Optional[mindspore.Tensor]) -> None:
    """The Ascend path's argument checks, with the CPU path's errors (its infer functions): TypeError
    for dtypes, ValueError for shapes."""
    operands = [t for t in (weight, pos_weight) if t is not None]
    _infer_dtype(input.dtype, target.dtype, *[t.dtype for t in operands])
    _C.host.validate_shapes(list(input.shape), list(target.shape),
                            None if weight is None else list(weight.shape),
                            None if pos_weight is None else list(pos_weight.shape))


def _ascend_loss(reduction: str, has_weight: bool, has_pos_weight: bool) -> nn.Cell:
    """The Ascend path's cell (imported only there: it builds and loads the NPU ops)."""
    from . import _mindspore_ascend

    cell = _mindspore_ascend.loss_cell(reduction, has_weight, has_pos_weight, _validate)
    _mindspore_ascend.check_pynative()  # GRAPH_MODE: refuse here, before anything is compiled
    return cell


def _wire(array: np.ndarray) -> np.ndarray:
    """A kernel result as the pyfunc returns it: MindSpore's pyfunc cannot return bf16, so bf16
    travels as float32 (exact) and is cast back outside."""
    return array.astype(np.float32) if array.dtype == np.dtype(ml_dtypes.bfloat16) else array


def _element(dtype: Any) -> Any:
    """The element dtype of what an infer function receives (a TensorType such as Tensor[Float32])."""
    return dtype.element_type() if hasattr(dtype, "element_type") else dtype


def _wire_dtype(dtype: Any) -> Any:
    dtype = _element(dtype)
    return mindspore.float32 if dtype == mindspore.bfloat16 else dtype


def _split(arrays: tuple, has_weight: bool, has_pos_weight: bool):
    """(x, y, weight or None, pos_weight or None) from the primitive's inputs, as NumPy arrays."""
    arrays = [np.ascontiguousarray(from_mindspore_numpy(np.asarray(a))) for a in arrays]
    x, y = arrays[0], arrays[1]
    rest = iter(arrays[2:])
    w = next(rest) if has_weight else None
    pw = next(rest) if has_pos_weight else None
    return x, y, w, pw


def _infer_shape(reduction: str, has_weight: bool, has_pos_weight: bool) -> Callable:
    def infer(input_shape, target_shape, *operand_shapes):
        shapes = iter(operand_shapes)
        w = list(next(shapes)) if has_weight else None
        pw = list(next(shapes)) if has_pos_weight else None
        _C.host.validate_shapes(list(input_shape), list(target_shape), w, pw)
        # mean/sum travel as [1]: graph mode never runs the bprop of a 0-d pyfunc output (its
        # gradients come out as silent zeros); _finish() makes the result 0-d.
        return list(input_shape) if reduction == "none" else [1]
    return infer


def _infer_dtype(input_dtype, target_dtype, *operand_dtypes):
    input_dtype, target_dtype = _element(input_dtype), _element(target_dtype)
    operand_dtypes = [_element(d) for d in operand_dtypes]
    for name, dtype in (("input", input_dtype), ("target", target_dtype)):
        if dtype not in _DTYPES:
            raise TypeError(f"{_FN}(): expected '{name}' of dtype float32, float16 or bfloat16, but got {dtype}")
    if target_dtype != input_dtype:
        raise TypeError(f"{_FN}(): expected 'target' of dtype {input_dtype} (the dtype of 'input'), "
                        f"but got {target_dtype}")
    for dtype in operand_dtypes:
        if dtype not in _DTYPES:
            raise TypeError(f"{_FN}(): expected 'weight'/'pos_weight' of dtype float32, float16 or bfloat16, "
                            f"but got {dtype}")
    return _wire_dtype(input_dtype)


# The backward primitives take (grad_output, input, target, operands...) and return input's shape.
def _grad_infer_shape(grad_output_shape, input_shape, *other_shapes):
    return list(input_shape)


def _grad_infer_dtype(grad_output_dtype, input_dtype, *other_dtypes):
    return _wire_dtype(input_dtype)


def _with_arity(count: int, fn: Callable) -> Callable:
    """fn behind a signature of exactly `count` positional parameters: MindSpore takes a pyfunc's
    input count from its signature and rejects *args."""
    if count == 2:
        def fixed(a, b):
            return fn(a, b)
    elif count == 3:
        def fixed(a, b, c):
            return fn(a, b, c)
    elif count == 4:
        def fixed(a, b, c, d):
            return fn(a, b, c, d)
    elif count == 5:
        def fixed(a, b, c, d, e):
            return fn(a, b, c, d, e)
    else:
        raise ValueError(f"no fixed-arity wrapper for {count} inputs")
    return fixed


@functools.lru_cache(maxsize=None)
def _primitive(reduction: str, has_weight: bool, has_pos_weight: bool) -> ops.Custom:
    """The forward primitive for one signature (which operands are present), with its bprop."""
    num_inputs = 2 + int(has_weight) + int(has_pos_weight)

    def forward(*arrays):
        x, y, w, pw = _split(arrays, has_weight, has_pos_weight)
        out = _launch(x, y, w, pw, reduction, _SOC, None)
        return _wire(out if reduction == "none" else out.reshape(1))

    def backward_with(kernel: str):
        def run(grad_output, *arrays):
            x, y, w, pw = _split(arrays, has_weight, has_pos_weight)
            g = np.ascontiguousarray(from_mindspore_numpy(np.asarray(grad_output)).astype(x.dtype))  # exact
            return _wire(_launch_grad(kernel, g, x, y, w, pw, reduction, _SOC, None))
        return run

    grad_input = ops.Custom(_with_arity(num_inputs + 1, backward_with("backward")), out_shape=_grad_infer_shape,
                            out_dtype=_grad_infer_dtype, func_type="pyfunc")
    grad_target = ops.Custom(_with_arity(num_inputs + 1, backward_with("backward_target")),
                             out_shape=_grad_infer_shape, out_dtype=_grad_infer_dtype, func_type="pyfunc")

    return ops.Custom(_with_arity(num_inputs, forward),
                      out_shape=_infer_shape(reduction, has_weight, has_pos_weight),
                      out_dtype=_infer_dtype, func_type="pyfunc", bprop=_BPROPS[num_inputs](grad_input, grad_target))


# The bprops, one per input count. Graph mode compiles them from source: explicit parameters,
# no *args, slicing or generators. dout goes to the kernels in float32, which holds any fp16/bf16
# value exactly (and pyfunc cannot take a 0-d bf16 input); weight and pos_weight get zeros.
def _bprop_xy(grad_input: ops.Custom, grad_target: ops.Custom) -> Callable:
    def bprop(x, y, out, dout):
        d = ops.cast(dout, mindspore.float32)
        return ops.cast(grad_input(d, x, y), x.dtype), ops.cast(grad_target(d, x, y), x.dtype)
    return bprop


def _bprop_xyo(grad_input: ops.Custom, grad_target: ops.Custom) -> Callable:
    def bprop(x, y, o, out, dout):
        d = ops.cast(dout, mindspore.float32)
        return (ops.cast(grad_input(d, x, y, o), x.dtype), ops.cast(grad_target(d, x, y, o), x.dtype),
                ops.zeros_like(o))
    return bprop


def _bprop_xyoo(grad_input: ops.Custom, grad_target: ops.Custom) -> Callable:
    def bprop(x, y, o1, o2, out, dout):
        d = ops.cast(dout, mindspore.float32)
        return (ops.cast(grad_input(d, x, y, o1, o2), x.dtype), ops.cast(grad_target(d, x, y, o1, o2), x.dtype),
                ops.zeros_like(o1), ops.zeros_like(o2))
    return bprop


_BPROPS = {2: _bprop_xy, 3: _bprop_xyo, 4: _bprop_xyoo}


def _finish(out: mindspore.Tensor, input: mindspore.Tensor, reduction: str) -> mindspore.Tensor:
    """The primitive's output as the loss: the input's dtype (bf16 travels as float32) and, for
    mean/sum, 0-d (it travels as [1]). Reshape first: the CPU Reshape kernel has no bf16."""
    if reduction != "none":
        out = ops.reshape(out, ())
    return ops.cast(out, input.dtype)


def binary_cross_entropy_with_logits(input: mindspore.Tensor, target: mindspore.Tensor,
                                     weight: Optional[mindspore.Tensor] = None, reduction: str = "mean",
                                     pos_weight: Optional[mindspore.Tensor] = None) -> mindspore.Tensor:
    """``mindspore.mint.nn.functional.binary_cross_entropy_with_logits`` through the fused kernels."""
    check_reduction(reduction)
    operands = tuple(t for t in (weight, pos_weight) if t is not None)
    if _check_target() == "Ascend":
        return _ascend_loss(reduction, weight is not None, pos_weight is not None)(input, target, *operands)
    return _finish(_primitive(reduction, weight is not None, pos_weight is not None)(input, target, *operands),
                   input, reduction)


class BCEWithLogitsLoss(nn.Cell):
    """Drop-in for ``mindspore.mint.nn.BCEWithLogitsLoss(weight=None, reduction='mean',
    pos_weight=None)``, running the fused kernels."""

    def __init__(self, weight: Optional[mindspore.Tensor] = None, reduction: str = "mean",
                 pos_weight: Optional[mindspore.Tensor] = None) -> None:
        super().__init__()
        check_reduction(reduction)
        self._on_ascend = _check_target() == "Ascend"
        self.reduction = reduction
        self.weight = weight
        self.pos_weight = pos_weight
        if self._on_ascend:  # the cell's output is already the loss (0-d for mean/sum, input dtype)
            self._op = _ascend_loss(reduction, weight is not None, pos_weight is not None)
        else:
            self._op = _primitive(reduction, weight is not None, pos_weight is not None)
        self._operands = tuple(t for t in (weight, pos_weight) if t is not None)

    def construct(self, input: mindspore.Tensor, target: mindspore.Tensor) -> mindspore.Tensor:
        out = self._op(input, target, *self._operands)
        return out if self._on_ascend else _finish(out, input, self.reduction)

    def extend_repr(self) -> str:
        return f"reduction={self.reduction}"


__all__ = ["BCEWithLogitsLoss", "binary_cross_entropy_with_logits"]
