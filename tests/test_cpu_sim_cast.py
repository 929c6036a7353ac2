"""cpu_sim vector Cast: the A2 pair/mode table and every round mode against exact references."""
import math

import ml_dtypes
import numpy as np
import pytest

from ascend_bce import _C
from conftest import saturated

run = _C.selftest.run
BF16 = ml_dtypes.bfloat16
NONE, RINT, FLOOR, CEIL, ROUND, TRUNC, ODD = range(7)
R5 = [RINT, FLOOR, CEIL, ROUND, TRUNC]
N6 = [NONE] + R5
TYPES = {"f32": np.float32, "f16": np.float16, "bf16": BF16, "i8": np.int8, "u8": np.uint8, "i16": np.int16,
         "i32": np.int32, "i64": np.int64}
# (src, dst) -> allowed modes, from ascendc-signatures.md section 7.
TABLE = {("f16", "f32"): [NONE], ("bf16", "f32"): [NONE], ("i8", "f16"): [NONE], ("u8", "f16"): [NONE],
         ("i16", "f32"): [NONE], ("i32", "i16"): [NONE], ("i32", "i64"): [NONE], ("i64", "i32"): [NONE],
         ("f16", "i8"): N6, ("f16", "u8"): N6, ("i16", "f16"): N6, ("i32", "f32"): N6,
         ("f16", "i16"): R5, ("f16", "i32"): R5, ("bf16", "i32"): R5, ("f32", "i16"): R5, ("f32", "i32"): R5,
         ("f32", "i64"): R5, ("f32", "bf16"): R5, ("f32", "f32"): R5, ("i64", "f32"): R5,
         ("f32", "f16"): N6 + [ODD]}


def cast(src, dst, x, mode, saturate=False, ctrl=None):
    """Cast on cpu_sim with CTRL[48] in non-saturation mode (IEEE inf/NaN) or, with `saturate`, in
    saturation mode (SetCtrlSpr(ISASI).md table 5), the launch's mode given back after it; `ctrl` 0
    leaves the launch's mode (tiling[3] of the selftest kernel)."""
    y = np.zeros(len(x), TYPES[dst])
    t = np.zeros(16, np.uint32)
    t[0], t[2], t[3] = len(x), mode, (1 if saturate else 2) if ctrl is None else ctrl
    run(f"Cast_{src}_{dst}", [x, y], tiling=t)
    return y


def bits(v):
    return int(np.array([v]).view(np.uint16 if np.dtype(type(v)).itemsize == 2 else np.uint32)[0])


def round_float(v, dt, mode):
    """Exact v (Python float / int) -> float type dt with the A2 mode, IEEE overflow (CTRL[48]
    non-saturation mode): nearest modes overflow to inf, modes toward zero to the largest finite value."""
    with np.errstate(over="ignore"):
        return _round_float(v, dt, mode)


def _round_float(v, dt, mode):
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        return dt(v)
    c = dt(v) if isinstance(v, float) else dt(np.float64(v))
    if isinstance(v, int):  # int64 -> float32: round exactly
        c = np.float32(v)
        while int(c) > v and float(np.nextafter(c, np.float32(-np.inf))) >= v:
            c = np.nextafter(c, np.float32(-np.inf))
    exact = float(c) == v if isinstance(v, float) else int(c) == v
    if not exact:
        above = float(c) > v if isinstance(v, float) else int(c) > v
        down, up = (np.nextafter(c, dt(-np.inf)), c) if above else (c, np.nextafter(c, dt(np.inf)))
        dd, du = (v - float(down), float(up) - v) if isinstance(v, float) else (v - int(down), int(up) - v)
        if mode == FLOOR:
            c = down
        elif mode == CEIL:
            c = up
        elif mode == TRUNC:
            c = down if v > 0 else up
        elif mode == ODD:
            c = up if bits(up) & 1 else down
        elif np.isinf(c):
            pass  # nearest modes: beyond max + ulp/2 is inf
        elif mode == ROUND:
            c = up if du < dd else down if dd < du else (up if v > 0 else down)
        else:
            c = up if du < dd else down if dd < du else (down if bits(up) & 1 else up)
    return dt(c)


def round_int(v, dt, mode):
    if math.isnan(v):
        return dt(0)
    info = np.iinfo(dt)
    if math.isinf(v):
        return dt(info.max if v > 0 else info.min)
    r = {FLOOR: math.floor, CEIL: math.ceil, TRUNC: math.trunc,
         ROUND: lambda a: math.floor(abs(a) + 0.5) * (1 if a >= 0 else -1)}.get(mode, lambda a: round(a))(v)
    info = np.iinfo(dt)
    return dt(min(max(int(r), info.min), info.max))


def sample_f32(n=256):
    rng = np.random.default_rng(11)
    base = rng.uniform(-300, 300, n - 32).astype(np.float32)
    special = np.array([0.5, 1.5, 2.5, -0.5, -2.5, 1 + 2**-11, 1 + 3 * 2**-11, -(1 + 2**-11), 65504, 65520, 7e4,
                        -7e4, 3e38, 1e-8, -1e-8, 6e-8, 2**-24 * 1.5, np.inf, -np.inf, np.nan, 0.0, -0.0, 1.0 + 2**-8,
                        1 + 2**-9, 254.5, 255.5, 1e10, -1e10, 32767.5, -32768.6, 2**31, 3.0], np.float32)
    return np.concatenate([base, special])


def check_float(y, x, dt, mode):
    ref = np.array([round_float(float(v), dt, mode) for v in x], dt)
    np.testing.assert_array_equal(y.view(np.uint16 if ref.itemsize == 2 else np.uint32)[~np.isnan(ref)],
                                  ref.view(np.uint16 if ref.itemsize == 2 else np.uint32)[~np.isnan(ref)])
    assert np.all(np.isnan(y.astype(np.float32)[np.isnan(ref.astype(np.float32))]))


@pytest.mark.parametrize("mode", N6 + [ODD])
def test_float_to_half_every_mode(mode):
    x = sample_f32()
    check_float(cast("f32", "f16", x, mode), x, np.float16, mode)


@pytest.mark.parametrize("mode", R5)
def test_float_to_bf16(mode):
    x = sample_f32()
    check_float(cast("f32", "bf16", x, mode), x, BF16, mode)


def test_float_to_bf16_rint_matches_ml_dtypes():
    x = np.random.default_rng(12).standard_normal(1024).astype(np.float32)
    y = cast("f32", "bf16", x, RINT)
    np.testing.assert_array_equal(y.view(np.uint16), x.astype(BF16).view(np.uint16))


@pytest.mark.parametrize("dst", ["i16", "i32", "i64"])
@pytest.mark.parametrize("mode", R5)
def test_float_to_int(dst, mode):
    x = sample_f32()
    y = cast("f32", dst, x, mode)
    np.testing.assert_array_equal(y, np.array([round_int(float(v), TYPES[dst], mode) for v in x], TYPES[dst]))


@pytest.mark.parametrize("mode", R5)
def test_float_to_float_rounds_to_integral(mode):
    x = sample_f32()
    y = cast("f32", "f32", x, mode)
    x64 = x.astype(np.float64)
    ref = {FLOOR: np.floor, CEIL: np.ceil, TRUNC: np.trunc, RINT: np.rint,
           ROUND: lambda a: np.sign(a) * np.floor(np.abs(a) + 0.5)}[mode](x64).astype(np.float32)
    np.testing.assert_array_equal(y, ref)


@pytest.mark.parametrize("dst", ["i8", "u8"])
def test_half_to_int8_saturates(dst):
    x = np.resize(np.array([-300, -128.5, -2.5, -0.5, 0.5, 1.5, 2.5, 126.7, 127.5, 255.5, 300, 0], np.float16), 64)
    for mode in N6:
        y = cast("f16", dst, x, mode)
        ref = np.array([round_int(float(v), TYPES[dst], mode) for v in x], TYPES[dst])
        np.testing.assert_array_equal(y, ref, err_msg=f"mode {mode}")


def test_exact_widening_casts():
    h = np.random.default_rng(13).standard_normal(128).astype(np.float16)
    np.testing.assert_array_equal(cast("f16", "f32", h, NONE), h.astype(np.float32))
    b = np.random.default_rng(14).standard_normal(128).astype(BF16)
    np.testing.assert_array_equal(cast("bf16", "f32", b, NONE), b.astype(np.float32))
    i8 = np.arange(-128, 128, dtype=np.int8)
    np.testing.assert_array_equal(cast("i8", "f16", i8, NONE), i8.astype(np.float16))
    i32 = np.array([1 << 20, -(1 << 20), 40000, -40000] * 8, np.int32)
    np.testing.assert_array_equal(cast("i32", "i16", i32, NONE), np.clip(i32, -32768, 32767).astype(np.int16))
    np.testing.assert_array_equal(cast("i32", "i64", i32, NONE), i32.astype(np.int64))


@pytest.mark.parametrize("mode", R5)
def test_int64_to_float(mode):
    x = np.array([(1 << 40) + k for k in range(-16, 16)] + [-(1 << 33) - 3, 5, -(1 << 62) - 1, (1 << 62) + 1] * 8,
                 np.int64)
    y = cast("i64", "f32", x, mode)
    np.testing.assert_array_equal(y, np.array([round_float(int(v), np.float32, mode) for v in x], np.float32))


@pytest.mark.parametrize("pair", sorted(TABLE))
def test_cast_table_modes(pair):
    src, dst = pair
    x = np.ones(64, TYPES[src])
    for mode in range(7):
        if mode in TABLE[pair]:
            y = cast(src, dst, x, mode)
            assert np.all(y.astype(np.float64) == 1.0)
        else:
            with pytest.raises(_C.SimulatorError, match=r"Cast: .* does not support CAST_"):
                cast(src, dst, x, mode)


def test_unsupported_pair_raises():
    with pytest.raises(_C.SimulatorError, match="float -> int8_t is not a supported pair"):
        cast("f32", "i8", np.ones(64, np.float32), RINT)


@pytest.mark.parametrize("dst", ["f16", "bf16"])
@pytest.mark.parametrize("mode", [RINT, TRUNC])
def test_narrowing_cast_saturates_in_saturation_mode(dst, mode):
    """CTRL[48] = 0 (saturation, asc-devkit SetCtrlSpr(ISASI).md table 5): a float -> half/bf16 Cast
    gives +-MAX for inf and 0 for NaN."""
    x = sample_f32()
    ieee = cast("f32", dst, x, mode)
    y = cast("f32", dst, x, mode, saturate=True)
    ref = saturated(ieee)
    np.testing.assert_array_equal(y.view(np.uint16), ref.view(np.uint16))
    f = y.astype(np.float32)
    assert not np.any(np.isnan(f)) and not np.any(np.isinf(f))
    assert f[np.isnan(x)][0] == 0.0
    assert f[x == np.inf][0] == float(ref[x == np.inf][0]) > 6e4


def test_a_launch_starts_in_the_process_overflow_mode(saturation_launches):
    """CTRL[48] at kernel start is the process's mode (A2 default INF/NaN; saturation when chosen)."""
    x = np.array([np.inf, -np.inf, np.nan, 1.0] * 16, np.float32)
    y = cast("f32", "f16", x, RINT, ctrl=0)
    assert list(y[:4].astype(np.float32)) == [65504.0, -65504.0, 0.0, 1.0]
    _C.set_float_overflow_mode("inf_nan")
    y = cast("f32", "f16", x, RINT, ctrl=0)
    assert np.isposinf(y[0]) and np.isneginf(y[1]) and np.isnan(y[2]) and y[3] == 1.0


def test_widening_cast_keeps_inf_nan_under_saturation():
    """Saturation acts on half/bf16 results; a float dst keeps inf and NaN."""
    h = np.array([np.inf, -np.inf, np.nan, 1.0] * 16, np.float16)
    y = cast("f16", "f32", h, NONE, saturate=True)
    assert np.isinf(y[0]) and y[0] > 0 and np.isinf(y[1]) and y[1] < 0 and np.isnan(y[2])


@pytest.mark.parametrize("saturate", [True, False])
def test_kernel_leaving_ctrl48_changed_is_refused(saturate):
    """CTRL persists on the core (asc-devkit's ctrl_spr example restores it after use)."""
    x = np.ones(64, np.float32)
    y = np.zeros(64, np.float16)
    t = np.zeros(16, np.uint32)
    t[0], t[2], t[3], t[4] = 64, RINT, 1 if saturate else 2, 1
    _C.set_float_overflow_mode("inf_nan" if saturate else "saturation")
    try:
        with pytest.raises(_C.SimulatorError, match=r"CTRL\[48\] is left in .*saturation mode, not the launch's"):
            run("Cast_f32_f16", [x, y], tiling=t)
    finally:
        _C.set_float_overflow_mode("inf_nan")
