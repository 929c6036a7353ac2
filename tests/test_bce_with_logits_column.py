"""Column weights (weight[N, 1], OperandMode COLUMN): the block's row values are copied to UB in
windows of MAX_COLUMN_ROWS and read there by the scalar unit after an MTE2_S flag, never from GM
(a scalar GM read goes through the DCache, and a miss costs a GM round trip). Checked against
float64 truth for every dtype, reduction and gradient, and by its exact traffic: the windows'
rows, restated here from the kernel's documented rule, are the only scalar reads and the only
operand bytes read."""
from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest

import ascend_bce
from ascend_bce import _C
from test_bce_with_logits_backward import GRADS, check as check_grad, grad_output_for
from test_bce_with_logits_forward import _check as check_forward, _inputs

DTYPES = {"float32": np.float32, "float16": np.float16, "bfloat16": ml_dtypes.bfloat16}
MAX_COLUMN_ROWS = _C.host.MAX_COLUMN_ROWS

CASES = [
    # shape, max_blocks: flat tiles (C a multiple of 8) or row tiles (odd C of 2048 and more)
    ((96, 1000), None),    # flat tiles, a few rows per block: one window each
    ((300, 256), 1),       # flat tiles, 300 rows in one block: three windows
    ((70, 10001), 1),      # row tiles, chunk-major: the 70 rows of the first chunk serve every chunk
    ((70, 10001), None),   # row tiles spread over 48 blocks
    ((150, 10001), 1),     # row tiles: two windows per chunk, the first staged again after the wrap
]


def _tiling(x, reduction, kernel="forward", blocks=None, w_dtype="float32", pw_dtype=None):
    """The launch's tiling: a weight [N, 1] of `w_dtype`, and a pos_weight [N, 1] if `pw_dtype`."""
    dtype = "bfloat16" if x.dtype == ml_dtypes.bfloat16 else str(x.dtype)
    pw_shape = None if pw_dtype is None else [x.shape[0], 1]
    return _C.host.compute_tiling(list(x.shape), dtype, reduction, [x.shape[0], 1], w_dtype, pw_shape,
                                  pw_dtype or "float32", kernel=kernel, max_blocks=blocks or 0)


def _tile_at(t, tile):
    """(offset, count) of a tile: flat tiles back to back, or row tiles numbered chunk-major."""
    if t["row_length"] == 0:
        offset = tile * t["tile_length"]
        return offset, min(t["tile_length"], t["total_length"] - offset)
    rows = t["total_length"] // t["row_length"]
    chunk_start = tile // rows * t["tile_length"]
    return tile % rows * t["row_length"] + chunk_start, min(t["tile_length"], t["row_length"] - chunk_start)


def window_rows(t, blocks):
    """Row values all blocks stage: a block's window starts at its first tile's first row and holds
    the rows its tiles still touch (at most MAX_COLUMN_ROWS); the next window starts at the first
    tile whose rows leave it (the kernel stages it ahead, when it reads the last one)."""
    c, rows_total = t["dims"][1], t["dims"][0]
    base, extra = divmod(t["num_tiles"], blocks)
    staged = 0
    for b in range(blocks):
        first = b * base + min(b, extra)
        end = first + base + (b < extra)
        last_offset, last_count = _tile_at(t, end - 1)
        block_last_row = (last_offset + last_count - 1) // c
        window = None
        for tile in range(first, end):
            offset, count = _tile_at(t, tile)
            r0, r1 = offset // c, (offset + count - 1) // c
            if window is None or r0 < window[0] or r1 >= window[0] + window[1]:
                ahead = min(end - tile, rows_total - r0) if t["row_length"] else block_last_row - r0 + 1
                window = (r0, min(ahead, MAX_COLUMN_ROWS))
                staged += window[1]
    return staged


@pytest.mark.parametrize("wrt", GRADS)
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("dtype", sorted(DTYPES))
@pytest.mark.parametrize("shape, blocks", CASES[:3])
def test_column_gradients_match_float64_truth(rng, dtype, reduction, shape, blocks, wrt):
    x, y, w, _ = _inputs(rng, shape, DTYPES[dtype], (shape[0], 1), w_dtype=np.float32)
    kernel = "backward" if wrt == "input" else "backward_target"
    assert _tiling(x, reduction, kernel, blocks)["weight"]["mode"] == "COLUMN"
    check_grad(x, y, w, None, reduction, grad_output_for(rng, x, reduction), wrt, max_blocks=blocks)


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("dtype", sorted(DTYPES))
@pytest.mark.parametrize("shape, blocks", CASES)
def test_column_forward_reads_rows_from_ub_only(rng, dtype, reduction, shape, blocks):
    x, y, w, _ = _inputs(rng, shape, DTYPES[dtype], (shape[0], 1), w_dtype=np.float16)
    t = _tiling(x, reduction, blocks=blocks, w_dtype="float16")
    assert t["weight"]["mode"] == "COLUMN", t
    check_forward(x, y, w, None, reduction, max_blocks=blocks)
    stats = ascend_bce.last_kernel_stats()
    rows = window_rows(t, stats.block_dim)
    assert rows >= shape[0]  # every row at least once (per chunk under row tiles)
    assert stats.scalar_gm_accesses == 0 and stats.scalar_gm_misses == 0
    assert stats.scalar_accesses == rows  # UB reads: one per staged row value, none per tile
    partials = 0 if reduction == "none" else t["num_tiles"] * 4
    assert stats.gm_bytes_read == x.nbytes + y.nbytes + rows * w.itemsize + partials


@pytest.mark.parametrize("wrt", GRADS)
@pytest.mark.parametrize("reduction", ["none", "mean"])
@pytest.mark.parametrize("shape, blocks", CASES[1:3])
def test_column_backward_reads_rows_from_ub_only(rng, reduction, shape, blocks, wrt):
    x, y, w, _ = _inputs(rng, shape, np.float32, (shape[0], 1))
    kernel = "backward" if wrt == "input" else "backward_target"
    t = _tiling(x, reduction, kernel, blocks)
    g = grad_output_for(rng, x, reduction)
    check_grad(x, y, w, None, reduction, g, wrt, max_blocks=blocks)
    stats = ascend_bce.last_kernel_stats()
    rows = window_rows(t, stats.block_dim)
    # mean/sum: dL/d(loss) is one scalar, read from GM once per block (SCALAR mode).
    scalar_grads = 0 if reduction == "none" else stats.block_dim
    assert stats.scalar_gm_accesses == scalar_grads
    assert stats.scalar_accesses == rows + scalar_grads
    grad_bytes = g.nbytes if reduction == "none" else scalar_grads * g.itemsize
    target = y.nbytes if wrt == "input" else 0
    assert stats.gm_bytes_read == x.nbytes + target + grad_bytes + rows * w.itemsize


@pytest.mark.parametrize("reduction", ["none", "mean"])
@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
@pytest.mark.parametrize("shape, blocks", CASES[1:3])
def test_column_weight_and_pos_weight_together(rng, dtype, reduction, shape, blocks):
    """Both operands [N, 1]: two windows, each with its own MTE2_S id from the pipe."""
    x, y, w, pw = _inputs(rng, shape, DTYPES[dtype], (shape[0], 1), (shape[0], 1), w_dtype=np.float16,
                          pw_dtype=np.float32)
    check_forward(x, y, w, pw, reduction, max_blocks=blocks)
    stats = ascend_bce.last_kernel_stats()
    assert stats.scalar_gm_accesses == 0
    t = _tiling(x, reduction, blocks=blocks, w_dtype="float16", pw_dtype="float32")
    assert (t["weight"]["mode"], t["pos_weight"]["mode"]) == ("COLUMN", "COLUMN")
    assert stats.scalar_accesses == 2 * window_rows(t, stats.block_dim)
    for wrt in GRADS:
        check_grad(x, y, w, pw, reduction, grad_output_for(rng, x, reduction), wrt, max_blocks=blocks)
