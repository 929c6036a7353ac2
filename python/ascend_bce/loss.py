"""BCEWithLogitsLoss: the module form, with torch's and mindspore.mint's signature."""
from __future__ import annotations

from typing import Any, Optional

from .functional import binary_cross_entropy_with_logits


class BCEWithLogitsLoss:
    """Callable loss holding ``weight``, ``reduction`` and ``pos_weight``, like
    ``torch.nn.BCEWithLogitsLoss`` / ``mindspore.mint.nn.BCEWithLogitsLoss``."""

    def __init__(self, weight: Optional[Any] = None, reduction: str = "mean",
                 pos_weight: Optional[Any] = None, *, soc: str = "910B1",
                 max_blocks: Optional[int] = None) -> None:
        self.weight = weight
        self.reduction = reduction
        self.pos_weight = pos_weight
        self.soc = soc
        self.max_blocks = max_blocks

    def __call__(self, input: Any, target: Any) -> Any:
        return binary_cross_entropy_with_logits(
            input, target, self.weight, self.reduction, self.pos_weight,
            soc=self.soc, max_blocks=self.max_blocks,
        )

    forward = __call__

    def __repr__(self) -> str:
        return f"BCEWithLogitsLoss(reduction={self.reduction!r}, soc={self.soc!r})"
