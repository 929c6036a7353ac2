"""Adversarial tests of the PERIODIC set-up by period copies (op_kernel/bce_with_logits_period.h
CopyPeriods, bce_with_logits_period_plan.h): periods around the 32-B block (P = 8, 9, 15, 16, 17),
long odd and aligned periods up to the PERIODIC UB cap, periods longer than a tile (no tail: a tile
applies the period in two Muls), small UB (a period copy gathered in several pieces), block caps
(many tiles per block, tiles starting anywhere in the period), all three kernels and dtypes.
Results must be bit-identical to the same operand given in full (the set-up only copies values),
and the kernel must allocate exactly the host's UB plan."""
from __future__ import annotations

import numpy as np
import pytest

from ascend_bce import _C
from ascend_bce.reference import (bce_with_logits_grad_reference, bce_with_logits_reference,
                                  bce_with_logits_target_grad_reference)
from conftest import DTYPES, assert_close_to_truth
from test_bce_with_logits_backward import assert_grad_close

SOC = "910B1"
# fp32 elements of the largest fp32 PERIODIC operand (MAX_PERIOD_BYTES = 48 KiB: period and staged
# copy, 8 P bytes) and the largest odd one (lcm(P, 8) = 8 P, plus its copy behind a 32-B head).
LONGEST_ALIGNED_PERIOD = 6144
LONGEST_ODD_PERIOD = 1363


def _launch(kernel, x, y, w, pw, reduction, g=None, max_blocks=0, ub_bytes=0):
    """One launch with an explicit tiling request: (result, stats, tiling, host UB plan bytes)."""
    args = dict(kernel=kernel, input_shape=list(x.shape), dtype=np.dtype(x.dtype).name, reduction=reduction,
                weight_shape=None if w is None else list(w.shape),
                weight_dtype="float32" if w is None else np.dtype(w.dtype).name,
                pos_weight_shape=None if pw is None else list(pw.shape),
                pos_weight_dtype="float32" if pw is None else np.dtype(pw.dtype).name,
                soc=SOC, max_blocks=max_blocks, ub_bytes=ub_bytes)
    tiling = _C.host.compute_tiling(**args)
    raw = np.frombuffer(_C.host.tiling_bytes(**args), np.uint8).copy()
    workspace = np.zeros(max(int(tiling["workspace_bytes"]), 32), np.uint8)
    if kernel == "forward":
        out = np.empty(x.shape if reduction == "none" else (), x.dtype)
        stats = _C.launch_bce_with_logits(x, y, w, pw, out.reshape(-1), workspace, raw, SOC)
    else:
        out = np.empty_like(x)
        stats = _C.launch_bce_with_logits_grad(x, y, w, pw, g.reshape(-1), out.reshape(-1), workspace, raw, SOC)
    return out, stats, tiling, _C.host.ub_bytes_used(**args)


def _inputs(rng, shape, dtype, w_shape, pw_shape, op_dtype=None):
    dt, odt = DTYPES[dtype], DTYPES[op_dtype or dtype]
    x = (rng.standard_normal(shape) * 4).astype(dt)
    y = rng.random(shape).astype(dt)
    w = None if w_shape is None else (rng.random(w_shape) + 0.5).astype(odt)
    pw = None if pw_shape is None else (rng.random(pw_shape) + 0.5).astype(odt)
    return x, y, w, pw


def _grad_output(rng, x, reduction):
    shape = x.shape if reduction == "none" else (1,)
    return rng.uniform(0.5, 2.0, shape).astype(x.dtype)


def _assert_periodic_matches_full(kernel, x, y, w, pw, g=None, max_blocks=0, ub_bytes=0):
    """'none' (or a gradient) with the operands PERIODIC equals the same launch with the operands
    broadcast in full, bit for bit; the kernel allocates exactly the host's plan. Returns the tiling."""
    out, stats, tiling, used = _launch(kernel, x, y, w, pw, "none", g, max_blocks, ub_bytes)
    assert stats.ub_peak_bytes == used
    assert used <= (ub_bytes or tiling["ub_bytes"])
    full = [None if op is None else np.broadcast_to(op, x.shape).copy() for op in (w, pw)]
    expected, _, _, _ = _launch(kernel, x, y, full[0], full[1], "none", g, max_blocks, ub_bytes)
    np.testing.assert_array_equal(out.view(np.uint8), expected.view(np.uint8))
    return tiling


def _periodic(tiling, *names):
    return all(tiling[name]["mode"] == "PERIODIC" for name in names)


# P around one fp32 block (8), odd and 4-mod-8 periods, and the longest the UB cap admits; rows so
# that every planned block reads more than lcm(P, 8) / 2 elements (the host keeps them PERIODIC).
PERIODS = [8, 9, 15, 16, 17, 24, 1000, 1001, 1004, LONGEST_ODD_PERIOD, LONGEST_ALIGNED_PERIOD]


@pytest.mark.parametrize("dtype", sorted(DTYPES))
@pytest.mark.parametrize("period", PERIODS)
def test_weight_and_pos_weight_periods_match_the_full_operands(rng, dtype, period):
    rows = max(64, 24 * np.lcm(period, 8) // period + 1)
    x, y, w, pw = _inputs(rng, (rows, period), dtype, (period,), (period,))
    tiling = _assert_periodic_matches_full("forward", x, y, w, pw)
    if dtype == "float32" or period < LONGEST_ODD_PERIOD:  # 16-bit: the fp32 copy too is staged
        assert _periodic(tiling, "weight", "pos_weight"), tiling


@pytest.mark.parametrize("period", [4097, LONGEST_ALIGNED_PERIOD + 8, LONGEST_ODD_PERIOD + 2])
def test_periods_beyond_the_ub_cap_are_not_periodic_and_stay_exact(rng, period):
    x, y, _, pw = _inputs(rng, (60, period), "float32", None, (period,))
    tiling = _assert_periodic_matches_full("forward", x, y, None, pw)
    assert tiling["pos_weight"]["mode"] != "PERIODIC", tiling


# (kernel, dtype, operand dtype, P, both operands, ub_bytes): UB so small that the tile is no
# longer than lcm(P, 8) (no tail: tiles that run past the period apply it in two Muls), down to
# tiles shorter than one period copy (a copy gathered in several pieces). Two blocks: many tiles
# each, starting everywhere in the period.
SMALL_UB_CASES = [
    ("forward", "float32", "float32", 9, True, 5120),       # lcm 72, tile 64: two Muls per tile
    ("forward", "float16", "float16", 15, True, 4096),
    ("forward", "bfloat16", "bfloat16", 17, False, 5632),
    ("forward", "float32", "float32", 200, False, 9216),    # aligned: one Muls copy, no head
    ("forward", "float32", "float32", 1001, False, 49152),  # tile < P + 8: pieces of one tile
    ("forward", "bfloat16", "bfloat16", 1009, False, 65536),
    ("forward", "float16", "float32", 1001, True, 98304),   # fp32 operands over fp16 inputs
    ("backward", "float32", "float32", 15, True, 7168),
    ("backward", "float16", "float16", 1001, False, 57344),
    ("backward_target", "bfloat16", "bfloat16", 2000, True, 45056),
    ("backward_target", "float32", "float16", 9, True, 6144),
]


@pytest.mark.parametrize("kernel, dtype, op_dtype, period, both, ub_bytes", SMALL_UB_CASES)
def test_periods_at_least_a_tile_long_with_small_ub(rng, kernel, dtype, op_dtype, period, both, ub_bytes):
    rows = 300 if period > 100 else 60000 // period
    x, y, w, pw = _inputs(rng, (rows, period), dtype, (period,) if both else None, (period,), op_dtype)
    g = _grad_output(rng, x, "none") if kernel != "forward" else None
    tiling = _assert_periodic_matches_full(kernel, x, y, w, pw, g, max_blocks=2, ub_bytes=ub_bytes)
    names = ("weight", "pos_weight") if both else ("pos_weight",)
    assert _periodic(tiling, *names), tiling
    assert all(tiling[name]["period_aligned"] >= tiling["tile_length"] for name in names), tiling
    assert tiling["num_tiles"] > 2 * 2  # several tiles per block


def test_period_copy_gathered_in_pieces_of_one_tile(rng):
    # P = 1001 with a tile shorter than P + 8: each of the 8 period copies is gathered a tile at a
    # time from the one byte ramp in a scratch tile.
    x, y, _, pw = _inputs(rng, (300, 1001), "float32", None, (1001,))
    tiling = _assert_periodic_matches_full("forward", x, y, None, pw, max_blocks=1, ub_bytes=45056)
    assert tiling["pos_weight"]["mode"] == "PERIODIC" and tiling["tile_length"] < 1001 + 8, tiling


@pytest.mark.parametrize("period", [9, 1001])
def test_special_operand_values_are_copied_unchanged(rng, period):
    # Signed zeros, infinities, a NaN, the smallest normal and subnormals: the period copies (vector
    # copies and Gathers) must move every value as the full operand gives it.
    x, y, w, pw = _inputs(rng, (4 * 24 * np.lcm(period, 8) // period + 1, period), "float32", (period,), (period,))
    specials = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1.17549435e-38, 1e-40, 1e-45, -1e-42], np.float32)
    w[:specials.size] = specials
    pw[-specials.size:] = specials[::-1]
    tiling = _assert_periodic_matches_full("forward", x, y, w, pw)
    assert _periodic(tiling, "weight", "pos_weight"), tiling


REDUCTION_CASES = [("float32", 9, 0), ("float16", 17, 3), ("bfloat16", 1001, 1), ("float32", 1001, 7),
                   ("float32", 2000, 2), ("float32", LONGEST_ALIGNED_PERIOD, 0)]


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("dtype, period, max_blocks", REDUCTION_CASES)
def test_reductions_with_period_copies_match_the_reference(rng, reduction, dtype, period, max_blocks):
    rows = max(64, 24 * np.lcm(period, 8) // period + 1)
    x, y, w, pw = _inputs(rng, (rows, period), dtype, None, (period,))
    w = (rng.random(period) + 0.5).astype(np.float32)  # an fp32 weight beside a 16-bit input
    out, stats, tiling, used = _launch("forward", x, y, w, pw, reduction, max_blocks=max_blocks)
    assert stats.ub_peak_bytes == used
    assert tiling["pos_weight"]["mode"] == "PERIODIC", tiling
    truth = bce_with_logits_reference(x.astype(np.float64), y.astype(np.float64), w.astype(np.float64),
                                      reduction, pw.astype(np.float64))
    assert_close_to_truth(out, truth, DTYPES[dtype])
    # The summation order is the tiles' (planned for a fixed block count): any cap gives the same bits.
    uncapped, _, _, _ = _launch("forward", x, y, w, pw, reduction)
    assert out.tobytes() == uncapped.tobytes()


@pytest.mark.parametrize("kernel", ["backward", "backward_target"])
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("dtype, period", [("float32", 15), ("bfloat16", 1001), ("float16", 1004)])
def test_backward_with_period_copies_matches_the_reference(rng, kernel, reduction, dtype, period):
    rows = max(64, 24 * np.lcm(period, 8) // period + 1)
    x, y, w, pw = _inputs(rng, (rows, period), dtype, (period,), (period,))
    g = _grad_output(rng, x, reduction)
    out, stats, tiling, used = _launch(kernel, x, y, w, pw, reduction, g, max_blocks=5)
    assert stats.ub_peak_bytes == used
    assert _periodic(tiling, "weight", "pos_weight"), tiling
    reference = bce_with_logits_grad_reference if kernel == "backward" else bce_with_logits_target_grad_reference
    g64 = g.astype(np.float64) if reduction == "none" else g.astype(np.float64).reshape(())
    truth, scale = reference(g64, x.astype(np.float64), y.astype(np.float64), w.astype(np.float64),
                             pw.astype(np.float64), reduction)
    assert_grad_close(out, truth, scale, DTYPES[dtype])
