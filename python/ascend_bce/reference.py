"""Float64 NumPy reference of BCEWithLogitsLoss, independent of the kernel (tests, demo)."""
from __future__ import annotations

from typing import Optional

import numpy as np


def softplus64(x: np.ndarray) -> np.ndarray:
    """log(1 + exp(x)) in float64 without overflow or cancellation."""
    x = np.asarray(x, dtype=np.float64)
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


def bce_with_logits_reference(input: np.ndarray, target: np.ndarray, weight: Optional[np.ndarray] = None,
                              reduction: str = "mean", pos_weight: Optional[np.ndarray] = None) -> np.ndarray:
    """The loss in float64: w * [(1 - y) * softplus(x) + pw * y * softplus(-x)]."""
    x = np.asarray(input, dtype=np.float64)
    y = np.asarray(target, dtype=np.float64)
    pw = 1.0 if pos_weight is None else np.asarray(pos_weight, dtype=np.float64)
    w = 1.0 if weight is None else np.asarray(weight, dtype=np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        loss = w * ((1.0 - y) * softplus64(x) + pw * y * softplus64(-x))
    loss = np.broadcast_to(loss, x.shape)
    if reduction == "none":
        return np.array(loss)
    if reduction == "sum":
        return np.array(loss.sum())
    with np.errstate(invalid="ignore"):
        return np.array(loss.sum() / loss.size) if loss.size else np.array(np.nan)


def sigmoid64(x: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-x)) in float64 without overflow."""
    x = np.asarray(x, dtype=np.float64)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def bce_with_logits_grad_reference(grad_output: np.ndarray, input: np.ndarray, target: np.ndarray,
                                   weight: Optional[np.ndarray] = None, pos_weight: Optional[np.ndarray] = None,
                                   reduction: str = "mean") -> tuple[np.ndarray, np.ndarray]:
    """dL/d(input) in float64, and the magnitude its rounding error scales with.

    dL/dx = g * w * [(1 - y) * sigmoid(x) - pw * y * sigmoid(-x)] (g / N for 'mean'). The two
    terms can cancel, so an fp32 result is judged against g * w * (|first| + |second|), the
    size of what was subtracted, not against the difference.
    """
    x = np.asarray(input, dtype=np.float64)
    y = np.asarray(target, dtype=np.float64)
    pw = 1.0 if pos_weight is None else np.asarray(pos_weight, dtype=np.float64)
    w = 1.0 if weight is None else np.asarray(weight, dtype=np.float64)
    g = np.asarray(grad_output, dtype=np.float64)
    if reduction == "mean":
        g = g / max(x.size, 1)
    with np.errstate(invalid="ignore", over="ignore"):
        first = (1.0 - y) * sigmoid64(x)
        second = pw * y * sigmoid64(-x)
        grad = np.broadcast_to(g * w * (first - second), x.shape)
        scale = np.broadcast_to(np.abs(g * w) * (np.abs(first) + np.abs(second)), x.shape)
    return np.array(grad), np.array(scale)


def bce_with_logits_target_grad_reference(grad_output: np.ndarray, input: np.ndarray, target: np.ndarray,
                                          weight: Optional[np.ndarray] = None,
                                          pos_weight: Optional[np.ndarray] = None,
                                          reduction: str = "mean") -> tuple[np.ndarray, np.ndarray]:
    """dL/d(target) in float64, g * w * [pw * softplus(-x) - softplus(x)], and the magnitude of
    the two subtracted terms (as bce_with_logits_grad_reference)."""
    x = np.asarray(input, dtype=np.float64)
    pw = 1.0 if pos_weight is None else np.asarray(pos_weight, dtype=np.float64)
    w = 1.0 if weight is None else np.asarray(weight, dtype=np.float64)
    g = np.asarray(grad_output, dtype=np.float64)
    if reduction == "mean":
        g = g / max(x.size, 1)
    with np.errstate(invalid="ignore", over="ignore"):
        first = pw * softplus64(-x)
        second = softplus64(x)
        grad = np.broadcast_to(g * w * (first - second), x.shape)
        scale = np.broadcast_to(np.abs(g * w) * (np.abs(first) + np.abs(second)), x.shape)
    return np.array(grad), np.array(scale)
