"""cpu_sim vector instructions against NumPy: unary, binary, scalar, Duplicate, Axpy, ReduceSum,
Compare and Select on float and half (bf16 where A2 supports it)."""
import ml_dtypes
import numpy as np
import pytest

from ascend_bce import _C

run = _C.selftest.run
BF16 = ml_dtypes.bfloat16
DT = {"f32": np.float32, "f16": np.float16}


def tiling(n, scalar=0.0, mode=0, extra=0):
    t = np.zeros(16, np.uint32)
    t[0], t[2], t[3] = n, mode, extra
    t.view(np.float32)[1] = scalar
    return t


def data(n, dtype, lo=-4.0, hi=4.0, seed=0):
    return np.random.default_rng(seed).uniform(lo, hi, n).astype(dtype)


def rounded(ref, dtype):
    """Reference computed in float32 (as the simulator) then rounded to the element type."""
    return np.asarray(ref, np.float32).astype(dtype)


UNARY = {
    "Exp": (np.exp, -4, 4),
    "Ln": (np.log, 0.01, 8),
    "Abs": (np.abs, -4, 4),
    "Sqrt": (np.sqrt, 0, 8),
    "Relu": (lambda v: np.maximum(v, 0), -4, 4),
}


@pytest.mark.parametrize("suffix", ["f32", "f16"])
@pytest.mark.parametrize("op", sorted(UNARY))
def test_unary(op, suffix):
    fn, lo, hi = UNARY[op]
    dt = DT[suffix]
    n = 1024
    x = data(n, dt, lo, hi)
    y = np.zeros(n, dt)
    stats = run(f"{op}_{suffix}", [x, y], tiling=tiling(n))
    ref = rounded(fn(x.astype(np.float32)), dt)
    np.testing.assert_allclose(y.astype(np.float64), ref.astype(np.float64), rtol=2e-6 if dt == np.float32 else 0)
    assert stats.instructions[op] == 1
    assert stats.repeats[op] == n * np.dtype(dt).itemsize // 256


@pytest.mark.parametrize("suffix", ["f32", "f16"])
def test_reciprocal_is_approximate(suffix):
    dt = DT[suffix]
    x = data(512, dt, 0.5, 8)
    y = np.zeros_like(x)
    run(f"Reciprocal_{suffix}", [x, y], tiling=tiling(512))
    rel = np.abs(y.astype(np.float64) * x.astype(np.float64) - 1)
    assert rel.max() < (2e-3 if dt == np.float16 else 2e-4)
    if dt == np.float32:
        assert not np.array_equal(y, (1 / x).astype(np.float32))  # modelled as approximate


def test_relu_int32():
    x = np.arange(-32, 32, dtype=np.int32)
    y = np.zeros_like(x)
    run("Relu_i32", [x, y], tiling=tiling(64))
    np.testing.assert_array_equal(y, np.maximum(x, 0))


BINARY = {"Add": np.add, "Sub": np.subtract, "Mul": np.multiply, "Div": np.divide,
          "Max": np.maximum, "Min": np.minimum}


@pytest.mark.parametrize("suffix", ["f32", "f16"])
@pytest.mark.parametrize("op", sorted(BINARY))
def test_binary(op, suffix):
    dt = DT[suffix]
    n = 2048
    a, b = data(n, dt, seed=1), data(n, dt, 0.5, 4, seed=2)
    y = np.zeros(n, dt)
    run(f"{op}_{suffix}", [a, b, y], tiling=tiling(n))
    ref = rounded(BINARY[op](a.astype(np.float32), b.astype(np.float32)), dt)
    np.testing.assert_array_equal(y, ref)


def test_add_int_wraps():
    a = np.full(128, 32000, np.int16)
    y = np.zeros_like(a)
    run("Add_i16", [a, a.copy(), y], tiling=tiling(128))
    np.testing.assert_array_equal(y, (a.astype(np.int32) * 2).astype(np.int16))
    a32 = np.arange(64, dtype=np.int32)
    y32 = np.zeros_like(a32)
    run("Add_i32", [a32, a32.copy(), y32], tiling=tiling(64))
    np.testing.assert_array_equal(y32, 2 * a32)


SCALAR = {"Adds": np.add, "Muls": np.multiply, "Maxs": np.maximum, "Mins": np.minimum}


@pytest.mark.parametrize("suffix", ["f32", "f16"])
@pytest.mark.parametrize("op", sorted(SCALAR))
def test_scalar_ops(op, suffix):
    dt = DT[suffix]
    n, s = 512, 1.3
    x = data(n, dt)
    y = np.zeros(n, dt)
    run(f"{op}_{suffix}", [x, y], tiling=tiling(n, scalar=s))
    sv = np.float32(dt(s))  # the scalar has the tensor's type
    ref = rounded(SCALAR[op](x.astype(np.float32), sv), dt)
    np.testing.assert_array_equal(y, ref)


def test_half_rounding_ties_to_even():
    # 2049 is a tie between 2048 and 2050 in half: RNE gives 2048; 2051 -> 2052.
    a = np.full(128, 2048, np.float16)
    b = np.tile(np.array([1, 3], np.float16), 64)
    y = np.zeros(128, np.float16)
    run("Add_f16", [a, b, y], tiling=tiling(128))
    np.testing.assert_array_equal(y[:2], np.array([2048, 2052], np.float16))


@pytest.mark.parametrize("suffix,dtype,value", [("f32", np.float32, 2.5), ("f16", np.float16, -1.75),
                                                 ("bf16", BF16, 3.0078125), ("i32", np.int32, 7)])
def test_duplicate(suffix, dtype, value):
    y = np.zeros(256, dtype)
    run(f"Duplicate_{suffix}", [np.zeros(256, dtype), y], tiling=tiling(256, scalar=value))
    assert np.all(y == dtype(value))


@pytest.mark.parametrize("name,tdt,udt", [("Axpy_f32", np.float32, np.float32), ("Axpy_f16", np.float16, np.float16),
                                          ("Axpy_f32_f16", np.float32, np.float16)])
def test_axpy(name, tdt, udt):
    n, s = 256, 0.75
    acc, x = data(n, tdt, seed=3), data(n, udt, seed=4)
    out = np.zeros(n, tdt)
    run(name, [acc, x, out], tiling=tiling(n, scalar=s))
    prod = (np.float32(udt(s)) * x.astype(np.float32)).astype(udt).astype(np.float32)
    np.testing.assert_array_equal(out, (acc.astype(np.float32) + prod).astype(tdt))


def reduce_ref(x, dtype):
    """A2 order: adjacent-pair tree inside each 256-B repeat, repeats added sequentially."""
    per = 256 // np.dtype(dtype).itemsize
    acc = None
    for base in range(0, len(x), per):
        lane = np.zeros(per, dtype)
        chunk = x[base:base + per]
        lane[:len(chunk)] = chunk
        while len(lane) > 1:
            lane = (lane[0::2].astype(np.float32) + lane[1::2].astype(np.float32)).astype(dtype)
        acc = lane[0] if acc is None else dtype(np.float32(acc) + np.float32(lane[0]))
    return acc


@pytest.mark.parametrize("suffix,n", [("f32", 4096), ("f32", 4000 + 16), ("f16", 2048)])
def test_reduce_sum_order(suffix, n):
    dt = DT[suffix]
    x = data(n, dt, 0, 1, seed=5)
    y = np.zeros(32 // np.dtype(dt).itemsize, dt)
    run(f"ReduceSum_{suffix}", [x, y], tiling=tiling(n))
    assert y[0] == reduce_ref(x, dt)
    assert abs(float(y[0]) - x.astype(np.float64).sum()) < 1e-3 * n


def test_reduce_sum_is_not_sequential():
    # A long fp32 vector of 1.0 plus small values: tree order differs from a left-to-right sum.
    x = np.full(64, 1e-8, np.float32)
    x[0] = 1.0
    y = np.zeros(8, np.float32)
    run("ReduceSum_f32", [x, y], tiling=tiling(64))
    seq = np.float32(0)
    for v in x:
        seq = np.float32(seq + v)
    assert y[0] == reduce_ref(x, np.float32)
    assert seq == np.float32(1.0) and y[0] > np.float32(1.0)


CMP = [np.less, np.greater, np.equal, np.less_equal, np.greater_equal, np.not_equal]


@pytest.mark.parametrize("suffix", ["f32", "f16"])
@pytest.mark.parametrize("mode", range(6))
def test_compare(suffix, mode):
    dt = DT[suffix]
    n = 512
    a = np.round(data(n, dt, seed=6)).astype(dt)
    b = np.round(data(n, dt, seed=7)).astype(dt)
    m = np.zeros(n // 8, np.uint8)
    run(f"Compare_{suffix}", [a, b, m], tiling=tiling(n, mode=mode))
    np.testing.assert_array_equal(m, np.packbits(CMP[mode](a, b), bitorder="little"))
    m2 = np.zeros(n // 8, np.uint8)
    run(f"Compare_{suffix}", [a, b, m2], tiling=tiling(n, scalar=0.0, mode=mode, extra=1))
    np.testing.assert_array_equal(m2, np.packbits(CMP[mode](a, dt(0)), bitorder="little"))


@pytest.mark.parametrize("suffix", ["f32", "f16"])
def test_select_modes(suffix):
    dt = DT[suffix]
    n = 512
    per = 256 // np.dtype(dt).itemsize
    bits = np.random.default_rng(8).integers(0, 2, n).astype(bool)
    mask = np.zeros(max(n // 8, 32), np.uint8)
    mask[: n // 8] = np.packbits(bits, bitorder="little")
    a, b = data(n, dt, seed=9), data(n, dt, seed=10)
    for mode, expect in [(2, np.where(bits, a, b)), (0, np.where(np.tile(bits[:per], n // per), a, b)),
                         (1, np.where(bits, a, dt(-2.5)))]:
        out = np.zeros(n, dt)
        run(f"Select_{suffix}", [mask, a, b, out], tiling=tiling(n, scalar=-2.5, mode=mode))
        np.testing.assert_array_equal(out, expect, err_msg=f"mode {mode}")


@pytest.mark.parametrize("suffix", ["f32", "f16"])
def test_div_error_model_moves_quotients_by_at_most_one_ulp(suffix):
    """A2 publishes no Div accuracy; the single-instruction divide's only published bound is 1 ulp
    (Ascend 950 DivAlgo::INTRINSIC, asc-devkit Div.md), so the ULP error model moves every quotient by
    a seeded ulp in [-1, 1] whatever max_ulp, deterministically per operand pair."""
    from ascend_bce import sim_math_errors

    dt = DT[suffix]
    n = 2048
    a, b = data(n, dt, seed=1), data(n, dt, 0.5, 4, seed=2)
    exact = rounded(a.astype(np.float32) / b.astype(np.float32), dt)
    ys = []
    for _ in range(2):
        y = np.zeros(n, dt)
        with sim_math_errors(mode="ulp", max_ulp=4, seed=3):
            run(f"Div_{suffix}", [a, b, y], tiling=tiling(n))
        ys.append(y)
    np.testing.assert_array_equal(ys[0], ys[1])
    ibits = np.int16 if suffix == "f16" else np.int32
    steps = np.abs(ys[0].view(ibits).astype(np.int64) - exact.view(ibits).astype(np.int64))
    assert steps.max() == 1 and 0.4 < np.mean(steps == 1) < 0.9


def test_half_sums_saturate_every_add_in_saturation_mode(saturation_launches):
    # CTRL[48] saturation covers half computation on A2 (SetCtrlSpr(ISASI).md table 5), reductions
    # included: ReduceDataBlock.md's half SUM example [60000, 60000, -30000, 100] gives 65504 for the
    # first add, then 65504 - 29900 = 35604 (not inf); in half arithmetic -29900 is -29904 and the
    # last add rounds 35600 to 35584.
    expected = np.float16(np.float32(65504) + np.float32(np.float16(-29900)))
    assert float(expected) == 35584.0
    x = np.zeros(128, np.float16)
    x[:4] = [60000, 60000, -30000, 100]
    y = np.zeros(16, np.float16)
    run("ReduceSum_f16", [x, y], tiling=tiling(16))
    assert y[0] == expected
    y = np.zeros(32, np.float16)
    words = np.zeros(16, np.uint32)
    words[[0, 2, 3, 4, 5, 6, 7]] = [4, 1, 8, 1, 128, 32, 0]  # mask, repeats, strides, sizes, dst offset
    run("ReduceRepeat_f16", [x, y], tiling=words)
    assert y[0] == expected
    acc, xs, out = np.full(256, 60000, np.float16), np.full(256, 60000, np.float16), np.zeros(256, np.float16)
    run("Axpy_f16", [acc, xs, out], tiling=tiling(256, scalar=0.75))
    assert np.all(out == np.float16(65504))
    _C.set_float_overflow_mode("inf_nan")
    run("ReduceSum_f16", [x, y], tiling=tiling(16))
    assert np.isposinf(y[0])
