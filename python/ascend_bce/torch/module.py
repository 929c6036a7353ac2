"""``BCEWithLogitsLoss``: the drop-in ``torch.nn.Module``."""
from __future__ import annotations

from typing import Optional

import torch
from torch import Tensor

from .functional import loss


class BCEWithLogitsLoss(torch.nn.Module):
    """Drop-in for ``torch.nn.BCEWithLogitsLoss``: same arguments (with the deprecated
    ``size_average``/``reduce``), ``weight`` and ``pos_weight`` kept as buffers.

    ``torch.jit.script`` (deprecated by torch) is refused with a message naming
    ``torch.compile``, which traces the op, its fake kernel and its autograd."""

    def __init__(self, weight: Optional[Tensor] = None, size_average=None, reduce=None, reduction: str = "mean",
                 pos_weight: Optional[Tensor] = None) -> None:
        super().__init__()
        if size_average is not None or reduce is not None:
            reduction = torch.nn._reduction.legacy_get_string(size_average, reduce)
        self.reduction = reduction
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return loss(input, target, self.weight, self.reduction, self.pos_weight)

    def __prepare_scriptable__(self):
        # torch.jit.script calls this first: fail here, clearly, not deep inside the compiler.
        raise RuntimeError(
            "ascend_bce.torch.BCEWithLogitsLoss cannot be scripted with torch.jit.script: its Python "
            "wrapper (dtype promotion, autocast, autodiff modes) is not TorchScript; use "
            "torch.compile(module) instead, or call torch.ops.ascend_bce.bce_with_logits from TorchScript")

    def extra_repr(self) -> str:
        # torch's own repr is "BCEWithLogitsLoss()"; a non-default reduction is worth showing.
        return "" if self.reduction == "mean" else f"reduction={self.reduction!r}"
