"""The Ascend target through the installed op package: MindSpore ``ops.Custom(func_type="aot")`` on
the generated ``aclnnBceWithLogits`` / ``aclnnBceWithLogitsGrad`` (op_host/opp/README.md), which
MindSpore compiles into GRAPH_MODE and ``jit`` graphs and also runs in PyNative.

MindSpore's aclnn route (its ``CustomV2AclnnKernelMod``) reads the parameter types of
``aclnn<Op>GetWorkspaceSize`` from the installed header and passes the Custom op's inputs to it in
order: tensors as ``aclTensor*`` (a ``None`` input as ``nullptr``, which is how the package's
OPTIONAL ``weight``/``pos_weight`` are left out), then the attributes, declared in the reg info
and given as call inputs (``reduction`` int, ``grad_target`` bool). So one primitive per op with
the full parameter list, and ``None`` for an absent operand.

Gradients: a Cell per operand count whose ``bprop`` launches ``aclnnBceWithLogitsGrad`` twice
(dL/dinput, dL/dtarget); weight and pos_weight get zeros, as on the CPU target. The Cells take only
the tensors present (a bprop must return one gradient per input; ``None`` inputs have none).

Which primitive is built is one function, ``make_primitive``, so that the tests here can run this
whole route with the CPU target's aot ops standing in for the aclnn ones.
"""
from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any, Callable, List

from mindspore import nn, ops
from mindspore.ops import CustomRegOp, DataType

from .._dtypes import REDUCTION_CODES

FORWARD_OP = "aclnnBceWithLogits"
GRAD_OP = "aclnnBceWithLogitsGrad"
VENDOR = "ascend_bce"
# The headers MindSpore reads the aclnn parameter types from (CustomInfoGenerator's file names).
HEADERS = ("aclnn_bce_with_logits.h", "aclnn_bce_with_logits_grad.h")
CUSTOM_OPP_ENV = "ASCEND_CUSTOM_OPP_PATH"
OPP_ENV = "ASCEND_OPP_PATH"


def header_dirs() -> List[Path]:
    """Where MindSpore looks for a custom aclnn header, in its order: each $ASCEND_CUSTOM_OPP_PATH
    entry's op_api/include, then $ASCEND_OPP_PATH/vendors/<vendor>/op_api/include."""
    dirs = [Path(p) / "op_api" / "include" for p in os.environ.get(CUSTOM_OPP_ENV, "").split(":") if p]
    opp = os.environ.get(OPP_ENV)
    if opp:
        dirs.append(Path(opp) / "vendors" / VENDOR / "op_api" / "include")
    return dirs


def package_installed() -> bool:
    """The op package's aclnn headers are where MindSpore finds them (the Ascend route then runs
    through it in every mode)."""
    return any(all((d / h).is_file() for h in HEADERS) for d in header_dirs())


def _reg_info(name: str, tensors: List[str], attrs: List[tuple]) -> dict:
    """Ascend reg info in the aclnn parameter order: tensors (x and target required, the others
    optional), the attributes, one output. Any dtype per tensor: the package's OpDef lists its
    dtype combinations and its TilingFunc checks them."""
    info = CustomRegOp(name)
    for index, tensor in enumerate(tensors):
        info = info.input(index, tensor, "optional" if tensor in ("weight", "pos_weight") else "required")
    for attr, value_type in attrs:
        info = info.attr(attr, "required", value_type)
    info = info.output(0, "out", "required")
    return info.dtype_format(*([DataType.None_None] * (len(tensors) + 1))).target("Ascend").get_op_info()


def forward_reg_info() -> dict:
    return _reg_info(FORWARD_OP, ["x", "target", "weight", "pos_weight"], [("reduction", "int")])


def grad_reg_info() -> dict:
    return _reg_info(GRAD_OP, ["x", "target", "weight", "pos_weight", "grad_output"],
                     [("reduction", "int"), ("grad_target", "bool")])


def _forward_shape(reduction: str) -> Callable:
    def infer(x, target, weight, pos_weight, reduction_code):
        return list(x) if reduction == "none" else []  # the package's InferShape rule
    return infer


def _grad_shape(x, target, weight, pos_weight, grad_output, reduction_code, grad_target):
    return list(x)


def _first_dtype(x, *others):
    return x  # x, target, out (and grad_output) share one dtype


def make_primitive(name: str, out_shape: Callable, reg_info: dict) -> Any:
    """The aclnn op as MindSpore's Custom primitive (replaced by stand-ins in the tests)."""
    return ops.Custom(name, out_shape=out_shape, out_dtype=_first_dtype, func_type="aot", reg_info=reg_info)


@functools.lru_cache(maxsize=None)
def primitives(reduction: str) -> tuple:
    """(forward, grad) for one reduction (the forward's output shape depends on it)."""
    return (make_primitive(FORWARD_OP, _forward_shape(reduction), forward_reg_info()),
            make_primitive(GRAD_OP, _grad_shape, grad_reg_info()))


class _AclnnLoss(nn.Cell):
    """Shared part of the per-operand-count Cells: the launches."""

    def __init__(self, reduction: str, has_weight: bool, has_pos_weight: bool) -> None:
        super().__init__()
        self.forward_op, self.grad_op = primitives(reduction)
        self.code = REDUCTION_CODES[reduction]
        self.has_weight = has_weight
        self.has_pos_weight = has_pos_weight

    def loss(self, x, y, w, pw):
        return self.forward_op(x, y, w, pw, self.code)

    def grads(self, x, y, w, pw, dout):
        g = ops.cast(dout, x.dtype)  # the kernels' rule: grad_output in the input's dtype
        return (self.grad_op(x, y, w, pw, g, self.code, False), self.grad_op(x, y, w, pw, g, self.code, True))


class AclnnLossXY(_AclnnLoss):
    def construct(self, x, y):
        return self.loss(x, y, None, None)

    def bprop(self, x, y, out, dout):
        return self.grads(x, y, None, None, dout)


class AclnnLossXYO(_AclnnLoss):
    """One operand: weight or pos_weight, as constructed."""

    def construct(self, x, y, o):
        if self.has_weight:
            return self.loss(x, y, o, None)
        return self.loss(x, y, None, o)

    def bprop(self, x, y, o, out, dout):
        if self.has_weight:
            dx, dy = self.grads(x, y, o, None, dout)
        else:
            dx, dy = self.grads(x, y, None, o, dout)
        return dx, dy, ops.zeros_like(o)


class AclnnLossXYOO(_AclnnLoss):
    def construct(self, x, y, w, pw):
        return self.loss(x, y, w, pw)

    def bprop(self, x, y, w, pw, out, dout):
        dx, dy = self.grads(x, y, w, pw, dout)
        return dx, dy, ops.zeros_like(w), ops.zeros_like(pw)


@functools.lru_cache(maxsize=None)
def loss_cell(reduction: str, has_weight: bool, has_pos_weight: bool) -> nn.Cell:
    """The (stateless) Cell for one signature: inputs (input, target, the operands present)."""
    cls = (AclnnLossXY, AclnnLossXYO, AclnnLossXYOO)[int(has_weight) + int(has_pos_weight)]
    return cls(reduction, has_weight, has_pos_weight)
