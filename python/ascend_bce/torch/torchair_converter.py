"""torchair converters (GE graph mode, ``max-autotune``): the ``ascend_bce`` torch ops as the op
package's Ascend IR, ``BceWithLogits`` and ``BceWithLogitsGrad`` (op_host/opp/README.md; CANN's op
build generates the IR registration from the OpDef along with the aclnn API).

Registered by ``register()``, which ``ascend_bce.torch`` calls at import: it imports torchair only
when it is installed and registers nothing otherwise. The argument mapping is plain functions of a
``ge`` module (``torchair.ge``: ``custom_op``, ``attr.Int``, ``attr.Bool``), so that it is tested
here without torchair.
"""
from __future__ import annotations

import importlib.util
from typing import Any, Callable, Dict, Optional

import torch

FORWARD_IR = "BceWithLogits"
GRAD_IR = "BceWithLogitsGrad"


def forward_ir(ge: Any, input: Any, target: Any, weight: Optional[Any], pos_weight: Optional[Any],
               reduction: int) -> Any:
    """BceWithLogits(x, target, weight?, pos_weight?; reduction) -> y. ``None`` leaves an optional
    input out, as the IR's OPTIONAL_INPUT allows."""
    return ge.custom_op(FORWARD_IR,
                        inputs={"x": input, "target": target, "weight": weight, "pos_weight": pos_weight},
                        attrs={"reduction": ge.attr.Int(reduction)},
                        outputs=["y"])


def grad_ir(ge: Any, grad_output: Any, input: Any, target: Any, weight: Optional[Any], pos_weight: Optional[Any],
            reduction: int, grad_target: bool) -> Any:
    """BceWithLogitsGrad(x, target, weight?, pos_weight?, grad_output; reduction, grad_target) -> grad:
    dL/dinput, or dL/dtarget when grad_target (one kernel, two modes)."""
    return ge.custom_op(GRAD_IR,
                        inputs={"x": input, "target": target, "weight": weight, "pos_weight": pos_weight,
                                "grad_output": grad_output},
                        attrs={"reduction": ge.attr.Int(reduction), "grad_target": ge.attr.Bool(grad_target)},
                        outputs=["grad"])


def converters(ge: Any) -> Dict[Any, Callable[..., Any]]:
    """The converter of each op overload, in the torch schema's argument order (torchair passes
    ``meta_outputs`` too)."""
    def forward(input, target, weight=None, pos_weight=None, reduction=1, meta_outputs=None):
        return forward_ir(ge, input, target, weight, pos_weight, reduction)

    def backward(grad_output, input, target, weight=None, pos_weight=None, reduction=1, meta_outputs=None):
        return grad_ir(ge, grad_output, input, target, weight, pos_weight, reduction, False)

    def target_backward(grad_output, input, target, weight=None, pos_weight=None, reduction=1, meta_outputs=None):
        return grad_ir(ge, grad_output, input, target, weight, pos_weight, reduction, True)

    ops = torch.ops.ascend_bce
    return {ops.bce_with_logits.default: forward, ops.bce_with_logits_backward.default: backward,
            ops.bce_with_logits_target_backward.default: target_backward}


def register() -> bool:
    """Registers the converters with torchair if it is installed; False (and nothing imported or
    registered) otherwise."""
    if importlib.util.find_spec("torchair") is None:
        return False
    try:
        import torchair
    except ImportError:  # installed without what it needs (torch_npu): nothing to convert for
        return False

    for op, converter in converters(torchair.ge).items():
        torchair.register_fx_node_ge_converter(op)(converter)
    return True
