"""Shared helpers of the test suite: dtype rounding and ulp distances for the accuracy checks."""
from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest

BF16 = np.dtype(ml_dtypes.bfloat16)
DTYPES = {"float32": np.dtype(np.float32), "float16": np.dtype(np.float16), "bfloat16": BF16}


def round_to_bf16(values: np.ndarray) -> np.ndarray:
    """Correctly rounded (nearest-even) bf16 of float64 values, with no double rounding."""
    x = np.asarray(values, dtype=np.float64)
    f32 = x.astype(np.float32)
    # Step toward zero where float32 rounding went away from zero, so truncation is exact.
    away = np.abs(f32.astype(np.float64)) > np.abs(x)
    f32 = np.where(away, np.nextafter(f32, np.float32(0)), f32)
    bits = f32.view(np.uint32)
    # uint32 constants: NumPy 1.x would widen a 0-d array combined with a Python int to int64.
    upper = bits & np.uint32(0xFFFF0000)
    low = upper.view(np.float32).astype(np.float64)
    high = (upper + np.uint32(0x10000)).view(np.float32).astype(np.float64)
    dist_low = np.abs(x - low)
    dist_high = np.abs(high - x)
    low_even = ((bits >> 16) & 1) == 0
    pick_high = (dist_high < dist_low) | ((dist_high == dist_low) & ~low_even)
    out = np.where(pick_high, high, low)
    out = np.where(np.isfinite(x), out, x)
    return out.astype(BF16)


def round_to(values: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Correctly rounded float64 -> dtype."""
    if np.dtype(dtype) == BF16:
        return round_to_bf16(values)
    with np.errstate(over="ignore"):  # beyond the dtype's range the truth is inf
        return np.asarray(values, dtype=np.float64).astype(dtype)


def ulp_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Units in the last place between two arrays of the same 16-bit float dtype (same sign)."""
    ia = np.asarray(a).view(np.int16).astype(np.int64)
    ib = np.asarray(b).view(np.int16).astype(np.int64)
    # Map sign-magnitude to a monotonic integer line.
    ia = np.where(ia < 0, -(ia & 0x7FFF), ia)
    ib = np.where(ib < 0, -(ib & 0x7FFF), ib)
    return np.abs(ia - ib)


def assert_close_to_truth(out: np.ndarray, truth64: np.ndarray, dtype: np.dtype, rtol32: float = 1e-6) -> None:
    """fp32: within rtol32 relative of the float64 truth; fp16/bf16: within 1 ulp of the
    correctly rounded truth. NaN must match NaN."""
    out = np.asarray(out)
    truth64 = np.asarray(truth64, dtype=np.float64)
    assert out.dtype == dtype
    assert out.shape == truth64.shape
    nan = np.isnan(truth64)
    assert np.array_equal(np.isnan(out.astype(np.float64)), nan)
    if np.dtype(dtype) == np.float32:
        got = out.astype(np.float64)[~nan]
        want = truth64[~nan]
        err = np.abs(got - want)
        bad = err > rtol32 * np.abs(want)
        assert not bad.any(), f"{bad.sum()} of {bad.size} off; worst rel {np.max(err / np.maximum(np.abs(want), 1e-300)):.3e}"
    else:
        want = round_to(truth64, dtype)
        dist = ulp_distance(out[~nan], want[~nan])
        assert dist.max(initial=0) <= 1, f"max ulp distance {dist.max()}"


# Exp/Ln error models the numerics tests run under: A2 publishes no accuracy for them, so the
# kernels must hold their bounds with +-2 ulp results and with an Ln accurate only in absolute
# terms near 1 (ascend_bce.sim_math_errors).
MATH_MODELS = {"exact": None, "ulp2": dict(mode="ulp", max_ulp=2, seed=7),
               "ln_abs": dict(mode="ln_abs", seed=11)}


@pytest.fixture(params=sorted(MATH_MODELS))
def math_model(request):
    from ascend_bce import sim_math_errors

    settings = MATH_MODELS[request.param]
    if settings is None:
        yield request.param
        return
    with sim_math_errors(**settings):
        yield request.param


def saturated(v: np.ndarray) -> np.ndarray:
    """What CTRL[48] saturation makes of a half/bf16 result: +-inf -> +-MAX, NaN -> +0."""
    big = float(ml_dtypes.finfo(v.dtype).max)
    f = v.astype(np.float64)
    return np.where(np.isnan(f), 0.0, np.where(np.isinf(f), np.sign(f) * big, f)).astype(v.dtype)


@pytest.fixture
def saturation_launches():
    """Launches inside the test start with CTRL[48] in saturation mode (a stream whose process chose
    it); INF/NaN, A2's default, again after."""
    from ascend_bce import _C

    _C.set_float_overflow_mode("saturation")
    try:
        yield
    finally:
        _C.set_float_overflow_mode("inf_nan")


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)
