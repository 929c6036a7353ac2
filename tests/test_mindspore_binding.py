"""MindSpore binding: the Cell and the functional form against the float64 truth and
mindspore.mint, gradients in PyNative and graph mode, bf16, and clear errors."""
from __future__ import annotations

import numpy as np
import pytest

ms = pytest.importorskip("mindspore")
from mindspore import Tensor  # noqa: E402

import ascend_bce.mindspore as abm  # noqa: E402
from ascend_bce._frameworks import from_mindspore_numpy  # noqa: E402
from ascend_bce.reference import (  # noqa: E402
    bce_with_logits_grad_reference,
    bce_with_logits_reference,
    bce_with_logits_target_grad_reference,
)
from conftest import DTYPES, assert_close_to_truth  # noqa: E402

REDUCTIONS = ("none", "mean", "sum")
MS_DTYPES = {"float32": ms.float32, "float16": ms.float16, "bfloat16": ms.bfloat16}


@pytest.fixture(params=["pynative", "graph"])
def mode(request):
    ms.set_context(mode=ms.GRAPH_MODE if request.param == "graph" else ms.PYNATIVE_MODE)
    yield request.param
    ms.set_context(mode=ms.PYNATIVE_MODE)


def data(dtype, shape=(6, 5), seed=0):
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal(shape) * 3).astype(np.float32)
    y = rng.random(shape).astype(np.float32)
    w = (rng.random((shape[0], 1)) + 0.5).astype(np.float32)
    pw = (rng.random(shape[-1]) + 0.5).astype(np.float32)
    # The values the kernel sees: rounded to the dtype under test.
    x, y = (np.asarray(a.astype(DTYPES[dtype]), dtype=np.float64) for a in (x, y))
    return x, y, w, pw


def tensor(a, dtype):
    return Tensor(a.astype(np.float32)).astype(MS_DTYPES[dtype])


def numpy_of(t):
    return from_mindspore_numpy(t.asnumpy())


class Loss(ms.nn.Cell):
    def __init__(self, loss):
        super().__init__()
        self.loss = loss

    def construct(self, a, b):
        return self.loss(a, b)


@pytest.mark.parametrize("dtype", MS_DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cell_matches_float64_truth_and_mint(mode, dtype, reduction):
    x, y, w, pw = data(dtype)
    loss = Loss(abm.BCEWithLogitsLoss(Tensor(w), reduction, Tensor(pw)))
    out = loss(tensor(x, dtype), tensor(y, dtype))
    assert out.dtype == MS_DTYPES[dtype] and out.shape == (x.shape if reduction == "none" else ())
    truth = bce_with_logits_reference(x, y, w, reduction, pw)
    assert_close_to_truth(numpy_of(out), truth, DTYPES[dtype], rtol32=2e-6)
    if dtype == "float32":
        mint = ms.mint.nn.BCEWithLogitsLoss(Tensor(w), reduction, Tensor(pw))(tensor(x, dtype), tensor(y, dtype))
        np.testing.assert_allclose(out.asnumpy(), mint.asnumpy(), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_gradients_of_input_and_target(mode, reduction):
    x, y, w, pw = data("float32")
    grads = ms.grad(Loss(abm.BCEWithLogitsLoss(Tensor(w), reduction, Tensor(pw))), grad_position=(0, 1))(
        tensor(x, "float32"), tensor(y, "float32"))
    ones = np.ones(x.shape if reduction == "none" else ())  # ms.grad seeds the output with ones
    for got, reference in zip(grads, (bce_with_logits_grad_reference, bce_with_logits_target_grad_reference)):
        truth, scale = reference(ones, x, y, w, pw, reduction)
        assert np.all(np.abs(got.asnumpy() - truth) <= 1e-6 * scale + 1e-12), reference.__name__
    mint = ms.grad(Loss(ms.mint.nn.BCEWithLogitsLoss(Tensor(w), reduction, Tensor(pw))), grad_position=(0, 1))(
        tensor(x, "float32"), tensor(y, "float32"))
    for got, ref in zip(grads, mint):
        np.testing.assert_allclose(got.asnumpy(), ref.asnumpy(), rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_low_precision_gradients_keep_the_dtype(dtype):
    x, y, _, pw = data(dtype)
    fn = lambda a: abm.binary_cross_entropy_with_logits(a, tensor(y, dtype), pos_weight=Tensor(pw))  # noqa: E731
    got = ms.grad(fn)(tensor(x, dtype))
    assert got.dtype == MS_DTYPES[dtype]
    truth, scale = bce_with_logits_grad_reference(np.ones(()), x, y, None, pw, "mean")
    eps = float(np.finfo(np.float16).eps) if dtype == "float16" else 2.0 ** -7
    assert np.all(np.abs(numpy_of(got).astype(np.float64) - truth) <= eps * np.abs(truth) + 1e-6 * scale)


def test_functional_matches_cell_and_training_reduces_the_loss():
    x, y, w, pw = data("float32", shape=(32, 4))
    fn = abm.binary_cross_entropy_with_logits(tensor(x, "float32"), tensor(y, "float32"), Tensor(w), "sum",
                                              Tensor(pw))
    cell = abm.BCEWithLogitsLoss(Tensor(w), "sum", Tensor(pw))(tensor(x, "float32"), tensor(y, "float32"))
    assert fn.asnumpy() == cell.asnumpy()
    net = ms.nn.Dense(4, 4)
    loss_fn = abm.BCEWithLogitsLoss(pos_weight=Tensor(pw))
    feats, labels = tensor(x, "float32"), tensor((y > 0.5).astype(np.float64), "float32")
    grad_fn = ms.value_and_grad(lambda f, t: loss_fn(net(f), t), None, net.trainable_params())
    optimizer = ms.nn.SGD(net.trainable_params(), learning_rate=0.5)
    first, _ = grad_fn(feats, labels)
    for _ in range(10):
        value, grads = grad_fn(feats, labels)
        optimizer(grads)
    assert float(grad_fn(feats, labels)[0].asnumpy()) < 0.9 * float(first.asnumpy())


def test_bad_arguments_raise_clear_errors():
    x = tensor(np.zeros((2, 3)), "float32")
    with pytest.raises(ValueError, match="avg is not a valid value for reduction"):
        abm.BCEWithLogitsLoss(reduction="avg")
    with pytest.raises(TypeError, match="expected 'target' of dtype float32, float16 or bfloat16, but got Int32"):
        abm.binary_cross_entropy_with_logits(x, x.astype(ms.int32))
    with pytest.raises(ValueError, match=r"Target size \(\[2, 4\]\) must be the same as input size \(\[2, 3\]\)"):
        abm.binary_cross_entropy_with_logits(x, tensor(np.zeros((2, 4)), "float32"))
    with pytest.raises(ValueError, match="pos_weight.*not broadcastable"):
        abm.binary_cross_entropy_with_logits(x, x, pos_weight=tensor(np.ones(4), "float32"))


def test_other_device_targets_are_refused(monkeypatch):
    monkeypatch.setattr(ms, "get_context", lambda key: "GPU")
    with pytest.raises(NotImplementedError, match="device_target 'GPU' is not supported"):
        abm.BCEWithLogitsLoss()


def test_weight_gradients_are_zero_as_mint_gives_them():
    x, y, w, pw = data("float32")
    args = (tensor(x, "float32"), tensor(y, "float32"), Tensor(w), Tensor(pw))
    ours = ms.grad(lambda a, b, c, d: abm.binary_cross_entropy_with_logits(a, b, c, "mean", d),
                   grad_position=(2, 3))(*args)
    mint = ms.grad(lambda a, b, c, d: ms.mint.nn.functional.binary_cross_entropy_with_logits(a, b, c, "mean", d),
                   grad_position=(2, 3))(*args)
    for got, ref in zip(ours, mint):
        assert got.shape == ref.shape
        np.testing.assert_array_equal(got.asnumpy(), ref.asnumpy())
        assert not np.any(ref.asnumpy())  # mint's own bprop leaves weight and pos_weight at zero
