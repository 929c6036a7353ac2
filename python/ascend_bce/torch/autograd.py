"""Every autodiff mode of the ops: reverse, forward (jvp), functorch transforms, double backward.

Two layers:
- ``torch.library.register_autograd`` on the ops: reverse mode for callers of
  ``torch.ops.ascend_bce.*`` and for torch.compile, which traces the ops.
- ``autograd.Function``s with ``setup_context``, ``jvp`` and ``generate_vmap_rule`` for the
  public wrappers: register_autograd has no forward mode and its generated Function is not
  functorch-compatible, so ``torch.func.jvp/grad/vjp/jacrev/jacfwd/hessian`` and
  ``torch.autograd.forward_ad`` would fail or, worse, see a zero tangent.
First-order derivatives run the backward kernels (the loss's jvp is the elementwise backward
kernel contracted with the tangent); second-order ones are torch math (grad_grad.py).
"""
from __future__ import annotations

from typing import Optional

import torch
from torch import Tensor

from ..functional import _sim_options, _simulating
from . import grad_grad
from .grad_grad import MEAN, NONE, refuse_derivatives, refuse_weight_grads

SUM = 2


def _save(ctx, tensors, reduction: int) -> None:
    ctx.set_materialize_grads(False)  # absent tangents arrive as None, not zeros (see refuse_tangents)
    ctx.save_for_backward(*tensors)
    ctx.save_for_forward(*tensors)
    ctx.reduction = reduction
    ctx.sim_options = _sim_options.get()  # the backward launches tile for the forward's SoC


def _reduce(elementwise: Tensor, reduction: int) -> Tensor:
    if reduction == NONE:
        return elementwise
    total = elementwise.sum(dtype=torch.float32)
    return (total / max(elementwise.numel(), 1) if reduction == MEAN else total).to(elementwise.dtype)


class LossFunction(torch.autograd.Function):
    """bce_with_logits(input, target, weight, pos_weight, reduction) with all autodiff modes."""

    generate_vmap_rule = True

    @staticmethod
    def forward(input, target, weight, pos_weight, reduction):
        return torch.ops.ascend_bce.bce_with_logits(input, target, weight, pos_weight, reduction)

    @staticmethod
    def setup_context(ctx, inputs, output):
        input, target, weight, pos_weight, reduction = inputs
        refuse_weight_grads(weight, pos_weight, "bce_with_logits")
        _save(ctx, (input, target, weight, pos_weight), reduction)

    @staticmethod
    def backward(ctx, grad_output):
        input, target, weight, pos_weight = ctx.saved_tensors
        grad_output = grad_output.contiguous()
        grad_input = grad_target = None
        with _simulating(*ctx.sim_options):
            if ctx.needs_input_grad[0]:
                grad_input = InputGradFunction.apply(grad_output, input, target, weight, pos_weight, ctx.reduction)
            if ctx.needs_input_grad[1]:
                grad_target = TargetGradFunction.apply(grad_output, input, target, weight, pos_weight,
                                                       ctx.reduction)
        return grad_input, grad_target, None, None, None

    @staticmethod
    def jvp(ctx, input_t, target_t, weight_t, pos_weight_t, _):
        refuse_tangents(weight_t, pos_weight_t)
        input, target, weight, pos_weight = ctx.saved_tensors
        parts = []
        with _simulating(*ctx.sim_options):
            if input_t is not None:
                parts.append(InputGradFunction.apply(input_t.to(input.dtype).contiguous(), input, target, weight,
                                                     pos_weight, NONE))
            if target_t is not None:
                parts.append(TargetGradFunction.apply(target_t.to(input.dtype).contiguous(), input, target, weight,
                                                      pos_weight, NONE))
        if not parts:
            return None
        return _reduce(parts[0] if len(parts) == 1 else parts[0] + parts[1], ctx.reduction)


def refuse_tangents(weight_t: Optional[Tensor], pos_weight_t: Optional[Tensor]) -> None:
    refuse_derivatives("bce_with_logits", "derivative", weight_t is not None, pos_weight_t is not None)


def _setup_grad(ctx, inputs, output) -> None:
    grad_output, input, target, weight, pos_weight, reduction = inputs
    refuse_weight_grads(weight, pos_weight, "bce_with_logits backward")
    _save(ctx, (grad_output, input, target, weight, pos_weight), reduction)


def _grad_output_scale(ctx, grad_output_t: Tensor, numel: int) -> Tensor:
    scale = grad_output_t.float()
    return scale / max(numel, 1) if ctx.reduction == MEAN else scale


class InputGradFunction(torch.autograd.Function):
    """dL/dinput by the backward kernel; its own derivatives in torch math."""

    generate_vmap_rule = True

    @staticmethod
    def forward(grad_output, input, target, weight, pos_weight, reduction):
        return torch.ops.ascend_bce.bce_with_logits_backward(grad_output, input, target, weight, pos_weight,
                                                             reduction)

    setup_context = staticmethod(_setup_grad)
    backward = staticmethod(grad_grad._input_grad_backward)

    @staticmethod
    def jvp(ctx, grad_output_t, input_t, target_t, weight_t, pos_weight_t, _):
        refuse_tangents(weight_t, pos_weight_t)
        g, x, y, w, pw = grad_grad._factors(ctx)
        s, s_neg = torch.sigmoid(x), torch.sigmoid(-x)
        out = torch.zeros_like(x)
        if grad_output_t is not None:
            out = out + _grad_output_scale(ctx, grad_output_t, x.numel()) * w * ((1 - y) * s - pw * y * s_neg)
        if input_t is not None:
            out = out + g * w * ((1 - y) + pw * y) * s * s_neg * input_t.float()
        if target_t is not None:
            out = out + g * w * (-s - pw * s_neg) * target_t.float()
        return out.to(ctx.saved_tensors[1].dtype)


class TargetGradFunction(torch.autograd.Function):
    """dL/dtarget by the backward kernel; its own derivatives in torch math."""

    generate_vmap_rule = True

    @staticmethod
    def forward(grad_output, input, target, weight, pos_weight, reduction):
        return torch.ops.ascend_bce.bce_with_logits_target_backward(grad_output, input, target, weight,
                                                                    pos_weight, reduction)

    setup_context = staticmethod(_setup_grad)
    backward = staticmethod(grad_grad._target_grad_backward)

    @staticmethod
    def jvp(ctx, grad_output_t, input_t, target_t, weight_t, pos_weight_t, _):
        refuse_tangents(weight_t, pos_weight_t)
        g, x, _, w, pw = grad_grad._factors(ctx)
        out = torch.zeros_like(x)
        if grad_output_t is not None:
            softplus = torch.nn.functional.softplus
            out = out + _grad_output_scale(ctx, grad_output_t, x.numel()) * w * (pw * softplus(-x) - softplus(x))
        if input_t is not None:
            out = out + g * w * (-pw * torch.sigmoid(-x) - torch.sigmoid(x)) * input_t.float()
        return out.to(ctx.saved_tensors[2].dtype)


def _op_setup_context(ctx, inputs, output) -> None:
    input, target, weight, pos_weight, reduction = inputs
    refuse_weight_grads(weight, pos_weight, "bce_with_logits")
    ctx.save_for_backward(input, target, weight, pos_weight)
    ctx.reduction = reduction
    ctx.sim_options = _sim_options.get()


def _op_backward(ctx, grad_output: Tensor):
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


torch.library.register_autograd("ascend_bce::bce_with_logits", _op_backward, setup_context=_op_setup_context)
grad_grad.register()  # double backward of the two backward ops
