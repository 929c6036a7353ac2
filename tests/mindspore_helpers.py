"""Shared helpers of the MindSpore tests: a seeded sample of the four operands, the gradient check
against the float64 reference, and the functional in a Cell with weight and pos_weight as graph
inputs. Import it after pytest.importorskip("mindspore")."""
from __future__ import annotations

import mindspore as ms
import numpy as np

import ascend_bce.mindspore as abm
from ascend_bce.reference import bce_with_logits_grad_reference, bce_with_logits_target_grad_reference


def sample(shape=(4, 5), seed=0):
    """float32 logits, targets in [0, 1), and weight / pos_weight over the last dim in [0.5, 1.5)."""
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal(shape) * 3).astype(np.float32)
    y = rng.random(shape).astype(np.float32)
    w = (rng.random(shape[-1:]) + 0.5).astype(np.float32)
    pw = (rng.random(shape[-1:]) + 0.5).astype(np.float32)
    return x, y, w, pw


def check_grads(grads, x, y, w, pw, reduction, rtol=1e-6):
    """dL/dx and dL/dy (a unit upstream gradient) within rtol of the float64 reference's scale."""
    ones = np.ones(x.shape if reduction == "none" else ())
    for got, reference in zip(grads, (bce_with_logits_grad_reference, bce_with_logits_target_grad_reference)):
        truth, scale = reference(ones, x.astype(np.float64), y.astype(np.float64), w, pw, reduction)
        assert got.shape == x.shape
        assert np.all(np.abs(got.asnumpy().astype(np.float64) - truth) <= rtol * scale + 1e-12), reference.__name__


class Operands(ms.nn.Cell):
    """The functional with weight and pos_weight as graph inputs, each used or left out (None)."""

    def __init__(self, reduction, has_weight, has_pos_weight):
        super().__init__()
        self.reduction, self.has_weight, self.has_pos_weight = reduction, has_weight, has_pos_weight

    def construct(self, x, y, w, pw):
        return abm.binary_cross_entropy_with_logits(x, y, w if self.has_weight else None, self.reduction,
                                                    pw if self.has_pos_weight else None)
