"""Broadcast operands cost no scalar loop: a PERIODIC operand is read from GM once per block and
expanded on the vector pipe (Gather by computed offsets), with results bit-identical to the same
operand given in full (streamed and multiplied element by element)."""
from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest

import ascend_bce
from ascend_bce import _C
from ascend_bce import functional as F
from test_bce_with_logits_reduction_order import model_sum, model_sum_of_tiling

bce = ascend_bce.binary_cross_entropy_with_logits
# CreateVecIndex writes its first 32-B block (8 fp32) with the scalar unit: the whole set-up's
# scalar work per PERIODIC operand and block.
RAMP_SCALAR_STORES = 8
DTYPES = {"float32": np.float32, "float16": np.float16, "bfloat16": ml_dtypes.bfloat16}

PERIODIC_CASES = [
    # shape, weight shape, pos_weight shape
    # (inputs large enough that each block reads more than lcm(P, 8) elements: PERIODIC pays off)
    ((96, 1000), None, (1000,)),           # pw[C], 32-B multiple period
    ((400, 1001), None, (1001,)),          # odd period: lcm(P, 8) = 8 P
    ((400, 5, 7), (5, 1), None),           # inner broadcast dim: weight[c] repeated along h
    ((400, 5, 3, 7), (1, 5, 1, 7), (7,)),  # two non-broadcast dims in the period, and a pw[C]
    ((3000, 13), (1, 13), (13,)),          # two operands copied period by period (P >= 8, odd)
    ((400, 1001), (1001,), (1001,)),       # two such operands with periods longer than a tile
    ((400, 1004), None, (1004,)),          # P = 4 mod 8: lcm(P, 8) = 2 P, the second copy gathered
]


def _operand(rng, shape, dtype):
    return None if shape is None else (rng.random(shape) + 0.5).astype(dtype)


def _tiling(shape, dtype, reduction, w, pw):
    return _C.host.compute_tiling(list(shape), dtype, reduction, None if w is None else list(w.shape), dtype,
                                  None if pw is None else list(pw.shape), dtype)


@pytest.mark.parametrize("dtype", sorted(DTYPES))
@pytest.mark.parametrize("shape, w_shape, pw_shape", PERIODIC_CASES)
def test_periodic_operands_match_the_full_operand_bit_for_bit(rng, dtype, shape, w_shape, pw_shape):
    dt = DTYPES[dtype]
    x = (rng.standard_normal(shape) * 4).astype(dt)
    y = rng.random(shape).astype(dt)
    w, pw = _operand(rng, w_shape, dt), _operand(rng, pw_shape, dt)
    tiling = _tiling(shape, dtype, "none", w, pw)
    periodic = [name for name, op in (("weight", w), ("pos_weight", pw)) if op is not None]
    assert all(tiling[name]["mode"] == "PERIODIC" for name in periodic), tiling
    out = bce(x, y, w, "none", pw)
    stats = ascend_bce.last_kernel_stats()
    full = [None if op is None else np.broadcast_to(op, shape).copy() for op in (w, pw)]
    expected = bce(x, y, full[0], "none", full[1])
    np.testing.assert_array_equal(out.view(np.uint8), expected.view(np.uint8))
    assert stats.scalar_accesses <= RAMP_SCALAR_STORES * stats.block_dim * len(periodic)
    operand_bytes = sum(op.nbytes for op in (w, pw) if op is not None)
    assert stats.gm_bytes_read == x.nbytes + y.nbytes + stats.block_dim * operand_bytes


@pytest.mark.parametrize("shape, w_shape, pw_shape", PERIODIC_CASES)
def test_periodic_backward_has_no_scalar_loop(rng, shape, w_shape, pw_shape):
    x = rng.standard_normal(shape).astype(np.float32)
    y = rng.random(shape).astype(np.float32)
    w, pw = _operand(rng, w_shape, np.float32), _operand(rng, pw_shape, np.float32)
    g = rng.standard_normal(shape).astype(np.float32)
    grad = F.binary_cross_entropy_with_logits_backward(g, x, y, w, pw, "none")
    stats = ascend_bce.last_kernel_stats()
    full = [None if op is None else np.broadcast_to(op, shape).copy() for op in (w, pw)]
    expected = F.binary_cross_entropy_with_logits_backward(g, x, y, full[0], full[1], "none")
    np.testing.assert_array_equal(grad.view(np.uint32), expected.view(np.uint32))
    assert stats.scalar_accesses <= RAMP_SCALAR_STORES * stats.block_dim * 2


@pytest.mark.parametrize("shape", [(400, 1001), (100, 6144)])
def test_periods_longer_than_a_tile_are_applied_in_two_pieces(rng, shape):
    # lcm(P, 8) of at least a tile keeps no tile's worth behind the period: a tile that runs past
    # it multiplies by the period's end, then its start (P odd: copies gathered behind a head;
    # P = 6144: one aligned copy, no Gather at all).
    x = (rng.standard_normal(shape) * 4).astype(np.float32)
    y = rng.random(shape).astype(np.float32)
    pw = _operand(rng, shape[1:], np.float32)
    tiling = _tiling(shape, "float32", "none", None, pw)
    assert tiling["pos_weight"]["mode"] == "PERIODIC", tiling
    assert tiling["pos_weight"]["period_aligned"] >= tiling["tile_length"]
    out = bce(x, y, None, "none", pw)
    gathers = ascend_bce.last_kernel_stats().instructions.get("Gather", 0)
    assert (gathers == 0) == (shape[1] % 8 == 0)
    expected = bce(x, y, None, "none", np.broadcast_to(pw, shape).copy())
    np.testing.assert_array_equal(out.view(np.uint8), expected.view(np.uint8))


GENERIC_CASES = [
    # shape, weight shape, pos_weight shape, expected kind of the GENERIC (or ROW) operand
    ((64, 1537), None, (1537,), "row"),              # lcm(P, 8) too long for PERIODIC: row tiles
    ((64, 2, 1537), (64, 1, 1537), None, None),      # the same length, not a row vector: gathered
    ((40, 3, 1537), (3, 1537), None, None),          # kept in UB, or (short reduction tiles) per-row pieces
    ((300, 70), (300, 1), None, "span"),             # row weight: a few rows per tile
    ((50, 6, 100), (50, 1, 100), None, "span"),      # w[a, 1, c] on [a, b, c]
    ((13, 3, 4001), (13, 1, 4001), None, "span"),    # too big to keep: the tile's GM span per tile
    ((3, 60000), None, (60000,), "row"),             # too wide for UB: chunks of the row
    ((64, 30000), None, (30000,), "row"),            # multi-label pw[C]: chunks of the row
    ((64, 2, 30000), (64, 1, 30000), None, "span"),  # too wide, not a row vector: pieces per row
]


def _gather_kind(op):
    return "row" if op["mode"] == "ROW" else "resident" if op["gather_span"] == 0 else "span"


@pytest.mark.parametrize("reduction", ["none", "sum"])
@pytest.mark.parametrize("dtype", ["float32", "float16"])
@pytest.mark.parametrize("shape, w_shape, pw_shape, kind", GENERIC_CASES)
def test_generic_operands_are_gathered_bit_identically(rng, dtype, reduction, shape, w_shape, pw_shape, kind):
    dt = DTYPES[dtype]
    x = (rng.standard_normal(shape) * 4).astype(dt)
    y = rng.random(shape).astype(dt)
    w, pw = _operand(rng, w_shape, dt), _operand(rng, pw_shape, dt)
    tiling = _tiling(shape, dtype, reduction, w, pw)
    generic = [tiling[name] for name in ("weight", "pos_weight") if tiling[name]["mode"] in ("GENERIC", "ROW")]
    assert kind is None or [_gather_kind(op) for op in generic][:1] == [kind], tiling
    out = bce(x, y, w, reduction, pw)
    stats = ascend_bce.last_kernel_stats()
    losses = bce(x, y, w, "none", pw)
    full = [None if op is None else np.broadcast_to(op, shape).copy() for op in (w, pw)]
    np.testing.assert_array_equal(losses.view(np.uint8), bce(x, y, full[0], "none", full[1]).view(np.uint8))
    if reduction == "sum" and dtype == "float32":
        # The tile length (so the summation order) depends on the UB plan: the documented order,
        # fed this kernel's own losses, gives the bits.
        want = model_sum_of_tiling(losses.reshape(-1), tiling)
        assert np.asarray(out).view(np.uint32) == want.view(np.uint32)
    assert stats.scalar_accesses <= RAMP_SCALAR_STORES * stats.block_dim * 2
    if kind == "row":
        assert "Gather" not in stats.instructions
    if kind == "resident":
        partials = 0 if reduction == "none" else tiling["num_tiles"] * 4
        operand_bytes = sum(op.nbytes for op in (w, pw) if op is not None)
        assert stats.gm_bytes_read == x.nbytes + y.nbytes + stats.block_dim * operand_bytes + partials



# Operands too wide for UB: a row vector is read in chunks by row tiles; any other as one piece per
# row; never element by element.
WIDE_ROW_CASES = [((64, 30000), (30000,)), ((4, 49152), (49152,)), ((32, 2, 30000), (32, 1, 30000))]
# Scalar work per block that does not grow with the elements: tiling words, ramp set-up, loop
# bookkeeping (measured: 8 per block; a bound well below one access per tile element).
SCALAR_ACCESSES_PER_BLOCK = 16


@pytest.mark.parametrize("reduction", ["none", "mean"])
@pytest.mark.parametrize("dtype", ["float32", "float16"])
@pytest.mark.parametrize("shape, pw_shape", WIDE_ROW_CASES)
def test_wide_pos_weight_needs_no_scalar_loop(rng, dtype, reduction, shape, pw_shape):
    from test_bce_with_logits_backward import check as check_grad, grad_output_for
    from test_bce_with_logits_forward import _check as check_forward, _inputs

    x, y, _, pw = _inputs(rng, shape, DTYPES[dtype], pw_shape=pw_shape)
    tiling = _tiling(shape, dtype, reduction, None, pw)
    assert tiling["pos_weight"]["mode"] == ("ROW" if len(shape) == 2 else "GENERIC")
    check_forward(x, y, None, pw, reduction)
    stats = ascend_bce.last_kernel_stats()
    assert stats.scalar_accesses <= SCALAR_ACCESSES_PER_BLOCK * stats.block_dim
    partials = 0 if reduction == "none" else tiling["num_tiles"] * 4
    # pw is read where the block's tiles use it: at most its elements, plus one 32-B block per
    # piece (two per tile at most), never more than once per element of x.
    assert stats.gm_bytes_read <= x.nbytes + y.nbytes + x.nbytes + 2 * 32 * tiling["num_tiles"] + partials
    check_grad(x, y, None, pw, reduction, grad_output_for(rng, x, reduction))
    stats = ascend_bce.last_kernel_stats()
    assert stats.scalar_accesses <= SCALAR_ACCESSES_PER_BLOCK * stats.block_dim


PIECE_CASES = [
    # shape, weight shape: a tile crossing the outer dim would span more than the 32 KiB buffer
    ((2, 10000, 4), (2, 10000, 1)),  # broadcast innermost dim: pieces of the outermost dim
    ((3, 4, 9000), (3, 1, 9000)),    # broadcast middle dim: pieces are rows of the innermost dim
]


@pytest.mark.parametrize("reduction", ["none", "sum"])
@pytest.mark.parametrize("shape, w_shape", PIECE_CASES)
def test_pieces_match_the_full_operand_bit_for_bit(rng, reduction, shape, w_shape):
    x = (rng.standard_normal(shape) * 4).astype(np.float32)
    y = rng.random(shape).astype(np.float32)
    w = _operand(rng, w_shape, np.float32)
    tiling = _tiling(shape, "float32", reduction, w, None)
    assert tiling["weight"]["mode"] == "GENERIC" and tiling["weight"]["gather_span"] != 0
    out = bce(x, y, w, reduction, None)
    stats = ascend_bce.last_kernel_stats()
    full = bce(x, y, np.broadcast_to(w, shape).copy(), reduction, None)
    if reduction == "none":
        np.testing.assert_array_equal(out.view(np.uint32), full.view(np.uint32))
    else:
        losses = bce(x, y, w, "none", None)
        want = model_sum(losses.reshape(-1), tiling["tile_length"], tiling["partial_group_length"])
        assert np.asarray(out).view(np.uint32) == want.view(np.uint32)
    assert stats.scalar_accesses <= SCALAR_ACCESSES_PER_BLOCK * stats.block_dim
