"""Edge numerics and sizes: tiny losses, huge logits, NaN/inf, empty and 0-d inputs."""
from __future__ import annotations

import math

import numpy as np
import pytest

import ascend_bce
from ascend_bce.reference import bce_with_logits_reference
from conftest import DTYPES, assert_close_to_truth, saturated

# Every numerics test runs with exact, +-2 ulp and absolute-error-Ln Exp/Ln (conftest.MATH_MODELS).
pytestmark = pytest.mark.usefixtures("math_model")

bce = ascend_bce.binary_cross_entropy_with_logits


def test_api_page_example():
    x = np.array([[-0.8, 1.2, 0.7], [-0.1, -0.4, 0.7]], dtype=np.float32)
    y = np.array([[0.3, 0.8, 1.2], [-0.6, 0.1, 2.2]], dtype=np.float32)
    out = bce(x, y)
    assert out.shape == () and out.dtype == np.float32
    assert abs(float(out) - 0.3463612) < 5e-7
    assert abs(float(out) / float(bce_with_logits_reference(x, y)) - 1) < 1e-6


def test_tiny_losses_are_not_cancelled_to_zero():
    # Both are 2.06e-9; the common (1 - y) * x + softplus(-x) form returns 0 for the second.
    x = np.array([20.0, -20.0, 30.0, -80.0], dtype=np.float32)
    y = np.array([1.0, 0.0, 1.0, 0.0], dtype=np.float32)
    out = bce(x, y, reduction="none")
    truth = bce_with_logits_reference(x, y, reduction="none")
    assert out[1] > 0 and abs(out[1] / 2.0611536e-9 - 1) < 1e-6
    assert_close_to_truth(out, truth, np.dtype(np.float32))


@pytest.mark.parametrize("dtype", DTYPES)
def test_huge_logits_with_pos_weight_are_finite_and_exact(dtype):
    x = np.array([1e4, -1e4, 100.0, -100.0, -120.0, 120.0, 0.0, -0.0], dtype=DTYPES[dtype])
    y = np.array([0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.5], dtype=DTYPES[dtype])
    pw = np.array([3.0], dtype=np.float32)
    out = bce(x, y, reduction="none", pos_weight=pw)
    assert np.isfinite(out.astype(np.float64)).all()
    assert_close_to_truth(out, bce_with_logits_reference(x, y, reduction="none", pos_weight=pw), DTYPES[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
def test_nan_and_inf_never_give_a_finite_wrong_number(dtype):
    x = np.array([np.nan, np.inf, -np.inf, np.inf, -np.inf, 1.0], dtype=DTYPES[dtype])
    y = np.array([0.5, 0.0, 1.0, 1.0, 0.0, 1.0], dtype=DTYPES[dtype])
    out = bce(x, y, reduction="none").astype(np.float64)
    assert math.isnan(out[0])
    for value in out[1:5]:
        assert math.isnan(value) or value == math.inf
    assert np.isfinite(out[5])
    assert math.isnan(float(bce(x, y, reduction="mean")))


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_saturation_mode_saturates_only_the_16_bit_results(dtype):
    # A process in saturation mode (torch_npu INF_NAN_MODE_ENABLE=0, set_device_sat_mode(0)) starts
    # every launch with CTRL[48] = 0: the kernels keep that mode, like every other operator, and
    # compute in fp32 (never saturated), so only the final half/bf16 results saturate.
    from ascend_bce import _C

    x = np.array([np.nan, np.inf, -np.inf, 1e4, -1e4, 1.0, 0.0, -3.0], dtype=DTYPES[dtype])
    y = np.array([0.5, 0.0, 1.0, 0.0, 1.0, 1.0, 0.5, 0.25], dtype=DTYPES[dtype])

    def results():
        return (bce(x, y, reduction="none"), bce(x, y, reduction="mean"),
                ascend_bce.functional.binary_cross_entropy_with_logits_backward(np.ones_like(x), x, y,
                                                                                reduction="none"))

    ieee_results = results()
    _C.set_float_overflow_mode("saturation")
    try:
        saturating_results = results()
    finally:
        _C.set_float_overflow_mode("inf_nan")
    for ieee, got in zip(ieee_results, saturating_results):
        ieee, got = np.asarray(ieee), np.asarray(got)
        assert not np.isfinite(ieee.astype(np.float64)).all()  # the case has inf/NaN results
        np.testing.assert_array_equal(got.view(np.uint16), saturated(ieee).view(np.uint16))


@pytest.mark.parametrize("dtype", DTYPES)
def test_low_precision_subnormal_and_small_results(dtype):
    # Losses from 1e-9 to 1e-3 land in the fp16 subnormal range and near bf16's resolution.
    x = -np.linspace(7.0, 20.0, 64)
    y = np.zeros(64)
    xd, yd = x.astype(DTYPES[dtype]), y.astype(DTYPES[dtype])
    out = bce(xd, yd, reduction="none")
    assert_close_to_truth(out, bce_with_logits_reference(xd, yd, reduction="none"), DTYPES[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
def test_empty_input(dtype):
    x = np.zeros((0, 3), dtype=DTYPES[dtype])
    assert bce(x, x, reduction="none").shape == (0, 3)
    assert math.isnan(float(bce(x, x, reduction="mean")))
    assert float(bce(x, x, reduction="sum")) == 0.0


def test_zero_dim_and_single_element():
    x = np.array(0.5, dtype=np.float32)
    y = np.array(1.0, dtype=np.float32)
    for reduction in ("none", "mean", "sum"):
        out = bce(x, y, reduction=reduction)
        assert out.shape == ()
        assert_close_to_truth(out, bce_with_logits_reference(x, y, reduction=reduction), np.dtype(np.float32))


def test_targets_outside_unit_interval_follow_the_formula():
    rng = np.random.default_rng(5)
    x = rng.standard_normal(1000).astype(np.float32)
    y = rng.uniform(-1.0, 2.0, 1000).astype(np.float32)
    out = bce(x, y, reduction="none").astype(np.float64)
    truth = bce_with_logits_reference(x, y, reduction="none")
    # The terms have opposite signs here, so the error is relative to their size, not the sum.
    scale = np.abs(1 - y) * np.abs(x) + np.abs(y) * np.abs(x) + 1.0
    assert np.all(np.abs(out - truth) <= 1e-6 * scale)


def test_fp32_mean_of_2_pow_24_elements():
    rng = np.random.default_rng(7)
    n = 2**24
    x = rng.standard_normal(n, dtype=np.float32)
    y = (rng.random(n, dtype=np.float32) < 0.3).astype(np.float32)
    out = float(bce(x, y))
    truth = float(bce_with_logits_reference(x, y))
    assert abs(out / truth - 1) < 1e-6
