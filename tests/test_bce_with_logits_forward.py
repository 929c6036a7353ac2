"""Forward kernel accuracy: dtypes x reductions x weight/pos_weight broadcast patterns x sizes x
block counts, against the float64 NumPy truth (and torch for fp32)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import ascend_bce
from ascend_bce.reference import bce_with_logits_reference
from conftest import DTYPES, assert_close_to_truth

# Every numerics test runs with exact, +-2 ulp and absolute-error-Ln Exp/Ln (conftest.MATH_MODELS).
pytestmark = pytest.mark.usefixtures("math_model")

REDUCTIONS = ("none", "mean", "sum")

# (input shape, weight shape or None, pos_weight shape or None): every broadcast class the
# tiling knows (SCALAR, PERIODIC, FULL, GENERIC) on each operand.
PATTERNS = {
    "plain": ((33, 31), None, None),
    "pw_per_class": ((64, 100), None, (100,)),
    "w_per_class_pw_scalar": ((17, 33), (33,), ()),
    "w_per_row": ((40, 129), (40, 1), None),
    "w_channel_nchw": ((2, 3, 5, 7), (1, 3, 1, 1), (3, 1, 1)),
    "w_full_pw_row": ((9, 70), (9, 70), (9, 1)),
    "w_mid_broadcast": ((4, 6, 10), (4, 1, 10), (1, 6, 1)),
    "scalar_1": ((257,), (1,), (1,)),
}


def _inputs(rng, shape, dtype, w_shape=None, pw_shape=None, w_dtype=None, pw_dtype=None):
    x = (rng.standard_normal(shape) * 4).astype(dtype)
    y = rng.random(shape).astype(dtype)
    w = None if w_shape is None else rng.uniform(0.1, 2.0, w_shape).astype(w_dtype or dtype)
    pw = None if pw_shape is None else rng.uniform(0.5, 5.0, pw_shape).astype(pw_dtype or dtype)
    return x, y, w, pw


def _check(x, y, w, pw, reduction, **kw):
    out = ascend_bce.binary_cross_entropy_with_logits(x, y, w, reduction, pw, **kw)
    truth = bce_with_logits_reference(x, y, w, reduction, pw)
    rtol = 1e-6 if reduction == "none" else 2e-6  # a sum adds its own rounding per level
    assert_close_to_truth(out, truth, x.dtype, rtol32=rtol)
    return out


@pytest.mark.parametrize("blocks", [None, 3])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("pattern", PATTERNS)
def test_patterns_match_float64_truth(rng, dtype, reduction, pattern, blocks):
    shape, w_shape, pw_shape = PATTERNS[pattern]
    _check(*_inputs(rng, shape, DTYPES[dtype], w_shape, pw_shape), reduction, max_blocks=blocks)


@pytest.mark.parametrize("size", [1, 7, 31, 33, 4097, 2**20 + 3])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("operands", ["absent", "full_weight_scalar_pos_weight"])
def test_sizes(rng, size, dtype, operands):
    shapes = ((size,), ()) if operands != "absent" else (None, None)
    x, y, w, pw = _inputs(rng, (size,), DTYPES[dtype], *shapes)
    for reduction in REDUCTIONS:
        _check(x, y, w, pw, reduction)


@pytest.mark.parametrize("blocks", [1, 7, 40, 48])
def test_block_counts(rng, blocks):
    from ascend_bce import _C

    x, y, w, pw = _inputs(rng, (300, 1001), np.float32, (300, 1), (1001,))
    for reduction in REDUCTIONS:
        _check(x, y, w, pw, reduction, max_blocks=blocks)
        tiles = _C.host.compute_tiling(input_shape=[300, 1001], dtype="float32", reduction=reduction,
                                       weight_shape=[300, 1], weight_dtype="float32", pos_weight_shape=[1001],
                                       pos_weight_dtype="float32", max_blocks=blocks)["num_tiles"]
        # At most `blocks`, and no more than keep the busiest block at ceil(tiles / blocks) tiles.
        busiest = -(-tiles // min(blocks, tiles))
        assert ascend_bce.last_kernel_stats().block_dim == -(-tiles // busiest) <= blocks


@pytest.mark.parametrize("w_dtype", DTYPES)
@pytest.mark.parametrize("pw_dtype", DTYPES)
def test_operand_dtypes_differ_from_input(rng, w_dtype, pw_dtype):
    x, y, w, pw = _inputs(rng, (12, 40), np.float16, (40,), (12, 40), DTYPES[w_dtype], DTYPES[pw_dtype])
    for reduction in REDUCTIONS:
        _check(x, y, w, pw, reduction)


def test_large_broadcast_operands_take_the_generic_path(rng):
    # A [N, 1] per-row weight whose expansion does not fit in UB, and a pos_weight that varies
    # along the middle axis only.
    x, y, w, pw = _inputs(rng, (3000, 70, 3), np.float32, (3000, 1, 1), (1, 70, 1))
    _check(x, y, w, pw, "none")
    _check(x, y, w, pw, "mean")


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_resident_generic_operands_that_fill_the_ub_fall_back_to_spans(rng, dtype):
    # weight and pos_weight [1001, 1, 48] in 16 bits are 96,096 B each: each under the resident
    # cap, together more than a 16-bit mean leaves for one tile (the host raised "UB ... cannot
    # hold one tile"); the larger one is gathered per tile instead.
    x, y, w, pw = _inputs(rng, (1001, 2, 48), DTYPES[dtype], (1001, 1, 48), (1001, 1, 48))
    _check(x, y, w, pw, "mean")


def test_generic_spans_of_the_final_tile_fit_the_ub(rng):
    # A weight [2, 1, 4096] over [2, 7, 4096] needs a longer span for a tile of 3072 than for the
    # longer tile the UB plan sized its spans at (a tile that wraps the broadcast row re-reads it):
    # on one block the final tile's spans took 196,864 B of the 196,352 and every launch was refused.
    from ascend_bce import _C

    args = dict(input_shape=[2, 7, 4096], dtype="float16", reduction="none", weight_shape=[2, 1, 4096],
                weight_dtype="float32", pos_weight_shape=[4096], pos_weight_dtype="float32", max_blocks=1)
    tiling = _C.host.compute_tiling(**args)
    assert tiling["weight"]["mode"] == "GENERIC" and tiling["weight"]["gather_span"] > 0
    assert _C.host.ub_bytes_used(**args) <= tiling["ub_bytes"]
    _C.host.validate_tiling(_C.host.tiling_bytes(**args))
    x, y, w, pw = _inputs(rng, (2, 7, 4096), np.float16, (2, 1, 4096), (4096,), np.float32, np.float32)
    _check(x, y, w, pw, "none", max_blocks=1)


@pytest.mark.parametrize("dtype", ["float32", "float16"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_matches_torch(rng, dtype, reduction):
    x, y, w, pw = _inputs(rng, (32, 50), DTYPES[dtype], (50,), (50,))
    out = ascend_bce.binary_cross_entropy_with_logits(x, y, w, reduction, pw)
    ref = torch.nn.functional.binary_cross_entropy_with_logits(
        torch.from_numpy(x).double(), torch.from_numpy(y).double(), torch.from_numpy(w).double(),
        reduction=reduction, pos_weight=torch.from_numpy(pw).double())
    np.testing.assert_allclose(np.asarray(out, dtype=np.float64), ref.numpy(),
                               rtol=1e-6 if dtype == "float32" else 1e-3)


@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
def test_small_ub_tiling_demotes_periodic_operands_and_stays_exact(rng, dtype):
    # With 36 KiB of UB the two [2000] periods do not fit together: the host demotes the
    # costlier one (the fp16 pos_weight, which needs an fp32 copy too) to GENERIC; the kernel
    # must give the same answer from that tiling.
    from ascend_bce import _C

    x, y, w, pw = _inputs(rng, (60, 2000), DTYPES[dtype], (2000,), (2000,), np.float32, np.float16)
    args = dict(input_shape=[60, 2000], dtype=dtype, reduction="none", weight_shape=[2000],
                weight_dtype="float32", pos_weight_shape=[2000], pos_weight_dtype="float16", ub_bytes=36864)
    tiling = _C.host.compute_tiling(**args)
    assert tiling["pos_weight"]["mode"] == "GENERIC" and tiling["weight"]["mode"] == "PERIODIC"
    assert _C.host.ub_bytes_used(**args) <= 36864
    out = np.empty_like(x)
    raw = np.frombuffer(_C.host.tiling_bytes(**args), dtype=np.uint8).copy()
    _C.launch_bce_with_logits(x, y, w, pw, out.reshape(-1), np.zeros(32, np.uint8), raw, "910B1")
    assert_close_to_truth(out, bce_with_logits_reference(x, y, w, "none", pw), DTYPES[dtype])
