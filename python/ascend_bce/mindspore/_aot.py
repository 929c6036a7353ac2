"""The CPU target's primitives: MindSpore ``func_type="aot"`` custom ops whose library is our own
extension ``ascend_bce._C`` (``csrc/mindspore_aot.cpp``), which runs the kernels in the simulator.

They stand in for the op package's ``aclnnBceWithLogits`` / ``aclnnBceWithLogitsGrad`` on the
Ascend target (``_aclnn``): the same operands in the same order (x, target, weight?, pos_weight?,
[grad_output]), a forward with a bprop of two backward launches (dL/dinput, dL/dtarget; weight and
pos_weight get zeros, as MindSpore's own bprop of this loss gives them), compiled by MindSpore into
GRAPH_MODE and ``jit`` graphs like any aot op. Each entry point has a C++ infer-shape function
(``<entry>InferShape``), which is what lets GRAPH_MODE compile dynamic shapes (``Cell.set_inputs``
with ``None`` dims or rank): MindSpore calls it again with the real shapes before each launch.

One entry point per (kernel, reduction, operands present): the aot calling convention carries no
attributes or absent inputs. Dtypes travel with each call (the kernels read mixed operand dtypes).
"""
from __future__ import annotations

import functools
from typing import Any, Callable

from mindspore import ops
from mindspore.ops import CustomRegOp, DataType

from .. import _C

_KINDS = {"forward": "Forward", "backward": "Backward", "backward_target": "TargetBackward"}
_REDUCTIONS = {"none": "None", "mean": "Mean", "sum": "Sum"}
_WHITE_LIST_ENV = "MS_CUSTOM_AOT_WHITE_LIST"


def entry_name(kernel: str, reduction: str, has_weight: bool, has_pos_weight: bool) -> str:
    """The exported aot function of one signature (csrc/mindspore_aot_call.cpp: AotEntryName)."""
    operands = "XY" + ("W" if has_weight else "") + ("P" if has_pos_weight else "")
    return f"BceWithLogitsAot{_KINDS[kernel]}{_REDUCTIONS[reduction]}{operands}"


def library_path() -> str:
    """The aot library: the loaded extension's own file, so MindSpore's dlopen gets this very
    module (one simulator, one Exp/Ln error model setting)."""
    return _C.__file__


def _reg_info(name: str, input_names: list) -> dict:
    """CPU registration: any dtype per input (the kernels check them), named as the aclnn API's
    parameters. MindSpore's C++ infer shape needs the registered op name."""
    info = CustomRegOp(name)
    for index, input_name in enumerate(input_names):
        info = info.input(index, input_name)
    info = info.output(0, "out").dtype_format(*([DataType.None_None] * (len(input_names) + 1))).target("CPU")
    return info.get_op_info()


def _first_dtype(dtype: Any, *other_dtypes: Any) -> Any:
    return dtype  # the caller has unified input and target; the output has their dtype


def custom_op(kernel: str, reduction: str, has_weight: bool, has_pos_weight: bool, bprop: Any = None) -> ops.Custom:
    """One entry point as a Custom op (kernel 'forward' | 'backward' | 'backward_target'); no bprop
    unless given."""
    name = entry_name(kernel, reduction, has_weight, has_pos_weight)
    input_names = (["x", "target"] + (["weight"] if has_weight else []) + (["pos_weight"] if has_pos_weight else [])
                   + ([] if kernel == "forward" else ["grad_output"]))
    try:
        return ops.Custom(f"{library_path()}:{name}", out_shape=None, out_dtype=_first_dtype, func_type="aot",
                          bprop=bprop, reg_info=_reg_info(name, input_names))
    except TypeError as error:  # MindSpore refuses aot libraries outside MS_CUSTOM_AOT_WHITE_LIST
        raise TypeError(f"ascend_bce.mindspore: the CPU target's aot ops live in {library_path()}; "
                        f"add its folder to {_WHITE_LIST_ENV} ({error})") from error


@functools.lru_cache(maxsize=None)
def primitive(reduction: str, has_weight: bool, has_pos_weight: bool) -> ops.Custom:
    """The forward op of one signature, with its bprop. Inputs: (input, target, weight?,
    pos_weight?) with input and target of one kernel dtype."""
    grad_input, grad_target = (custom_op(kernel, reduction, has_weight, has_pos_weight)
                               for kernel in ("backward", "backward_target"))
    num_operands = int(has_weight) + int(has_pos_weight)
    return custom_op("forward", reduction, has_weight, has_pos_weight, _BPROPS[num_operands](grad_input, grad_target))


# The bprops, one per operand count. Graph mode compiles them from source: explicit parameters,
# no *args. dout goes to the kernels in the input's dtype (their rule for grad_output).
def _bprop_xy(grad_input: ops.Custom, grad_target: ops.Custom) -> Callable:
    def bprop(x, y, out, dout):
        d = ops.cast(dout, x.dtype)
        return grad_input(x, y, d), grad_target(x, y, d)
    return bprop


def _bprop_xyo(grad_input: ops.Custom, grad_target: ops.Custom) -> Callable:
    def bprop(x, y, o, out, dout):
        d = ops.cast(dout, x.dtype)
        return grad_input(x, y, o, d), grad_target(x, y, o, d), ops.zeros_like(o)
    return bprop


def _bprop_xyoo(grad_input: ops.Custom, grad_target: ops.Custom) -> Callable:
    def bprop(x, y, o1, o2, out, dout):
        d = ops.cast(dout, x.dtype)
        return (grad_input(x, y, o1, o2, d), grad_target(x, y, o1, o2, d), ops.zeros_like(o1),
                ops.zeros_like(o2))
    return bprop


_BPROPS = {0: _bprop_xy, 1: _bprop_xyo, 2: _bprop_xyoo}
