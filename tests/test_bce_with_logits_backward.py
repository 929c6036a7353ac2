"""Backward kernel (dL/dinput and, as its own launch, dL/dtarget): dtypes x reductions x
broadcast patterns x sizes x block counts against the float64 NumPy truth and torch's autograd,
edge numerics, GM traffic and errors."""
from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest
import torch

import ascend_bce
from ascend_bce import _C
from ascend_bce.functional import binary_cross_entropy_with_logits_backward as bce_backward
from ascend_bce.functional import binary_cross_entropy_with_logits_target_backward as bce_target_backward
from ascend_bce.reference import bce_with_logits_grad_reference, bce_with_logits_target_grad_reference
from conftest import DTYPES
from test_bce_with_logits_forward import PATTERNS, REDUCTIONS, _inputs

# Every numerics test runs with exact, +-2 ulp and absolute-error-Ln Exp/Ln (conftest.MATH_MODELS).
pytestmark = pytest.mark.usefixtures("math_model")

RTOL32 = 1e-6  # of the magnitude of the two subtracted terms (see the reference)
# d(loss)/d(which): the kernel launch and its float64 reference
GRADS = {"input": (bce_backward, bce_with_logits_grad_reference),
         "target": (bce_target_backward, bce_with_logits_target_grad_reference)}


def ulp(values: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """One unit in the last place of `values` in `dtype` (subnormal spacing below the normals)."""
    info = ml_dtypes.finfo(dtype) if np.dtype(dtype) == DTYPES["bfloat16"] else np.finfo(dtype)
    tiny = float(info.smallest_normal)
    mag = np.maximum(np.abs(np.asarray(values, dtype=np.float64)), tiny)
    return float(info.eps) * np.exp2(np.floor(np.log2(mag)))


def assert_grad_close(got: np.ndarray, truth: np.ndarray, scale: np.ndarray, dtype: np.dtype) -> None:
    """fp32: within RTOL32 of the subtracted magnitude (and two subnormal steps, for results
    below the normal range, as the forward's contract); fp16/bf16: within one ulp of the truth
    plus that fp32 error (which can move a value across a rounding boundary)."""
    assert got.dtype == dtype and got.shape == truth.shape
    nan = np.isnan(truth)
    assert np.array_equal(np.isnan(got.astype(np.float64)), nan)
    err = np.abs(got.astype(np.float64) - truth)[~nan]
    allowed = RTOL32 * scale[~nan] + 2 * float(np.finfo(np.float32).smallest_subnormal)
    if _C.get_math_error_model()["mode"] != "exact":
        # An Exp result a few ulps off below the normal range (e^-100 = 26 subnormal steps) is off
        # by tens of percent, and pw scales it: no kernel can hold those to RTOL32.
        tiny = float(np.finfo(np.float32).tiny)
        allowed = allowed + np.where(np.abs(truth[~nan]) < tiny, 0.25 * np.abs(truth[~nan]), 0.0)
    if np.dtype(dtype) != np.float32:
        allowed = allowed + ulp(truth[~nan], dtype)
    bad = err > allowed
    assert not bad.any(), f"{bad.sum()} of {bad.size} off; worst excess {np.max(err - allowed):.3e}"


def grad_output_for(rng, x, reduction):
    if reduction == "none":
        return rng.uniform(-2.0, 2.0, x.shape).astype(x.dtype)
    return np.array(rng.uniform(0.5, 2.0), dtype=x.dtype)


def check(x, y, w, pw, reduction, g, wrt="input", **kw):
    launch, reference = GRADS[wrt]
    got = launch(g, x, y, w, pw, reduction, **kw)
    truth, scale = reference(g, x, y, w, pw, reduction)
    assert_grad_close(got, truth, scale, x.dtype)
    return got


@pytest.mark.parametrize("wrt", GRADS)
@pytest.mark.parametrize("blocks", [None, 3])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("pattern", PATTERNS)
def test_patterns_match_float64_truth(rng, dtype, reduction, pattern, blocks, wrt):
    shape, w_shape, pw_shape = PATTERNS[pattern]
    x, y, w, pw = _inputs(rng, shape, DTYPES[dtype], w_shape, pw_shape)
    check(x, y, w, pw, reduction, grad_output_for(rng, x, reduction), wrt, max_blocks=blocks)


@pytest.mark.parametrize("wrt", GRADS)
@pytest.mark.parametrize("size", [1, 7, 31, 33, 4097, 2**20 + 3])
@pytest.mark.parametrize("dtype", DTYPES)
def test_sizes(rng, size, dtype, wrt):
    x, y, w, pw = _inputs(rng, (size,), DTYPES[dtype], (size,), ())
    for reduction in REDUCTIONS:
        check(x, y, w, pw, reduction, grad_output_for(rng, x, reduction), wrt)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_matches_torch_autograd(rng, reduction):
    x, y, w, pw = _inputs(rng, (32, 50), np.float32, (32, 1), (50,))
    g = grad_output_for(rng, x, reduction)
    xt = torch.from_numpy(x).double().requires_grad_()
    yt = torch.from_numpy(y).double().requires_grad_()
    loss = torch.nn.functional.binary_cross_entropy_with_logits(
        xt, yt, torch.from_numpy(w).double(), reduction=reduction, pos_weight=torch.from_numpy(pw).double())
    loss.backward(torch.from_numpy(g).double())
    for wrt, torch_grad in (("input", xt.grad), ("target", yt.grad)):
        launch, reference = GRADS[wrt]
        got = launch(g, x, y, w, pw, reduction)
        _, scale = reference(g, x, y, w, pw, reduction)
        assert np.all(np.abs(got - torch_grad.numpy()) <= RTOL32 * scale), wrt


@pytest.mark.parametrize("blocks", [1, 7, 40, 48])
def test_block_counts_give_identical_bits(rng, blocks):
    x, y, w, pw = _inputs(rng, (2000, 333), np.float16, (333,), (2000, 1))
    g = grad_output_for(rng, x, "none")
    one = bce_backward(g, x, y, w, pw, "none", max_blocks=1)
    assert np.array_equal(bce_backward(g, x, y, w, pw, "none", max_blocks=blocks).view(np.int16),
                          one.view(np.int16))
    assert ascend_bce.last_kernel_stats().block_dim == blocks


def test_tiny_gradients_are_not_cancelled_to_zero():
    # sigmoid(20) - 1 is 0 in fp32; the kernel never forms 1 - sigmoid.
    x = np.array([20.0, -20.0, 30.0, -30.0], np.float32)
    y = np.array([1.0, 0.0, 1.0, 0.0], np.float32)
    got = bce_backward(np.ones(4, np.float32), x, y, reduction="none")
    truth, _ = bce_with_logits_grad_reference(np.ones(4), x, y, reduction="none")
    np.testing.assert_allclose(got, truth, rtol=1e-6)
    assert got[0] == pytest.approx(-2.0611536e-9, rel=1e-6) and got[1] == pytest.approx(2.0611536e-9, rel=1e-6)


@pytest.mark.parametrize("dtype", DTYPES)
def test_huge_infinite_and_nan_logits(dtype):
    x = np.array([1e4, -1e4, 100, -100, -120, np.inf, -np.inf, np.nan], np.float64)
    y = np.array([0.3, 0.3, 1.0, 0.0, 1.0, 0.25, 0.25, 0.5], np.float64)
    xd, yd = x.astype(DTYPES[dtype]), y.astype(DTYPES[dtype])
    pw = np.array([3.0], np.float32)
    got = bce_backward(np.ones(8, DTYPES[dtype]), xd, yd, None, pw, "none").astype(np.float64)
    # +-inf logits take sigmoid's limits: 1 - y at +inf, -pw * y at -inf.
    want = [0.7, -0.9, 0.0, 0.0, -3.0, 0.75, -0.75]
    np.testing.assert_allclose(got[:7], want, rtol=1e-2, atol=1e-30)  # [2], [3]: ~1e-43 in fp32
    assert np.isnan(got[7])
    truth, scale = bce_with_logits_grad_reference(np.ones(8), xd, yd, None, pw, "none")
    assert_grad_close(got[:7].astype(DTYPES[dtype]), truth[:7], scale[:7], DTYPES[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
def test_target_gradient_at_huge_infinite_and_nan_logits(dtype):
    x = np.array([1e4, -1e4, 100, -100, -120, 20, -20, np.inf, -np.inf, np.nan], np.float64)
    xd = x.astype(DTYPES[dtype])
    pw = np.array([3.0], np.float32)
    got = bce_target_backward(np.ones(10, DTYPES[dtype]), xd, xd, None, pw, "none").astype(np.float64)
    # pw * softplus(-x) - softplus(x): -x for x >> 0, -pw * x for x << 0, the limits at +-inf.
    want = [-1e4, 3e4, -100, 300, 360, -20, 60, -np.inf, np.inf]
    np.testing.assert_allclose(got[:9], want, rtol=1e-2)
    assert np.isnan(got[9])
    truth, scale = bce_with_logits_target_grad_reference(np.ones(10), xd, xd, None, pw, "none")
    finite = np.isfinite(truth)
    assert_grad_close(got[finite].astype(DTYPES[dtype]), truth[finite], scale[finite], DTYPES[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
def test_target_gradient_without_pos_weight_is_exactly_minus_x(dtype):
    # softplus(-x) - softplus(x) = -x: two values near ln 2 would lose a small x entirely.
    x = np.array([1e-10, -3e-8, 1e-3, -0.5, 5.0, -40.0, np.inf, -np.inf, np.nan]).astype(DTYPES[dtype])
    got = bce_target_backward(np.ones(x.size, DTYPES[dtype]), x, x, None, None, "none")
    np.testing.assert_array_equal(got.astype(np.float32), -x.astype(np.float32))  # NaN == NaN here
    g = np.linspace(0.5, 2.0, x.size).astype(DTYPES[dtype])
    w = np.linspace(2.0, 0.25, x.size).astype(DTYPES[dtype])
    got = bce_target_backward(g, x, x, w, None, "none")
    truth, scale = bce_with_logits_target_grad_reference(g, x, x, w, None, "none")
    finite = np.isfinite(truth)
    assert_grad_close(got[finite], truth[finite], scale[finite], DTYPES[dtype])
    assert np.array_equal(np.sign(got[~finite]), np.sign(truth[~finite]), equal_nan=True)


def test_empty_input_gives_empty_gradient():
    for reduction in REDUCTIONS:
        g = np.zeros((0, 3), np.float32) if reduction == "none" else np.array(1.0, np.float32)
        out = bce_backward(g, np.zeros((0, 3), np.float32), np.zeros((0, 3), np.float32), None, None, reduction)
        assert out.shape == (0, 3) and out.dtype == np.float32


@pytest.mark.parametrize("wrt", GRADS)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_gm_traffic_reads_each_input_once_and_writes_the_gradient_once(rng, reduction, wrt):
    x, y, w, pw = _inputs(rng, (512, 100), np.float16, (100,), (512, 1), np.float32, np.float32)
    g = grad_output_for(rng, x, reduction)
    GRADS[wrt][0](g, x, y, w, pw, reduction)
    s = ascend_bce.last_kernel_stats()
    # dL/dtarget does not depend on the target, so that launch does not read it.
    streamed = x.nbytes + (y.nbytes if wrt == "input" else 0) + (g.nbytes if reduction == "none" else 0)
    small = s.block_dim * (w.nbytes + pw.nbytes + g.itemsize)
    assert streamed <= s.gm_bytes_read <= streamed + small
    assert s.gm_bytes_written == x.nbytes
    assert s.sync_all_count == 0


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda x: bce_backward(np.ones(3, np.float32), x, x, reduction="none"), ValueError,
         r"'grad_output' must have shape \[2, 3\] for reduction='none'"),
        (lambda x: bce_backward(np.ones((2, 3), np.float32), x, x, reduction="mean"), ValueError,
         r"'grad_output' must have shape \[\] for reduction='mean'"),
        (lambda x: bce_backward(np.ones((2, 3), np.float16), x, x, reduction="none"), TypeError,
         r"expected 'grad_output' of dtype float32"),
        (lambda x: bce_backward([1.0], x, x), TypeError, r"argument 'grad_output' must be a numpy.ndarray"),
        (lambda x: bce_backward(np.float32(1), x, x, reduction="avg"), ValueError,
         r"avg is not a valid value for reduction"),
        (lambda x: bce_backward(np.ones((2, 3), np.float32), x, x, np.ones(4, np.float32), reduction="none"),
         ValueError, r"weight"),
    ],
)
def test_bad_arguments_raise_clear_errors(call, error, match):
    with pytest.raises(error, match=match):
        call(np.zeros((2, 3), np.float32))
