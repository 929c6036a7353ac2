"""Seeded randomized differential tests: random shapes (rank 0..8, 0- and 1-size dims), dtypes,
broadcast operands, reductions, SoCs and block caps against the float64 reference; random
malformed calls, with NumPy arrays and with torch tensors whose input requires grad (must raise
TypeError/ValueError); bit-identical reductions across block counts and SoCs.

Every case derives its own generator from (a per-test base seed, the case index), and every
assertion message names that seed: ``_case_rng(seed)`` rebuilds the case exactly.
"""
from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest

from ascend_bce.functional import binary_cross_entropy_with_logits as bce
from ascend_bce.functional import binary_cross_entropy_with_logits_backward as bce_backward
from ascend_bce.functional import binary_cross_entropy_with_logits_target_backward as bce_target_backward
from ascend_bce.reference import (
    bce_with_logits_grad_reference,
    bce_with_logits_reference,
    bce_with_logits_target_grad_reference,
    softplus64,
)
from conftest import DTYPES, assert_close_to_truth, round_to, ulp_distance
from test_bce_with_logits_backward import RTOL32, ulp

SOCS = ("910B1", "910B2", "910B3", "910B4")
REDUCTIONS = ("none", "mean", "sum")
DTYPE_LIST = tuple(DTYPES.values())
EXTREMES = np.array([1e4, -1e4, 100.0, -100.0, -120.0, 0.0, 20.0, -20.0])
SUBNORMAL32 = float(np.finfo(np.float32).smallest_subnormal)

FORWARD_CASES = 150
BACKWARD_CASES = 100
BAD_CASES = 100
DETERMINISM_CASES = 10


def _has_torch() -> bool:
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def _case_rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


# ---------------------------------------------------------------------------------------------
# Random valid cases
# ---------------------------------------------------------------------------------------------

def _random_shape(rng: np.random.Generator, big: bool) -> tuple:
    """Rank 0..8, mostly small dims with some 0- and 1-size dims; up to ~20000 elements (or
    ~300000 when `big`)."""
    limit = 300_000 if big else 20_000
    rank = int(rng.integers(0, 9))
    while True:
        dims = []
        for _ in range(rank):
            r = rng.random()
            if r < 0.02:
                dims.append(0)
            elif r < 0.25:
                dims.append(1)
            elif r < 0.85:
                dims.append(int(rng.integers(2, 8)))
            else:
                dims.append(int(rng.choice([9, 13, 31, 64, 100, 129, 333, 1000])))
        if big and rank:
            # grow one dim so the case spans many tiles
            i = int(rng.integers(0, rank))
            if dims[i] != 0:
                rest = int(np.prod([d for j, d in enumerate(dims) if j != i], dtype=np.int64)) or 1
                dims[i] = max(dims[i], int(rng.integers(limit // 4, limit)) // rest)
        if int(np.prod([max(d, 1) for d in dims], dtype=np.int64)) <= limit:  # operands too
            return tuple(dims)


def _random_operand_shape(rng: np.random.Generator, shape: tuple) -> tuple:
    """A shape that NumPy-broadcasts to `shape` (never the other way round)."""
    kind = rng.choice(["scalar", "full", "drop", "ones", "drop_ones", "all_ones"],
                      p=[0.15, 0.2, 0.2, 0.2, 0.15, 0.1])
    if kind == "scalar":
        return ()
    out = list(shape)
    if kind in ("drop", "drop_ones"):
        out = out[int(rng.integers(0, len(out) + 1)):]
    if kind in ("ones", "drop_ones"):
        out = [1 if rng.random() < 0.5 else d for d in out]
    if kind == "all_ones":
        out = [1] * int(rng.integers(0, len(out) + 1))
    return tuple(out)


def _operand_values(rng: np.random.Generator, shape: tuple, low: float, high: float) -> np.ndarray:
    values = rng.uniform(low, high, shape)
    if rng.random() < 0.3:  # sometimes zeros
        values = np.where(rng.random(shape) < 0.3, 0.0, values)
    return values


def _random_case(seed: int, big: bool = False, reductions=REDUCTIONS) -> dict:
    rng = _case_rng(seed)
    shape = _random_shape(rng, big)
    dtype = DTYPE_LIST[int(rng.integers(0, 3))]
    scale = float(rng.choice([0.1, 3.0, 30.0]))
    x = rng.standard_normal(shape) * scale
    if rng.random() < 0.6:
        sprinkle = rng.random(shape) < rng.choice([0.01, 0.05, 0.2])
        x = np.where(sprinkle, rng.choice(EXTREMES, shape), x)
    kind = rng.choice(["unit", "binary", "outside"], p=[0.6, 0.2, 0.2])
    if kind == "unit":
        y = rng.random(shape)
    elif kind == "binary":
        y = (rng.random(shape) < 0.5).astype(np.float64)
    else:
        y = rng.uniform(-0.5, 1.5, shape)
    w = pw = None
    if rng.random() < 0.6:
        w = _operand_values(rng, _random_operand_shape(rng, shape), 0.1, 2.0).astype(
            DTYPE_LIST[int(rng.integers(0, 3))])
    if rng.random() < 0.6:
        pw = _operand_values(rng, _random_operand_shape(rng, shape), 0.5, 5.0).astype(
            DTYPE_LIST[int(rng.integers(0, 3))])
    max_blocks = None if rng.random() < 0.3 else int(rng.integers(1, 61))
    return dict(
        seed=seed,
        x=np.asarray(x.astype(dtype)),
        y=np.asarray(y.astype(dtype)),
        w=w,
        pw=pw,
        reduction=str(rng.choice(reductions)),
        soc=str(rng.choice(SOCS)),
        max_blocks=max_blocks,
        targets_in_range=kind != "outside",
        rng=rng,  # for anything drawn later (grad_output)
    )


def _describe(case: dict) -> str:
    def shp(a):
        return None if a is None else f"{list(a.shape)}:{a.dtype}"

    return (f"seed={case['seed']} input={shp(case['x'])} weight={shp(case['w'])} "
            f"pos_weight={shp(case['pw'])} reduction={case['reduction']} soc={case['soc']} "
            f"max_blocks={case['max_blocks']} targets_in_range={case['targets_in_range']}")


def _forward_scale(x, y, w, pw, reduction) -> np.ndarray:
    """Magnitude of the terms the loss adds: the loss itself for targets in [0, 1], more where
    targets outside [0, 1] make the two terms cancel."""
    x64, y64 = np.asarray(x, np.float64), np.asarray(y, np.float64)
    w64 = 1.0 if w is None else np.abs(np.asarray(w, np.float64))
    pw64 = 1.0 if pw is None else np.abs(np.asarray(pw, np.float64))
    with np.errstate(over="ignore", invalid="ignore"):
        terms = w64 * (np.abs(1.0 - y64) * softplus64(x64) + pw64 * np.abs(y64) * softplus64(-x64))
    terms = np.broadcast_to(terms, x64.shape)
    if reduction == "none":
        return np.array(terms)
    total = terms.sum()
    return np.array(total / terms.size if reduction == "mean" and terms.size else total)


def _subnormal_allowance(x, y, w, pw) -> np.ndarray:
    """Absolute slack for fp32 results below the normal range, per element: a subnormal
    softplus is rounded to a whole subnormal step (plus ~1 step from the ln(1 + u) correction)
    and then multiplied by y, pos_weight and weight, which scale that error and each add half a
    step. Two steps times (1 + the factors), i.e. at least the 'couple of subnormal steps'."""
    y64 = np.asarray(y, np.float64)
    w64 = 1.0 if w is None else np.abs(np.asarray(w, np.float64))
    pw64 = 1.0 if pw is None else np.abs(np.asarray(pw, np.float64))
    factor = w64 * (np.abs(1.0 - y64) + pw64 * np.abs(y64))
    return np.array(np.broadcast_to(2.0 * (1.0 + factor) * SUBNORMAL32, np.shape(y64)))


def _assert_forward_close(out, truth, case) -> None:
    """The contract: fp32 within 1e-6 relative ('none'; 2e-6 for mean/sum) plus a few subnormal
    steps for results below the normal range (_subnormal_allowance); fp16/bf16 within 1 ulp of
    the correctly rounded truth. Targets outside [0, 1] can make the two terms cancel, so there
    the relative bound is taken of the terms' magnitude (plus one ulp for 16-bit outputs)."""
    x, reduction = case["x"], case["reduction"]
    dtype = x.dtype
    rtol = 1e-6 if reduction == "none" else 2e-6
    out = np.asarray(out)
    assert out.dtype == dtype and out.shape == truth.shape
    nan = np.isnan(truth)
    assert np.array_equal(np.isnan(out.astype(np.float64)), nan), "NaN pattern differs"
    got, want = out.astype(np.float64)[~nan], truth[~nan]
    sub = _subnormal_allowance(x, case["y"], case["w"], case["pw"])
    if reduction != "none":
        sub = np.array(sub.sum() / (sub.size if reduction == "mean" and sub.size else 1))
    sub = sub[~nan]
    if case["targets_in_range"]:
        if dtype == np.float32:
            err = np.abs(got - want)
            bad = err > rtol * np.abs(want) + sub
            assert not bad.any(), (f"{bad.sum()} of {bad.size} off; worst at got={got[bad][:3]} "
                                   f"want={want[bad][:3]}")
        else:
            assert_close_to_truth(out, truth, dtype, rtol32=rtol)
        return
    scale = _forward_scale(x, case["y"], case["w"], case["pw"], reduction)[~nan]
    err = np.abs(got - want)
    allowed = rtol * scale + sub
    if dtype != np.float32:
        allowed = allowed + ulp(want, dtype)
        # beyond the 16-bit range the rounded truth is +-inf: then the ulp distance decides
        overflow = ~np.isfinite(round_to(want, dtype).astype(np.float64))
        if overflow.any():
            ok = ulp_distance(out[~nan][overflow], round_to(want, dtype)[overflow]) <= 1
            assert ok.all(), "overflowed 16-bit result is more than 1 ulp from the rounded truth"
            err, allowed = err[~overflow], allowed[~overflow]
    bad = err > allowed
    assert not bad.any(), f"{bad.sum()} of {bad.size} off; worst excess {np.max(err - allowed):.3e}"


# ---------------------------------------------------------------------------------------------
# 1. Forward
# ---------------------------------------------------------------------------------------------

FORWARD_SEEDS = [10_000 + i for i in range(FORWARD_CASES)]
BIG_EVERY = 25  # every 25th case is a ~300000-element one


def _kw(case):
    return dict(soc=case["soc"], max_blocks=case["max_blocks"])


@pytest.mark.parametrize("seed", FORWARD_SEEDS)
def test_forward_random_cases_match_float64_truth(seed):
    case = _random_case(seed, big=seed % BIG_EVERY == 0)
    x, y, w, pw, reduction = case["x"], case["y"], case["w"], case["pw"], case["reduction"]
    out = bce(x, y, w, reduction, pw, **_kw(case))
    truth = bce_with_logits_reference(x, y, w, reduction, pw)
    try:
        _assert_forward_close(out, truth, case)
    except AssertionError as exc:
        raise AssertionError(f"{_describe(case)}: {exc}") from None


# ---------------------------------------------------------------------------------------------
# 2. Backward (dL/dinput and dL/dtarget)
# ---------------------------------------------------------------------------------------------

BACKWARD_SEEDS = [20_000 + i for i in range(BACKWARD_CASES)]
GRADS = {"input": (bce_backward, bce_with_logits_grad_reference),
         "target": (bce_target_backward, bce_with_logits_target_grad_reference)}


def _random_grad_output(rng, x, reduction) -> np.ndarray:
    if reduction == "none":
        return rng.uniform(-2.0, 2.0, x.shape).astype(x.dtype)
    shape = [(), (1,), (1, 1)][int(rng.choice(3, p=[0.8, 0.1, 0.1]))]
    return np.array(rng.uniform(-2.0, 2.0), dtype=x.dtype).reshape(shape)


def _grad_subnormal_allowance(g, y, w, pw, reduction, wrt) -> np.ndarray:
    """Per-element slack for fp32 gradients below the normal range. assert_grad_close allows a
    fixed two subnormal steps, but a subnormal exp(-|x|) is rounded to a whole step and then
    multiplied by g, w, pw and y (g/N for 'mean'), which scale that error: the same
    2 * (1 + factor) steps as the forward (_subnormal_allowance)."""
    y64 = np.asarray(y, np.float64)
    g64 = np.abs(np.asarray(g, np.float64))
    if reduction == "mean":
        g64 = g64 / max(y64.size, 1)
    w64 = 1.0 if w is None else np.abs(np.asarray(w, np.float64))
    pw64 = 1.0 if pw is None else np.abs(np.asarray(pw, np.float64))
    inner = np.abs(1.0 - y64) + pw64 * np.abs(y64) if wrt == "input" else 1.0 + pw64
    return np.array(np.broadcast_to(2.0 * (1.0 + g64 * w64 * inner) * SUBNORMAL32, y64.shape))


def _assert_grad_close_random(got, truth, scale, dtype, subnormal) -> None:
    """assert_grad_close (fp32: RTOL32 of the subtracted magnitude plus subnormal slack; 16-bit:
    plus one ulp of the truth), with the per-element subnormal slack above instead of its fixed
    two steps, and where the 16-bit truth is beyond the dtype's range (the correctly rounded
    truth is +-inf) the result must be within one ulp of that."""
    assert got.dtype == dtype and got.shape == truth.shape
    nan = np.isnan(truth)
    assert np.array_equal(np.isnan(got.astype(np.float64)), nan), "NaN pattern differs"
    keep = ~nan
    if np.dtype(dtype) != np.float32:
        rounded = round_to(truth, dtype)
        overflow = np.isinf(rounded.astype(np.float64)) & keep
        if overflow.any():
            assert (ulp_distance(got[overflow], rounded[overflow]) <= 1).all(), \
                "overflowed 16-bit gradient is more than 1 ulp from the rounded truth"
            keep &= ~overflow
    err = np.abs(got.astype(np.float64) - truth)[keep]
    allowed = RTOL32 * scale[keep] + subnormal[keep]
    if np.dtype(dtype) != np.float32:
        allowed = allowed + ulp(truth[keep], dtype)
    bad = err > allowed
    assert not bad.any(), f"{bad.sum()} of {bad.size} off; worst excess {np.max(err - allowed):.3e}"


@pytest.mark.parametrize("seed", BACKWARD_SEEDS)
def test_backward_random_cases_match_float64_truth(seed):
    case = _random_case(seed, big=seed % BIG_EVERY == 0)
    x, y, w, pw, reduction = case["x"], case["y"], case["w"], case["pw"], case["reduction"]
    g = _random_grad_output(case["rng"], x, reduction)
    g_ref = g.reshape(()) if reduction != "none" else g
    for wrt, (launch, reference) in GRADS.items():
        got = launch(g, x, y, w, pw, reduction, **_kw(case))
        truth, scale = reference(g_ref, x, y, w, pw, reduction)
        subnormal = _grad_subnormal_allowance(g_ref, y, w, pw, reduction, wrt)
        try:
            _assert_grad_close_random(np.asarray(got), truth, scale, x.dtype, subnormal)
        except AssertionError as exc:
            raise AssertionError(f"d/d{wrt} {_describe(case)} grad_output={list(g.shape)}: {exc}") from None


# ---------------------------------------------------------------------------------------------
# 3. Malformed calls raise TypeError or ValueError, never anything else
# ---------------------------------------------------------------------------------------------

BAD_SEEDS = [30_000 + i for i in range(BAD_CASES)]
BAD_KINDS = ("weight_not_broadcastable", "operand_larger_than_input", "target_shape", "wrong_dtype",
             "too_many_dims", "bad_max_blocks", "bad_soc", "not_an_array", "grad_output_shape",
             "grad_output_dtype", "bad_reduction", "target_dtype")
WRONG_DTYPES = (np.float64, np.int32, np.int64, np.int8, np.uint8, np.bool_, np.complex64,
                np.dtype(">f4"), ml_dtypes.float8_e4m3fn, np.float128 if hasattr(np, "float128") else np.float64)


def _small_shape(rng, min_rank=1) -> tuple:
    rank = int(rng.integers(min_rank, 5))
    return tuple(int(rng.choice([1, 2, 3, 4, 5])) for _ in range(rank))


def _to_torch(value, requires_grad: bool):
    """A torch tensor of an ndarray where torch has its dtype (bf16 through float32), else the
    value unchanged."""
    import torch

    if not isinstance(value, np.ndarray):
        return value
    try:
        if value.dtype == DTYPES["bfloat16"]:
            t = torch.from_numpy(value.astype(np.float32)).to(torch.bfloat16)
        else:
            t = torch.from_numpy(value.copy(order="C"))  # (ascontiguousarray makes 0-d 1-d)
    except (TypeError, ValueError):
        return value
    if requires_grad and t.is_floating_point():
        t.requires_grad_()
    return t


def _bad_call(seed: int, use_torch: bool = False):
    """(description, thunk, hits_torch_op_bug) of one malformed call. With `use_torch`, the
    arrays are torch tensors, the input one that requires grad (so the forward goes through
    torch.ops.ascend_bce.bce_with_logits); hits_torch_op_bug says whether that forward gets a
    non-tensor target, weight or pos_weight (see test_torch_op_path_type_errors)."""
    rng = _case_rng(seed)
    kind = BAD_KINDS[seed % len(BAD_KINDS)]
    fn_name = str(rng.choice(["forward", "backward", "target_backward"]))
    dtype = DTYPE_LIST[int(rng.integers(0, 3))]
    shape = _small_shape(rng)
    reduction = str(rng.choice(REDUCTIONS))
    args = dict(x=rng.standard_normal(shape).astype(dtype), y=rng.random(shape).astype(dtype),
                w=None, pw=None, reduction=reduction, soc="910B1", max_blocks=None, g=None)
    operand = str(rng.choice(["w", "pw"]))

    if kind == "weight_not_broadcastable":
        # one dim that is neither 1 nor the input's (right-aligned)
        if all(d == 1 for d in shape):
            shape = shape[:-1] + (3,)
            args["x"] = np.zeros(shape, dtype)
            args["y"] = np.zeros(shape, dtype)
        k = int(rng.integers(0, len(shape)))
        sub = list(shape[k:])
        candidates = [i for i, d in enumerate(sub) if d != 1]
        i = int(rng.choice(candidates)) if candidates else 0
        sub[i] = sub[i] + int(rng.integers(1, 4)) if sub[i] != 1 else 2
        args[operand] = np.ones(sub, DTYPE_LIST[int(rng.integers(0, 3))])
    elif kind == "operand_larger_than_input":
        # the wrong way round: broadcastable *from* the input, not to it
        if rng.random() < 0.5:
            big = (int(rng.integers(1, 4)),) + shape  # an extra leading dim
        else:
            shape = shape[:-1] + (1,)
            args["x"] = np.zeros(shape, dtype)
            args["y"] = np.zeros(shape, dtype)
            big = shape[:-1] + (int(rng.integers(2, 5)),)
        args[operand] = np.ones(big, DTYPE_LIST[int(rng.integers(0, 3))])
    elif kind == "target_shape":
        choice = int(rng.integers(0, 4))
        if choice == 0:  # broadcastable but not equal
            tshape = shape[1:] if len(shape) > 1 else ()
            if tshape == shape:
                tshape = (1,) + shape
        elif choice == 1:
            tshape = (1,) + shape
        elif choice == 2:
            tshape = shape[:-1] + (shape[-1] + 1,)
        else:
            tshape = (int(np.prod(shape)),) if len(shape) > 1 else (shape[0], 1)
        args["y"] = np.zeros(tshape, dtype)
    elif kind == "wrong_dtype":
        bad = WRONG_DTYPES[int(rng.integers(0, len(WRONG_DTYPES)))]
        victim = str(rng.choice(["x", "y", "w", "pw", "g"] if fn_name != "forward" else ["x", "y", "w", "pw"]))
        src = rng.random(shape)
        arr = (src > 0.5) if bad is np.bool_ else src.astype(bad)
        if victim in ("x", "y"):
            # both, so that only the dtype is wrong (not a target/input mismatch)
            args["x"] = arr
            args["y"] = arr.copy()
        else:
            args[victim] = arr if victim != "g" or reduction == "none" else arr.reshape(-1)[:1].reshape(())
    elif kind == "too_many_dims":
        rank = int(rng.integers(9, 13))
        big = tuple(int(rng.choice([1, 1, 2])) for _ in range(rank))
        args["x"] = np.zeros(big, dtype)
        args["y"] = np.zeros(big, dtype)
    elif kind == "bad_max_blocks":
        args["max_blocks"] = [0, -1, -int(rng.integers(2, 100)), -2**40, 1.5, 3.0, "4", True, False,
                              [4]][int(rng.integers(0, 10))]
    elif kind == "bad_soc":
        args["soc"] = ["910B5", "910b1", "", None, 910, "Ascend910B1", "910C", b"910B1",
                       " 910B1"][int(rng.integers(0, 9))]
    elif kind == "not_an_array":
        junk = [None, [0.0, 1.0], [[0.5]], 1, 0.5, "x", (1.0,), {"a": 1}, np.float32(1.0),
                memoryview(b"abcd")][int(rng.integers(0, 10))]
        victim = str(rng.choice(["x", "y", "w", "pw", "g"] if fn_name != "forward" else ["x", "y", "w", "pw"]))
        if junk is None and victim in ("w", "pw"):
            junk = [1.0]  # None is a valid weight
        args[victim] = junk
        if victim == "g":
            fn_name = str(rng.choice(["backward", "target_backward"]))
    elif kind == "grad_output_shape":
        fn_name = str(rng.choice(["backward", "target_backward"]))
        if reduction == "none":
            if int(np.prod(shape)) == 1 and rng.random() < 0.5:
                gshape = (2,) + shape
            else:
                gshape = [(), shape[:-1] + (shape[-1] + 1,), (1,) + shape, shape[::-1] + (2,)][
                    int(rng.integers(0, 4))]
                if gshape == shape:
                    gshape = shape + (2,)
        else:
            gshape = [(2,), (1, 2), (3, 1), tuple(d + 1 for d in shape)][int(rng.integers(0, 4))]
        args["g"] = np.ones(gshape, dtype)
    elif kind == "grad_output_dtype":
        fn_name = str(rng.choice(["backward", "target_backward"]))
        others = [d for d in DTYPE_LIST if d != dtype] + [np.dtype(np.float64)]
        gd = others[int(rng.integers(0, len(others)))]
        args["g"] = np.ones(shape if reduction == "none" else (), gd)
    elif kind == "bad_reduction":
        args["reduction"] = ["avg", "MEAN", "", None, 0, 1, "elementwise_mean", b"sum"][int(rng.integers(0, 8))]
    elif kind == "target_dtype":
        other = [d for d in DTYPE_LIST if d != dtype]
        args["y"] = args["y"].astype(other[int(rng.integers(0, 2))])

    if fn_name != "forward" and args["g"] is None and not (kind == "not_an_array" and victim == "g"):
        x = args["x"]
        red = args["reduction"]
        try:
            gdtype = x.dtype if isinstance(x, np.ndarray) else dtype
            gshape = x.shape if isinstance(x, np.ndarray) and red == "none" else ()
            args["g"] = np.ones(gshape, gdtype)
        except Exception:
            args["g"] = np.ones((), dtype)

    if use_torch:
        for key in ("x", "y", "w", "pw", "g"):
            args[key] = _to_torch(args[key], requires_grad=key == "x")

    def desc(v):
        if hasattr(v, "shape") and hasattr(v, "dtype"):
            return f"{type(v).__name__}{list(v.shape)}:{v.dtype}"
        return repr(v)

    text = (f"seed={seed} kind={kind} fn={fn_name} " +
            " ".join(f"{k}={desc(v)}" for k, v in args.items()))
    a = args
    if fn_name == "forward":
        def thunk():
            return bce(a["x"], a["y"], a["w"], a["reduction"], a["pw"], soc=a["soc"], max_blocks=a["max_blocks"])
    else:
        launch = bce_backward if fn_name == "backward" else bce_target_backward

        def thunk():
            return launch(a["g"], a["x"], a["y"], a["w"], a["pw"], a["reduction"], soc=a["soc"],
                          max_blocks=a["max_blocks"])
    return text, thunk


@pytest.mark.parametrize("seed", BAD_SEEDS)
def test_malformed_calls_raise_type_or_value_error(seed):
    _expect_type_or_value_error(*_bad_call(seed))


# 40 of every kind, plus 10 more of the non-array kind (index 7 of BAD_KINDS)
TORCH_BAD_SEEDS = ([31_000 + i for i in range(40)] +
                   [s for s in range(31_040, 31_200) if s % len(BAD_KINDS) == BAD_KINDS.index("not_an_array")][:10])


@pytest.mark.parametrize("seed", TORCH_BAD_SEEDS if _has_torch() else [])
def test_malformed_calls_with_torch_tensors_raise_type_or_value_error(seed):
    # the same generator, with torch tensors and an input that requires grad
    text, thunk = _bad_call(seed, use_torch=True)
    torch_semantics = TORCH_FORWARD_SEMANTICS.get(BAD_KINDS[seed % len(BAD_KINDS)], ValueError)
    if " fn=forward " not in text or torch_semantics is ValueError:
        _expect_type_or_value_error(text, thunk)
    elif torch_semantics is None:
        thunk()  # accepted, as torch accepts it
    else:
        with pytest.raises(torch_semantics):
            thunk()


# The forward with torch tensors follows torch (issue 10; tests/test_torch_conformance.py): a
# weight that does not broadcast is torch's RuntimeError; a target of another floating dtype is
# promoted, and a rank beyond the kernel's 8 is collapsed, as torch accepts both.
TORCH_FORWARD_SEMANTICS = {"weight_not_broadcastable": RuntimeError, "operand_larger_than_input": RuntimeError,
                           "target_dtype": None, "too_many_dims": None}


@pytest.mark.parametrize("operand", ["target=list", "target=None", "target=ndarray", "weight=list",
                                     "pos_weight=float"])
def test_torch_op_path_type_errors(operand):
    """Regression: with requires_grad=True these went to the torch op unchecked and raised the
    dispatcher's RuntimeError (or AttributeError); they are TypeErrors naming the argument."""
    torch = pytest.importorskip("torch")
    x = torch.zeros(2, 3, requires_grad=True)
    y = torch.zeros(2, 3)
    kwargs = {"target=list": dict(target=[[0.0] * 3] * 2), "target=None": dict(target=None),
              "target=ndarray": dict(target=np.zeros((2, 3), np.float32)),
              "weight=list": dict(target=y, weight=[1.0, 2.0, 3.0]),
              "pos_weight=float": dict(target=y, pos_weight=2.0)}[operand]
    name = operand.split("=")[0]
    with pytest.raises(TypeError, match=f"argument '{name}' must be Tensor"):
        bce(x, **kwargs)


def _expect_type_or_value_error(text, thunk):
    try:
        result = thunk()
    except (TypeError, ValueError):
        return
    except BaseException as exc:  # SimulatorError, RuntimeError, ... are all failures here
        raise AssertionError(f"{text}: raised {type(exc).__name__}: {exc}") from None
    raise AssertionError(f"{text}: no error; returned {type(result).__name__} "
                         f"{getattr(result, 'shape', '')}")


# ---------------------------------------------------------------------------------------------
# 4. Determinism of mean/sum across block counts and SoCs
# ---------------------------------------------------------------------------------------------

DETERMINISM_SEEDS = [40_000 + i for i in range(DETERMINISM_CASES)]


def _bits(a: np.ndarray) -> bytes:
    return np.asarray(a).tobytes()  # C order


@pytest.mark.parametrize("seed", DETERMINISM_SEEDS)
def test_reductions_are_bit_identical_across_block_counts_and_socs(seed):
    case = _random_case(seed, big=seed % 2 == 0, reductions=("mean", "sum"))
    x, y, w, pw, reduction = case["x"], case["y"], case["w"], case["pw"], case["reduction"]
    first = None
    for soc in SOCS:
        for blocks in (1, 3, 17, 48):
            out = bce(x, y, w, reduction, pw, soc=soc, max_blocks=blocks)
            if first is None:
                first = (soc, blocks, out)
            assert _bits(out) == _bits(first[2]), (
                f"{_describe(case)}: soc={soc} max_blocks={blocks} gives {out!r}, "
                f"soc={first[0]} max_blocks={first[1]} gave {first[2]!r}")
    out = bce(x, y, w, reduction, pw)  # default soc and block count
    assert _bits(out) == _bits(first[2]), f"{_describe(case)}: default options give {out!r}"
