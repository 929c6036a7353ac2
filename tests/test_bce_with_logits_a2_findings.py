"""Kernel-level tests of the A2 review's findings: configurations that an Atlas A2 would hang on
or answer wrongly while an idealised simulator passed them (each failed on the kernels before the
fix, with the faithful cpu_sim)."""
from __future__ import annotations

import numpy as np
import pytest

import ascend_bce
from ascend_bce import _C
from ascend_bce.reference import bce_with_logits_reference, bce_with_logits_grad_reference
from conftest import DTYPES, assert_close_to_truth
from test_bce_with_logits_backward import assert_grad_close

host = _C.host


def _data(rng, n, dtype, classes=None):
    shape = (n // classes, classes) if classes else (n,)
    x = (rng.standard_normal(shape) * 3).astype(dtype)
    y = (rng.random(shape) < 0.3).astype(dtype)
    return x, y


# Finding 1: mean/sum with x, y, weight and pos_weight all streamed (then 8 VECIN buffers holding
# all 8 V_MTE2 ids): the combine step used EVENT_ID0, which ~TPipe then waited on forever. The
# forward's target now has one buffer, so the streams hold 7; the combine must not need another.
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_reduction_with_every_operand_streamed_does_not_hang(rng, dtype, reduction):
    x, y = _data(rng, 5000, DTYPES[dtype], classes=50)
    w = rng.uniform(0.5, 2, x.shape).astype(DTYPES[dtype])
    pw = rng.uniform(0.5, 4, x.shape).astype(DTYPES[dtype])
    t = host.compute_tiling(list(x.shape), dtype, reduction, weight_shape=list(w.shape), weight_dtype=dtype,
                            pos_weight_shape=list(pw.shape), pos_weight_dtype=dtype)
    assert t["weight"]["mode"] == t["pos_weight"]["mode"] == "FULL"
    assert t["weight"]["buffer_num"] + t["pos_weight"]["buffer_num"] + 2 + 1 == 7
    out = ascend_bce.binary_cross_entropy_with_logits(x, y, w, reduction, pw)
    assert_close_to_truth(out, bce_with_logits_reference(x, y, w, reduction, pw), DTYPES[dtype], rtol32=2e-6)


# Finding 2: tile counts that are not a multiple of 8 partials (one 32-B block): the dummy data a
# DataCopyPad without isPad leaves after the last partial was summed with it.
@pytest.mark.parametrize("tiles", [1, 2, 3, 7, 9, 15])
@pytest.mark.parametrize("dtype", DTYPES)
def test_partial_counts_not_a_multiple_of_eight(rng, tiles, dtype):
    # Below 48 tiles' worth the reduction tiles are one alignment unit long (spread over the cores).
    tile = host.compute_tiling([1], dtype, "sum")["tile_length"]
    n = tile * (tiles - 1) + tile // 3
    x, y = _data(rng, n, DTYPES[dtype])
    assert host.compute_tiling([n], dtype, "sum")["num_tiles"] == tiles
    for reduction in ("mean", "sum"):
        out = ascend_bce.binary_cross_entropy_with_logits(x, y, reduction=reduction, max_blocks=5)
        assert_close_to_truth(out, bce_with_logits_reference(x, y, None, reduction, None), DTYPES[dtype],
                              rtol32=2e-6)


# Finding 3: the backward with reduction='none' and both weight and pos_weight full-shape streams
# x, y, grad_output, weight and pos_weight: 10 VECIN buffers if all were double-buffered, over A2's 8 ids.
@pytest.mark.parametrize("dtype", DTYPES)
def test_backward_with_five_streams_fits_eight_event_ids(rng, dtype):
    x, y = _data(rng, 6000, DTYPES[dtype], classes=60)
    w = rng.uniform(0.5, 2, x.shape).astype(DTYPES[dtype])
    pw = rng.uniform(0.5, 4, x.shape).astype(DTYPES[dtype])
    g = rng.standard_normal(x.shape).astype(DTYPES[dtype])
    t = host.compute_tiling(list(x.shape), dtype, "none", kernel="backward", weight_shape=list(w.shape),
                            weight_dtype=dtype, pos_weight_shape=list(pw.shape), pos_weight_dtype=dtype)
    streams = [t[k]["buffer_num"] for k in ("grad_output", "weight", "pos_weight")]
    assert 2 + 1 + sum(streams) <= 8 and min(streams) >= 1  # x (2 buffers) and y (1)
    # One block, so every queue buffer is freed and reused: the event ids run out on reuse.
    got = ascend_bce.functional.binary_cross_entropy_with_logits_backward(g, x, y, w, pw, "none", max_blocks=1)
    truth, scale = bce_with_logits_grad_reference(g, x, y, w, pw, "none")
    assert_grad_close(got, truth, scale, DTYPES[dtype])


# Finding 4: the forward is a MIX kernel: 'none' must be launched with a workspace too.
def test_forward_none_gets_a_workspace():
    plan = host.plan_launch([4, 1000], "float32", "none")
    assert plan["mix_kernel"] and plan["user_workspace_bytes"] >= 32 and plan["batch_mode"]
    assert plan["device_workspace_bytes"] == 16 * 1024 * 1024 + plan["user_workspace_bytes"]
    assert plan["block_dim"] == host.compute_tiling([4, 1000], "float32", "none")["block_dim"]
    b = host.plan_launch([4, 1000], "float32", "none", kernel="backward")
    assert (b["mix_kernel"], b["batch_mode"], b["user_workspace_bytes"], b["device_workspace_bytes"]) == \
        (False, False, 0, 0)


# Finding 6: tiles plan with the UB the framework leaves (192 KiB - 256 B on A2).
def test_tiles_fit_the_ub_the_framework_leaves():
    for dtype in DTYPES:
        for reduction in ("none", "mean"):
            t = host.compute_tiling([1 << 14, 1000], dtype, reduction, pos_weight_shape=[1000])
            assert t["ub_bytes"] == 196608 - 256
            assert host.ub_bytes_used([1 << 14, 1000], dtype, reduction, pos_weight_shape=[1000]) <= 196608 - 256
