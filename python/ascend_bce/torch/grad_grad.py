"""Autograd of the two backward ops (double backward: gradient penalties, Hessian-vector
products). Rare enough to be plain torch math in float32 on any device; without it torch would
backpropagate through the backward ops as if they were constants, silently.

With s = sigmoid(x), s' = sigmoid(-x), G = g * w (g / N for 'mean'):
    dL/dx = G * [(1 - y) * s - pw * y * s']      dL/dy = G * [pw * softplus(-x) - softplus(x)]
    d(dL/dx)/dx = G * [(1 - y) + pw * y] * s * s'     d(dL/dy)/dx = G * [-pw * s' - s]
    d(dL/dx)/dy = G * [-s - pw * s']                  d(dL/dy)/dy = 0
and d/dg of either is the same expression with G = w, summed over the elements for mean/sum.
"""
from __future__ import annotations

from typing import Optional

import torch
from torch import Tensor

from .._dtypes import REDUCTION_CODES

MEAN = REDUCTION_CODES["mean"]
NONE = REDUCTION_CODES["none"]


def refuse_weight_grads(weight: Optional[Tensor], pos_weight: Optional[Tensor], op: str) -> None:
    """Returning no gradient for them would silently mean zero: refuse instead."""
    refuse_derivatives(op, "gradient", weight is not None and weight.requires_grad,
                       pos_weight is not None and pos_weight.requires_grad)


def refuse_derivatives(op: str, kind: str, weight_asked: bool, pos_weight_asked: bool) -> None:
    """NotImplementedError for a derivative (gradient or tangent) of weight or pos_weight."""
    for name, asked in (("weight", weight_asked), ("pos_weight", pos_weight_asked)):
        if asked:
            raise NotImplementedError(
                f"ascend_bce.{op}: the {kind} with respect to '{name}' is not implemented "
                f"(only 'input' and 'target' are differentiable); pass {name}.detach()")


def _setup(ctx, inputs, output) -> None:
    grad_output, input, target, weight, pos_weight, reduction = inputs
    refuse_weight_grads(weight, pos_weight, "bce_with_logits backward")
    ctx.save_for_backward(grad_output, input, target, weight, pos_weight)
    ctx.reduction = reduction


def _factors(ctx):
    """(g, x, y, w, pw) in float32, g already divided by N for 'mean'."""
    g, x, y, w, pw = ctx.saved_tensors
    g = g.float()
    if ctx.reduction == MEAN:
        g = g / max(x.numel(), 1)
    one = torch.ones((), device=x.device)
    return (g, x.float(), y.float(), one if w is None else w.float(), one if pw is None else pw.float())


def _grad_output_grad(gg: Tensor, per_element: Tensor, reduction: int, numel: int, like: Tensor) -> Tensor:
    """d/dg: elementwise for 'none', summed (and / N for 'mean') for mean/sum."""
    if reduction == NONE:
        return per_element.to(like.dtype)
    total = (gg * per_element).sum()
    if reduction == MEAN:
        total = total / max(numel, 1)
    return total.reshape(like.shape).to(like.dtype)


def _input_grad_backward(ctx, gg: Tensor):
    """Autograd of bce_with_logits_backward (dL/dx)."""
    g, x, y, w, pw = _factors(ctx)
    gg = gg.float()
    s, s_neg = torch.sigmoid(x), torch.sigmoid(-x)
    grads = [None] * 6
    if ctx.needs_input_grad[0]:
        terms = w * ((1 - y) * s - pw * y * s_neg)
        per = gg * terms if ctx.reduction == NONE else terms
        grads[0] = _grad_output_grad(gg, per, ctx.reduction, x.numel(), ctx.saved_tensors[0])
    if ctx.needs_input_grad[1]:
        grads[1] = (gg * g * w * ((1 - y) + pw * y) * s * s_neg).to(ctx.saved_tensors[1].dtype)
    if ctx.needs_input_grad[2]:
        grads[2] = (gg * g * w * (-s - pw * s_neg)).to(ctx.saved_tensors[2].dtype)
    return tuple(grads)


def _target_grad_backward(ctx, gg: Tensor):
    """Autograd of bce_with_logits_target_backward (dL/dy); it does not depend on y."""
    g, x, _, w, pw = _factors(ctx)
    gg = gg.float()
    grads = [None] * 6
    if ctx.needs_input_grad[0]:
        terms = w * (pw * torch.nn.functional.softplus(-x) - torch.nn.functional.softplus(x))
        per = gg * terms if ctx.reduction == NONE else terms
        grads[0] = _grad_output_grad(gg, per, ctx.reduction, x.numel(), ctx.saved_tensors[0])
    if ctx.needs_input_grad[1]:
        grads[1] = (gg * g * w * (-pw * torch.sigmoid(-x) - torch.sigmoid(x))).to(ctx.saved_tensors[1].dtype)
    if ctx.needs_input_grad[2]:
        grads[2] = torch.zeros_like(ctx.saved_tensors[2])
    return tuple(grads)


def register() -> None:
    torch.library.register_autograd("ascend_bce::bce_with_logits_backward", _input_grad_backward,
                                    setup_context=_setup)
    torch.library.register_autograd("ascend_bce::bce_with_logits_target_backward", _target_grad_backward,
                                    setup_context=_setup)
