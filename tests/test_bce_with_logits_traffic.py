"""What the kernel moves: GM counters prove nothing is materialised, and reductions are
bit-identical across runs and block counts."""
from __future__ import annotations

import numpy as np
import pytest

import ascend_bce
from ascend_bce import _C

bce = ascend_bce.binary_cross_entropy_with_logits


@pytest.mark.parametrize(
    "shape, w_shape, pw_shape",
    [((512, 1000), None, (1000,)), ((64, 8, 30, 30), (1, 8, 1, 1), ()), ((700, 129), (700, 1), (129,))],
)
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_no_broadcast_operand_is_materialised(rng, shape, w_shape, pw_shape, reduction):
    x = rng.standard_normal(shape).astype(np.float16)
    y = rng.random(shape).astype(np.float16)
    w = None if w_shape is None else rng.random(w_shape).astype(np.float32)
    pw = rng.random(pw_shape).astype(np.float32)
    bce(x, y, w, reduction, pw)
    stats = ascend_bce.last_kernel_stats()
    tiling = _C.host.compute_tiling(list(shape), "float16", reduction,
                                    None if w is None else list(w_shape), "float32", list(pw_shape), "float32")
    small = pw.nbytes + (0 if w is None else w.nbytes)
    partials = 0 if reduction == "none" else tiling["num_tiles"] * 4
    # Each block reads a small operand at most once; a per-row weight costs one read per row
    # and per tile boundary.
    row_reads = 0 if w_shape != (700, 1) else (shape[0] + tiling["num_tiles"]) * 4
    assert stats.gm_bytes_read <= x.nbytes + y.nbytes + stats.block_dim * small + partials + row_reads
    out_bytes = x.nbytes if reduction == "none" else 2
    assert stats.gm_bytes_written == out_bytes + partials


@pytest.mark.parametrize("n, max_blocks", [(1_000_003, 7), (1_000_003, None), (70_001, None), (100, 3)])
@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_a_block_writes_its_tile_partials_eight_to_a_copy(rng, n, max_blocks, dtype):
    # One copy per tile would pay a DMA's set-up on the GM link for 4 bytes: a block gathers its
    # tiles' partials in one 32-B buffer and copies them once per 8 tiles and after its last tile.
    x = rng.standard_normal(n).astype(dtype)
    y = rng.random(n).astype(dtype)
    bce(x, y, reduction="sum", max_blocks=max_blocks)
    stats = ascend_bce.last_kernel_stats().as_dict()
    num_tiles = _C.host.compute_tiling([n], np.dtype(dtype).name, "sum")["num_tiles"]
    blocks = stats["block_dim"]
    result_bytes = np.dtype(dtype).itemsize
    for b in stats["blocks"]:
        tiles = num_tiles // blocks + (1 if b["block_idx"] < num_tiles % blocks else 0)
        result = b["block_idx"] == 0  # block 0 also writes the combined sum
        assert b["pipe_instructions"]["MTE3"] == -(-tiles // 8) + result
        assert b["gm_bytes_written"] == 4 * tiles + (result_bytes if result else 0)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_reductions_are_bit_identical_across_block_counts(rng, reduction, dtype):
    x = rng.standard_normal(2**20 + 3).astype(dtype)
    y = rng.random(2**20 + 3).astype(dtype)
    pw = np.array([2.5], dtype=np.float32)
    results = {blocks: bce(x, y, None, reduction, pw, max_blocks=blocks).tobytes() for blocks in (1, 7, 40, 48)}
    results["again"] = bce(x, y, None, reduction, pw, max_blocks=48).tobytes()
    assert len(set(results.values())) == 1, results
    assert ascend_bce.last_kernel_stats().block_dim == 48
