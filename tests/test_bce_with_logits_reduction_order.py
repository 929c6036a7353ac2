"""mean/sum follow the documented summation order bit for bit: per tile a pairwise halving sum
finished by the vcadd tree inside one 256-B repeat (ReduceRepeat<SUM>; ReduceSum issues the same), then block 0 sums the per-tile partials
the same way in groups, then the group sums (bce_with_logits_reduce.h). A NumPy model of that
order, fed the kernel's own per-element fp32 losses (its 'none' output), must give the same bits;
and a dynamic-range pattern that a sequential sum gets wrong stays within 1e-6."""
from __future__ import annotations

import numpy as np
import pytest

import ascend_bce
from ascend_bce import _C
from ascend_bce.reference import bce_with_logits_reference

REPEAT = 64  # fp32 lanes of one 256-B repeat


def _align(n: int, a: int) -> int:
    return (n + a - 1) // a * a


def _reduce_sum_repeat(lanes: np.ndarray) -> np.float32:
    """A2 ReduceSum within one repeat: a tree of adjacent pairs."""
    v = lanes.astype(np.float32)
    while v.size > 1:
        v = (v[0::2] + v[1::2]).astype(np.float32)
    return v[0]


def pairwise_sum(values: np.ndarray) -> np.float32:
    """PairwiseSum of bce_with_logits_reduce.h on fp32 values (zero-padded to whole repeats)."""
    n = values.size
    span = max(_align(n, REPEAT), REPEAT)
    buf = np.zeros(span, np.float32)
    buf[:n] = values
    length = span
    while length > REPEAT:
        half = _align((length + 1) // 2, REPEAT)
        buf[:length - half] = (buf[:length - half] + buf[half:length]).astype(np.float32)
        length = half
    return _reduce_sum_repeat(buf[:REPEAT])


def model_sum(losses: np.ndarray, tile: int, group: int) -> np.float32:
    return _combine([pairwise_sum(losses[i:i + tile]) for i in range(0, losses.size, tile)], group)


def model_sum_of_tiling(losses: np.ndarray, tiling: dict) -> np.float32:
    """The documented order for any tiling: one pairwise partial per tile in tile order (flat tiles,
    or row tiles chunk-major, as the kernels' TileAt), then the two-level combine."""
    n, tile = tiling["total_length"], tiling["tile_length"]
    if not tiling["row_length"]:
        return model_sum(losses, tile, tiling["partial_group_length"])
    c, rows = tiling["row_length"], n // tiling["row_length"]
    spans = [(r * c + k * tile, min(tile, c - k * tile)) for k in range(tiling["row_chunks"]) for r in range(rows)]
    return _combine([pairwise_sum(losses[o:o + count]) for o, count in spans], tiling["partial_group_length"])


def _combine(partials: list, group: int) -> np.float32:
    partials = np.array(partials, np.float32)
    groups = np.array([pairwise_sum(partials[i:i + group]) for i in range(0, partials.size, group)], np.float32)
    return pairwise_sum(groups)


@pytest.mark.parametrize("n, blocks", [(1, None), (100, 3), (70_001, None), (300_000, 7), (1_000_003, None)])
@pytest.mark.parametrize("with_operands", [False, True])
def test_sum_and_mean_are_bit_equal_to_the_documented_order(rng, n, blocks, with_operands):
    x = (rng.standard_normal(n) * 5).astype(np.float32)
    y = rng.random(n).astype(np.float32)
    w = rng.uniform(0.1, 3, n).astype(np.float32) if with_operands else None
    pw = np.float32(2.5) * np.ones(1, np.float32) if with_operands else None
    losses = ascend_bce.binary_cross_entropy_with_logits(x, y, w, "none", pw)
    t = _C.host.compute_tiling([n], "float32", "sum", weight_shape=None if w is None else [n],
                               pos_weight_shape=None if pw is None else [1])
    want = model_sum(losses, t["tile_length"], t["partial_group_length"])
    got = ascend_bce.binary_cross_entropy_with_logits(x, y, w, "sum", pw, max_blocks=blocks)
    assert got.view(np.uint32) == want.view(np.uint32)
    mean = ascend_bce.binary_cross_entropy_with_logits(x, y, w, "mean", pw, max_blocks=blocks)
    assert mean.view(np.uint32) == np.float32(want / np.float32(n)).view(np.uint32)


def test_dynamic_range_stays_within_1e_6():
    # One loss of 3e5 leading each tile among losses of 0.05: a sequential sum drifts to 5.5e-6
    # relative; the pairwise order keeps 1e-6.
    n = 1 << 20
    t = _C.host.compute_tiling([n], "float32", "sum")["tile_length"]
    x = np.full(n, -3.0, np.float32)   # y = 0: loss = softplus(-3) ~ 0.0486
    x[::t] = 3e5                       # loss = 3e5 at every tile start
    y = np.zeros(n, np.float32)
    got = ascend_bce.binary_cross_entropy_with_logits(x, y, reduction="sum")
    truth = bce_with_logits_reference(x, y, None, "sum", None)
    assert abs(float(got) - float(truth)) <= 1e-6 * abs(float(truth))
    sequential = np.float32(0)
    for v in ascend_bce.binary_cross_entropy_with_logits(x, y, reduction="none")[:4 * t]:
        sequential = np.float32(sequential + v)
    part = bce_with_logits_reference(x[:4 * t], y[:4 * t], None, "sum", None)
    assert abs(float(sequential) - float(part)) > 1e-6 * float(part)  # the pattern does stress the order


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_16_bit_outputs_are_correctly_rounded_almost_everywhere(rng, dtype):
    # Within one ulp is not enough: truncating instead of rounding also stays within one ulp.
    from conftest import DTYPES, round_to

    d = DTYPES[dtype]
    x = (rng.standard_normal(200_000) * 6).astype(d)
    y = rng.random(200_000).astype(d)
    got = ascend_bce.binary_cross_entropy_with_logits(x, y, reduction="none")
    want = round_to(bce_with_logits_reference(x, y, None, "none", None), d)
    assert np.mean(got.view(np.uint16) == want.view(np.uint16)) >= 0.999
    g = np.ones_like(x)
    grad = ascend_bce.functional.binary_cross_entropy_with_logits_backward(g, x, y, None, None, "none")
    from ascend_bce.reference import bce_with_logits_grad_reference
    gwant = round_to(bce_with_logits_grad_reference(g, x, y, None, None, "none")[0], d)
    assert np.mean(grad.view(np.uint16) == gwant.view(np.uint16)) >= 0.999
