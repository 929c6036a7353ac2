"""The CPU target's primitives: one ``ops.Custom`` pyfunc per call signature that launches the
forward kernel in the simulator, with a bprop of two backward launches (dL/dinput, dL/dtarget;
weight and pos_weight get zeros, as MindSpore's own bprop of this loss gives them).

A signature is (reduction, the kernel dtype of input and target, the dtype of weight and of
pos_weight or None when absent). The dtypes are part of it because a pyfunc receives a 0-d
tensor as a Python float: the declared dtype is what turns it back into the kernel's array.
MindSpore 2.10 cannot compile a pyfunc Custom op with dynamic shapes (it fails inside the
framework), so the infer function refuses -1 dims and dynamic rank with a clear error.
"""
from __future__ import annotations

import functools
from typing import Any, Callable, Optional

import mindspore
import ml_dtypes
import numpy as np
from mindspore import ops

from .. import _C
from .._dtypes import NUMPY_DTYPES
from .._frameworks import from_mindspore_numpy
from ..functional import SOCS, _launch, _launch_grad

_SOC = SOCS[0]  # the simulated preset (the numbers do not depend on it)


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


def _array(value: Any, dtype_name: str) -> np.ndarray:
    """One pyfunc input as the kernel's array: 0-d tensors arrive as Python floats (exactly the
    tensor's value), anything else as a NumPy array (bf16 in MindSpore's own NumPy dtype)."""
    if isinstance(value, np.ndarray):
        return np.ascontiguousarray(from_mindspore_numpy(value))
    return np.asarray(value, dtype=NUMPY_DTYPES[dtype_name])


def _is_static(shape: Any) -> bool:
    return all(d >= 0 for d in shape)  # -1: dynamic dim, [-2]: dynamic rank


def _infer_shape(reduction: str, has_weight: bool, has_pos_weight: bool) -> Callable:
    def infer(input_shape, target_shape, *operand_shapes):
        shapes = iter(operand_shapes)
        w = list(next(shapes)) if has_weight else None
        pw = list(next(shapes)) if has_pos_weight else None
        if not all(_is_static(s) for s in (input_shape, target_shape, w or [], pw or [])):
            raise NotImplementedError(
                "ascend_bce.mindspore: dynamic shapes (Cell.set_inputs with None dims or rank) are not "
                f"supported on the CPU target (got input shape {list(input_shape)}): MindSpore's pyfunc "
                "Custom ops, which run the simulator, compile only static shapes; use static shapes or "
                "PyNative mode")
        _C.host.validate_shapes(list(input_shape), list(target_shape), w, pw)
        # mean/sum travel as [1]: graph mode never runs the bprop of a 0-d pyfunc output (its
        # gradients come out as silent zeros); the caller makes the result 0-d.
        return list(input_shape) if reduction == "none" else [1]
    return infer


def _infer_dtype(input_dtype, *other_dtypes):
    return _wire_dtype(input_dtype)  # the caller has checked and unified the dtypes


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
def primitive(reduction: str, dtype: str, weight_dtype: Optional[str], pos_weight_dtype: Optional[str]) -> ops.Custom:
    """The forward primitive for one signature, with its bprop. Inputs: (input, target, weight?,
    pos_weight?), input and target of kernel dtype `dtype` ('float32' | 'float16' | 'bfloat16')."""
    has_weight, has_pos_weight = weight_dtype is not None, pos_weight_dtype is not None
    num_inputs = 2 + int(has_weight) + int(has_pos_weight)
    dtypes = [dtype, dtype] + [d for d in (weight_dtype, pos_weight_dtype) if d is not None]

    def split(arrays: tuple):
        arrays = [_array(a, d) for a, d in zip(arrays, dtypes)]
        rest = iter(arrays[2:])
        return arrays[0], arrays[1], next(rest) if has_weight else None, next(rest) if has_pos_weight else None

    def forward(*arrays):
        x, y, w, pw = split(arrays)
        out = _launch(x, y, w, pw, reduction, _SOC, None)
        return _wire(out if reduction == "none" else out.reshape(1))

    def backward_with(kernel: str):
        def run(grad_output, *arrays):
            x, y, w, pw = split(arrays)
            g = np.ascontiguousarray(_array(grad_output, "float32").astype(x.dtype))  # exact
            return _wire(_launch_grad(kernel, g, x, y, w, pw, reduction, _SOC, None))
        return run

    grad_input, grad_target = (
        ops.Custom(_with_arity(num_inputs + 1, backward_with(kernel)), out_shape=_grad_infer_shape,
                   out_dtype=_grad_infer_dtype, func_type="pyfunc")
        for kernel in ("backward", "backward_target"))
    return ops.Custom(_with_arity(num_inputs, forward), out_shape=_infer_shape(reduction, has_weight, has_pos_weight),
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
