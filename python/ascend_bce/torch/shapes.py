"""Ranks beyond the host tiling's limit: merge dims before the launch (views, no copies)."""
from __future__ import annotations

import math
from typing import Optional, Sequence

import torch
from torch import Tensor

MAX_KERNEL_RANK = 8  # op_host's limit on the input rank (bce_with_logits_shape)


def _merged_groups(shape: Sequence[int], operand_shapes: Sequence[Sequence[int]]) -> list[list[int]]:
    """Runs of adjacent dims (size-1 dims dropped) over which every operand is either full-size
    or broadcast: merging them changes no element's operands."""
    rank = len(shape)
    padded = [(1,) * (rank - len(s)) + tuple(s) for s in operand_shapes]
    groups: list[list[int]] = []
    last = None
    for d in range(rank):
        if shape[d] == 1:
            continue
        pattern = tuple(p[d] == shape[d] for p in padded)
        if groups and pattern == last:
            groups[-1].append(d)
        else:
            groups.append([d])
        last = pattern
    return groups


def _reshaped(operand: Optional[Tensor], rank: int, groups: list[list[int]]) -> Optional[Tensor]:
    if operand is None:
        return None
    padded = (1,) * (rank - operand.dim()) + tuple(operand.shape)
    return operand.reshape([math.prod(padded[d] for d in group) for group in groups])


def collapse_rank(input: Tensor, target: Tensor, weight: Optional[Tensor],
                  pos_weight: Optional[Tensor]) -> tuple[Tensor, Tensor, Optional[Tensor], Optional[Tensor]]:
    """The operands as views of at most MAX_KERNEL_RANK dims, when the input has more. If the
    broadcast pattern still needs more dims, weight and pos_weight are expanded to the input's
    shape (one copy each) and everything is flattened."""
    if input.dim() <= MAX_KERNEL_RANK:
        return input, target, weight, pos_weight
    rank = input.dim()
    present = [t for t in (weight, pos_weight) if t is not None]
    groups = _merged_groups(input.shape, [t.shape for t in present])
    if len(groups) > MAX_KERNEL_RANK:
        weight, pos_weight = (None if t is None else t.expand(input.shape).contiguous() for t in (weight, pos_weight))
        groups = [list(range(rank))]
    if not groups:  # every dim has size 1
        groups = [list(range(rank))]
    return tuple(_reshaped(t, rank, groups) for t in (input, target, weight, pos_weight))  # type: ignore


def check_shapes(input: Tensor, target: Tensor, weight: Optional[Tensor], pos_weight: Optional[Tensor]) -> None:
    """torch's exception classes: ValueError for the target's size, RuntimeError for a weight
    that does not broadcast to the input."""
    if target.shape != input.shape:
        raise ValueError(f"Target size ({target.shape}) must be the same as input size ({input.shape})")
    for name, operand in (("weight", weight), ("pos_weight", pos_weight)):
        if operand is None:
            continue
        try:
            ok = torch.broadcast_shapes(operand.shape, input.shape) == input.shape
        except RuntimeError:
            ok = False
        if not ok:
            raise RuntimeError(f"binary_cross_entropy_with_logits(): {name} of shape {list(operand.shape)} "
                               f"does not broadcast to the input shape {list(input.shape)}")
