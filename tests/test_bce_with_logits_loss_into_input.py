"""The forward's 'none' writes its loss into x's own input buffer, dead after SoftplusPair, and
copies it out from there (op_kernel/bce_with_logits.h Compute and CopyOut; bce_with_logits_bank_plan.h
LossIntoInput): the kernel allocates no output queue, so an fp32 launch without operands holds 6
tile-sized buffers (tmpA, x twice, y, tmpB, tmpC) where it held 7, and its tiles are longer. mean
and sum keep their 32-B partials queue. The backward kernels (dL/dinput and dL/dtarget, every
reduction) do the same with their gradient (op_kernel/bce_with_logits_grad.h ResultTile, Finish,
CopyOut): fp32 dL/dinput without operands holds 7 fp32 tile buffers (tmpA, x twice, y, tmpB, tmpC,
tmpD) where it held 8, dL/dtarget 6 where it held 7. The flags the reuse needs (V_MTE3 before the
copy-out, MTE3_MTE2 before the buffer's next copy-in) are checked by cpu_sim on every launch:
tests/test_cpu_sim_flags.py shows that leaving out either is a pipe hazard."""
import numpy as np
import pytest

from ascend_bce import _C
from ascend_bce import functional as F
from ascend_bce.reference import (bce_with_logits_grad_reference, bce_with_logits_reference,
                                  bce_with_logits_target_grad_reference)
from conftest import DTYPES, assert_close_to_truth
from test_bce_with_logits_backward import assert_grad_close

FP32_BYTES = 4
TILE_BUFFERS_WITHOUT_OUTPUT = 6  # tmpA, x twice, y, tmpB, tmpC


def _inputs(dtype, shape, pos_weight):
    rng = np.random.default_rng(21)
    x = (rng.standard_normal(shape) * 4).astype(DTYPES[dtype])
    y = rng.random(shape).astype(DTYPES[dtype])
    pw = (rng.random(shape[-1]) + 0.5).astype(np.float32) if pos_weight else None
    return x, y, pw


def _assert_every_x_buffer_is_copied_out_and_reused(x, dtype, reduction, pw, kernel, out_name):
    """The last launch (on 2 blocks) had no VECOUT buffer, copied its result out of both x buffers
    to `out_name`, and had enough tiles per block that each x buffer was copied into again."""
    stats = F.last_kernel_stats().as_dict()
    assert stats["block_dim"] == 2
    for block in stats["blocks"]:
        buffers = block["ub_buffers"]
        assert not [b for b in buffers if b["position"] == "VECOUT"], block["block_idx"]
        inputs = [b for b in buffers if b["copied_from"] == ["input"]]
        assert len(inputs) == 2 and all(b["copied_to"] == [out_name] for b in inputs), (block["block_idx"], inputs)
    tiling = _C.host.compute_tiling(input_shape=list(x.shape), dtype=dtype, reduction=reduction, weight_shape=None,
                                    weight_dtype=dtype, pos_weight_shape=None if pw is None else list(pw.shape),
                                    pos_weight_dtype="float32", kernel=kernel, max_blocks=2)
    assert tiling["num_tiles"] >= 2 * (len(inputs) + 1)  # each block reuses each x buffer at least once


@pytest.mark.parametrize("pos_weight", [False, True], ids=["-", "pw"])
@pytest.mark.parametrize("dtype", list(DTYPES))
def test_forward_none_copies_its_loss_out_of_the_input_queue(dtype, pos_weight):
    # 2 blocks of dozens of tiles each: every x buffer is copied out of, then copied into again.
    x, y, pw = _inputs(dtype, (512, 1001), pos_weight)
    loss = F.binary_cross_entropy_with_logits(x, y, reduction="none", pos_weight=pw, max_blocks=2)
    _assert_every_x_buffer_is_copied_out_and_reused(x, dtype, "none", pw, "forward", "out")
    assert_close_to_truth(np.asarray(loss), bce_with_logits_reference(x, y, None, "none", pw), DTYPES[dtype])
    # Elementwise: other tiles (48 blocks) give the same bits.
    wide = F.binary_cross_entropy_with_logits(x, y, reduction="none", pos_weight=pw)
    np.testing.assert_array_equal(np.asarray(loss).view(np.uint8), np.asarray(wide).view(np.uint8))


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_mean_and_sum_keep_their_partials_queue(reduction):
    x, y, _ = _inputs("float32", (64, 1000), False)
    F.binary_cross_entropy_with_logits(x, y, reduction=reduction, max_blocks=2)
    for block in F.last_kernel_stats().as_dict()["blocks"]:
        out = [b["bytes"] for b in block["ub_buffers"] if b["position"] == "VECOUT"]
        assert out == [32, 32], block["block_idx"]


def _tiling(kernel, shape=(100000, 1000), dtype="float32", reduction="none"):
    args = dict(input_shape=list(shape), dtype=dtype, reduction=reduction, weight_shape=None, weight_dtype=dtype,
                pos_weight_shape=None, pos_weight_dtype=dtype, kernel=kernel)
    return _C.host.compute_tiling(**args), _C.host.ub_placement(**args)


def test_forward_none_tiles_are_longer_than_seven_tile_buffers_allow():
    # 1e8 fp32 elements: the UB, not the balance over the blocks, sets the tile.
    t, place = _tiling("forward")
    tile_bytes = t["tile_length"] * FP32_BYTES
    assert place["out"]["buffer_bytes"] == 0
    assert TILE_BUFFERS_WITHOUT_OUTPUT * tile_bytes <= t["ub_bytes"] < (TILE_BUFFERS_WITHOUT_OUTPUT + 1) * tile_bytes


# fp32 'mean' (dL/dloss a scalar: no operand buffers), no output tile
BACKWARD_TILE_BUFFERS = {"backward": 7, "backward_target": 6}


@pytest.mark.parametrize("kernel", list(BACKWARD_TILE_BUFFERS))
def test_backward_tiles_are_longer_than_an_output_tile_allows(kernel):
    t, place = _tiling(kernel, reduction="mean")
    tile_bytes = t["tile_length"] * FP32_BYTES
    assert place["out"]["buffer_bytes"] == 0
    n = BACKWARD_TILE_BUFFERS[kernel]
    assert n * tile_bytes <= t["ub_bytes"] < (n + 1) * tile_bytes


def _backward(kernel, x, y, pw, reduction, **kw):
    fn = (F.binary_cross_entropy_with_logits_backward if kernel == "backward"
          else F.binary_cross_entropy_with_logits_target_backward)
    return fn(_grad_output(x, reduction), x, y, reduction=reduction, pos_weight=pw, **kw)


def _grad_output(x, reduction):
    return np.full(x.shape, 0.75, x.dtype) if reduction == "none" else np.array(1.25, x.dtype)


@pytest.mark.parametrize("reduction", ["none", "mean"])
@pytest.mark.parametrize("pos_weight", [False, True], ids=["-", "pw"])
@pytest.mark.parametrize("dtype", list(DTYPES))
@pytest.mark.parametrize("kernel", list(BACKWARD_TILE_BUFFERS))
def test_backward_copies_its_gradient_out_of_the_input_queue(kernel, dtype, pos_weight, reduction):
    # 2 blocks of dozens of tiles each: every x buffer is copied out of, then copied into again.
    x, y, pw = _inputs(dtype, (512, 1001), pos_weight)
    grad = _backward(kernel, x, y, pw, reduction, max_blocks=2)
    _assert_every_x_buffer_is_copied_out_and_reused(x, dtype, reduction, pw, kernel, "grad")
    reference = bce_with_logits_grad_reference if kernel == "backward" else bce_with_logits_target_grad_reference
    truth, scale = reference(_grad_output(x, reduction), x, y, None, pw, reduction)
    assert_grad_close(np.asarray(grad), truth, scale, DTYPES[dtype])
    # Elementwise: other tiles (48 blocks) give the same bits.
    wide = _backward(kernel, x, y, pw, reduction)
    np.testing.assert_array_equal(np.asarray(grad).view(np.uint8), np.asarray(wide).view(np.uint8))
