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


def _difference_of_terms(factor: np.ndarray, first: np.ndarray, second: np.ndarray,
                         shape: tuple) -> tuple[np.ndarray, np.ndarray]:
    """factor * (first - second) broadcast to `shape`, and factor * (|first| + |second|): the two
    terms can cancel, so a low-precision result is judged against the size of what was
    subtracted, not against the difference."""
    with np.errstate(invalid="ignore", over="ignore"):
        grad = np.broadcast_to(factor * (first - second), shape)
        scale = np.broadcast_to(np.abs(factor) * (np.abs(first) + np.abs(second)), shape)
    return np.array(grad), np.array(scale)


def _grad_factor(grad_output: np.ndarray, weight: Optional[np.ndarray], reduction: str, size: int) -> np.ndarray:
    """g * w in float64, with g / N for 'mean'."""
    g = np.asarray(grad_output, dtype=np.float64)
    if reduction == "mean":
        g = g / max(size, 1)
    return g * (1.0 if weight is None else np.asarray(weight, dtype=np.float64))


def bce_with_logits_grad_reference(grad_output: np.ndarray, input: np.ndarray, target: np.ndarray,
                                   weight: Optional[np.ndarray] = None, pos_weight: Optional[np.ndarray] = None,
                                   reduction: str = "mean") -> tuple[np.ndarray, np.ndarray]:
    """dL/d(input) = g * w * [(1 - y) * sigmoid(x) - pw * y * sigmoid(-x)] in float64 (g / N for
    'mean'), and the magnitude its rounding error scales with (see _difference_of_terms)."""
    x = np.asarray(input, dtype=np.float64)
    y = np.asarray(target, dtype=np.float64)
    pw = 1.0 if pos_weight is None else np.asarray(pos_weight, dtype=np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        first, second = (1.0 - y) * sigmoid64(x), pw * y * sigmoid64(-x)
    return _difference_of_terms(_grad_factor(grad_output, weight, reduction, x.size), first, second, x.shape)


def bce_with_logits_target_grad_reference(grad_output: np.ndarray, input: np.ndarray, target: np.ndarray,
                                          weight: Optional[np.ndarray] = None,
                                          pos_weight: Optional[np.ndarray] = None,
                                          reduction: str = "mean") -> tuple[np.ndarray, np.ndarray]:
    """dL/d(target) = g * w * [pw * softplus(-x) - softplus(x)] in float64, and the magnitude of
    the two subtracted terms."""
    x = np.asarray(input, dtype=np.float64)
    pw = 1.0 if pos_weight is None else np.asarray(pos_weight, dtype=np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        first, second = pw * softplus64(-x), softplus64(x)
    return _difference_of_terms(_grad_factor(grad_output, weight, reduction, x.size), first, second, x.shape)
