"""MindSpore's own test cases for mint's BCEWithLogitsLoss (tests/st/ops/
test_ops_binary_cross_entropy_with_logits.py and the CPU BCEWithLogitsLoss tests), re-expressed
against our Cell and functional: the same data, reductions, dtypes and execution modes
(PyNative, jit with jit_level O0, GRAPH_MODE), checked against the float64 reference."""
from __future__ import annotations

import numpy as np
import pytest

ms = pytest.importorskip("mindspore")
from mindspore import Tensor, ops  # noqa: E402

import ascend_bce.mindspore as abm  # noqa: E402
from ascend_bce.reference import bce_with_logits_grad_reference, bce_with_logits_reference  # noqa: E402

# Their data: a 2x3 input and a target outside [0, 1] (mint does not clamp it), unit weights.
LOGITS = np.array([[-0.8, 1.2, 0.7], [-0.1, -0.4, 0.7]])
LABELS = np.array([[0.3, 0.8, 1.2], [-0.6, 0.1, 2.2]])
ONES = np.ones(3)


class Functional(ms.nn.Cell):
    def __init__(self, reduction):
        super().__init__()
        self.reduction = reduction

    def construct(self, x, y, w, pw):
        return abm.binary_cross_entropy_with_logits(x, y, w, self.reduction, pw)


class GradOfFunctional(ms.nn.Cell):
    def __init__(self, reduction):
        super().__init__()
        self.grad = ops.grad(Functional(reduction), (0, 1, 2, 3))

    def construct(self, x, y, w, pw):
        return self.grad(x, y, w, pw)


def run(mode, cell, *args):
    """One call in their three modes: PyNative, GRAPH_MODE, and jit(O0) of a function ("KBK")."""
    ms.set_context(mode=ms.PYNATIVE_MODE if mode == "pynative" else ms.GRAPH_MODE)
    try:
        if mode == "KBK":
            return ms.jit(cell.construct, jit_config=ms.JitConfig(jit_level="O0"))(*args)
        return cell(*args)
    finally:
        ms.set_context(mode=ms.PYNATIVE_MODE)


def truth(reduction, dtype=np.float32):
    x, y = (a.astype(dtype).astype(np.float64) for a in (LOGITS, LABELS))
    loss = bce_with_logits_reference(x, y, ONES, reduction, ONES)
    ones = np.ones(x.shape if reduction == "none" else ())
    grad, _ = bce_with_logits_grad_reference(ones, x, y, ONES, ONES, reduction)
    return loss, grad


@pytest.mark.parametrize("mode", ["pynative", "KBK", "graph"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_functional_forward_and_backward(mode, reduction):
    args = [Tensor(a, ms.float32) for a in (LOGITS, LABELS, ONES, ONES)]
    loss, grad = truth(reduction)
    out = run(mode, Functional(reduction), *args)
    grads = run(mode, GradOfFunctional(reduction), *args)
    np.testing.assert_allclose(out.asnumpy(), loss, rtol=2e-6)
    np.testing.assert_allclose(grads[0].asnumpy(), grad, rtol=2e-6, atol=1e-8)
    assert len(grads) == 4 and not np.any(grads[2].asnumpy()) and not np.any(grads[3].asnumpy())


class GradOfCell(ms.nn.Cell):
    def __init__(self, loss):
        super().__init__()
        self.grad = ops.grad(loss, (0, 1))

    def construct(self, x, y):
        return self.grad(x, y)


@pytest.mark.parametrize("mode", ["pynative", "KBK", "graph"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cell_forward_and_backward(mode, reduction):
    weight, pos_weight = Tensor(ONES, ms.float32), Tensor(ONES, ms.float32)
    x, y = Tensor(LOGITS, ms.float32), Tensor(LABELS, ms.float32)
    loss, grad = truth(reduction)
    out = run(mode, abm.BCEWithLogitsLoss(weight, reduction, pos_weight), x, y)
    grads = run(mode, GradOfCell(abm.BCEWithLogitsLoss(weight, reduction, pos_weight)), x, y)
    np.testing.assert_allclose(out.asnumpy(), loss, rtol=2e-6)
    np.testing.assert_allclose(grads[0].asnumpy(), grad, rtol=2e-6, atol=1e-8)


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_cpu_cases_in_graph_then_pynative(reduction, dtype):
    """The CPU BCEWithLogitsLoss case: every operand in the dtype under test, graph then PyNative."""
    args = [Tensor(a.astype(dtype)) for a in (LOGITS, LABELS, ONES, ONES)]
    loss, _ = truth(reduction, dtype)
    tol = 1e-6 if dtype == np.float32 else 1e-3
    for mode in ("graph", "pynative"):
        out = run(mode, Functional(reduction), *args)
        assert out.dtype == (ms.float32 if dtype == np.float32 else ms.float16)
        np.testing.assert_allclose(out.asnumpy().astype(np.float64), loss, rtol=tol, atol=tol)


@pytest.mark.parametrize("shapes", [((7, 8, 9), (7, 8)), ((7, 8, 9), (8, 9))])
def test_shapes_changing_between_calls(shapes):
    """Their dynamic-shape cases (run in PyNative there too): one functional and one Cell (weight and
    pos_weight of the trailing shape) called with inputs of changing rank."""
    rng = np.random.default_rng(0)
    cell_w, cell_pw = (rng.standard_normal((8, 9)).astype(np.float32) for _ in range(2))
    cell = abm.BCEWithLogitsLoss(Tensor(cell_w), "mean", Tensor(cell_pw))
    for shape in shapes:
        x, y, w, pw = (rng.standard_normal(shape).astype(np.float32) for _ in range(4))
        out = abm.binary_cross_entropy_with_logits(Tensor(x), Tensor(y), Tensor(w), "mean", Tensor(pw))
        np.testing.assert_allclose(out.asnumpy(), bce_with_logits_reference(x, y, w, "mean", pw), rtol=1e-5)
        out = cell(Tensor(x), Tensor(y)) if shape[-2:] == (8, 9) else None
        if out is not None:
            np.testing.assert_allclose(out.asnumpy(), bce_with_logits_reference(x, y, cell_w, "mean", cell_pw),
                                       rtol=1e-5)


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_their_dynamic_shape_case(reduction, dtype):
    """Their test_bce_with_logits_loss_dy_shape (CPU BCEWithLogitsLoss tests): every input's last dim
    unknown (set_inputs with [2, None] and [None]) in GRAPH_MODE, then the same call in PyNative."""
    args = [Tensor(a.astype(dtype)) for a in (LOGITS, LABELS, ONES, ONES)]
    loss, _ = truth(reduction, dtype)
    tol = 1e-6 if dtype == np.float32 else 1e-3
    net = Functional(reduction)
    net.set_inputs(*(Tensor(shape=list(a.shape[:-1]) + [None], dtype=a.dtype) for a in args))
    for mode in ("graph", "pynative"):
        out = run(mode, net, *args)
        np.testing.assert_allclose(out.asnumpy().astype(np.float64), loss, rtol=tol, atol=tol)
