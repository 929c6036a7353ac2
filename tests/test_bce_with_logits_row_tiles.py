"""Row tiles (TilingData.rowLength, OperandMode ROW): a row-vector operand too long for a PERIODIC
expansion (pos_weight[C] of a multi-label batch with many classes) is read chunk by chunk by tiles
that each lie in one row; a column vector (weight[N, 1], OperandMode COLUMN) scales each row piece
of a tile with one Muls. Checked against float64 truth and against the same operand given in full
(bit for bit where the tiles are the same), in the documented reduction order for row tiles, for
any block count; with no Gather, no scalar loop, and the operand read once per chunk and block."""
from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest

import ascend_bce
from ascend_bce import _C
from ascend_bce import functional as F
from ascend_bce.reference import bce_with_logits_reference
from test_bce_with_logits_backward import GRADS, check as check_grad, grad_output_for
from test_bce_with_logits_forward import _check as check_forward, _inputs
from test_bce_with_logits_host import block_ranges
from test_bce_with_logits_reduction_order import model_sum_of_tiling

DTYPES = {"float32": np.float32, "float16": np.float16, "bfloat16": ml_dtypes.bfloat16}
bce = ascend_bce.binary_cross_entropy_with_logits
# Scalar work per block that does not grow with the tiles (tiling words, loop bookkeeping).
SCALAR_ACCESSES_PER_BLOCK = 16

CASES = [
    # shape, weight shape, pos_weight shape: rows of C too long for lcm(C, 8) in 48 KiB
    ((37, 3001), None, (3001,)),          # odd C: chunks start anywhere in a 32-B block of GM
    ((6, 20011), (20011,), (20011,)),     # both operands ROW; few rows: several chunks per row
    ((24, 12289), (24, 12289), (12289,)), # a FULL weight streamed beside a ROW pos_weight
    ((9, 7, 4099), (), (4099,)),          # a SCALAR weight; [9, 7] collapses to 63 rows
]


def _tiling(x, reduction, w, pw, kernel="forward"):
    shape = lambda a: None if a is None else list(a.shape)
    dtype = lambda a: "float32" if a is None else str(np.dtype(a.dtype)) if a.dtype != ml_dtypes.bfloat16 else "bfloat16"
    return _C.host.compute_tiling(list(x.shape), dtype(x), reduction, shape(w), dtype(w), shape(pw), dtype(pw),
                                  kernel=kernel)


def _row_operands(t):
    return [name for name in ("weight", "pos_weight") if t[name]["mode"] == "ROW"]


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("dtype", sorted(DTYPES))
@pytest.mark.parametrize("shape, w_shape, pw_shape", CASES)
def test_row_tiles_match_float64_truth(rng, dtype, reduction, shape, w_shape, pw_shape):
    x, y, w, pw = _inputs(rng, shape, DTYPES[dtype], w_shape, pw_shape, w_dtype=np.float16, pw_dtype=np.float32)
    t = _tiling(x, reduction, w, pw)
    assert t["row_length"] == shape[-1] and _row_operands(t), t
    check_forward(x, y, w, pw, reduction)
    stats = ascend_bce.last_kernel_stats()
    assert "Gather" not in stats.instructions
    assert stats.scalar_accesses <= SCALAR_ACCESSES_PER_BLOCK * stats.block_dim


@pytest.mark.parametrize("dtype", sorted(DTYPES))
@pytest.mark.parametrize("shape, w_shape, pw_shape", CASES)
def test_row_operands_match_the_full_operand_bit_for_bit(rng, dtype, shape, w_shape, pw_shape):
    # 'none': the same fp32 factors multiplied in the same order as a streamed FULL operand.
    x, y, w, pw = _inputs(rng, shape, DTYPES[dtype], w_shape, pw_shape)
    out = bce(x, y, w, "none", pw)
    full = [None if a is None else np.broadcast_to(a, shape).copy() for a in (w, pw)]
    np.testing.assert_array_equal(out.view(np.uint8), bce(x, y, full[0], "none", full[1]).view(np.uint8))


@pytest.mark.parametrize("shape, w_shape, pw_shape", CASES)
def test_row_tile_sums_follow_the_documented_order_for_any_block_count(rng, shape, w_shape, pw_shape):
    x, y, w, pw = _inputs(rng, shape, np.float32, w_shape, pw_shape)
    t = _tiling(x, "sum", w, pw)
    want = model_sum_of_tiling(bce(x, y, w, "none", pw).reshape(-1), t)
    for blocks in (1, 5, None):
        got = bce(x, y, w, "sum", pw, max_blocks=blocks)
        assert np.asarray(got).view(np.uint32) == want.view(np.uint32), blocks
        mean = bce(x, y, w, "mean", pw, max_blocks=blocks)
        assert np.asarray(mean).view(np.uint32) == np.float32(want / np.float32(x.size)).view(np.uint32)


def _block_chunks(t, blocks):
    """The chunks of each block's tiles, split as BlockTiles splits them (test_bce_with_logits_host)."""
    rows = t["total_length"] // t["row_length"]
    return [sorted({tile_index // rows for tile_index in range(first, end)})
            for first, end in block_ranges(t, blocks)]


def _chunk_loads(t, blocks):
    """Chunk elements the blocks copy in: a block's tiles are consecutive in chunk-major order, and a
    ROW operand is copied when the chunk changes from one tile to the next."""
    tile, c = t["tile_length"], t["row_length"]
    return sum(min(tile, c - k * tile) for chunks in _block_chunks(t, blocks) for k in chunks)


@pytest.mark.parametrize("reduction", ["none", "mean"])
@pytest.mark.parametrize("shape, w_shape, pw_shape", [CASES[0], CASES[1], ((46, 21841), None, (21841,))])
def test_row_operand_is_read_once_per_chunk_and_block(rng, reduction, shape, w_shape, pw_shape):
    x, y, w, pw = _inputs(rng, shape, np.float32, w_shape, pw_shape, w_dtype=np.float16)
    t = _tiling(x, reduction, w, pw)
    bce(x, y, w, reduction, pw)
    stats = ascend_bce.last_kernel_stats()
    loads = _chunk_loads(t, stats.block_dim)
    operand_bytes = sum(a.itemsize for a in (w, pw) if a is not None) * loads
    partials = 0 if reduction == "none" else t["num_tiles"] * 4
    assert stats.gm_bytes_read == x.nbytes + y.nbytes + operand_bytes + partials
    # Every block reads about its share: never more than twice the operand's elements in all.
    assert loads <= 2 * shape[-1] + stats.block_dim * t["tile_length"]


@pytest.mark.parametrize("reduction", ["none", "mean"])
@pytest.mark.parametrize("rows", [46, 183])
def test_chunks_split_evenly_over_the_blocks_give_each_block_one_chunk(rng, reduction, rows):
    # pos_weight[21841] in 4 chunks per row on 48 blocks: 12 blocks per chunk, so no block's tiles
    # reach a second chunk (a plain split of 4 x 183 tiles over 46 to 48 blocks gives three 16-tile
    # blocks a chunk change), and no block takes more tiles than the plain split's busiest.
    x, y, w, pw = _inputs(rng, (rows, 21841), np.float32, None, (21841,))
    t = _tiling(x, reduction, w, pw)
    assert t["block_dim"] % t["row_chunks"] == 0 and t["row_chunks"] > 1
    assert all(len(chunks) == 1 for chunks in _block_chunks(t, t["block_dim"]))
    assert max(end - first for first, end in block_ranges(t, t["block_dim"])) == -(-t["num_tiles"] // t["block_dim"])
    check_forward(x, y, w, pw, reduction)
    stats = ascend_bce.last_kernel_stats()
    per_chunk = [min(t["tile_length"], 21841 - k * t["tile_length"]) * 4 for k in range(t["row_chunks"])]
    partials = 0 if reduction == "none" else t["num_tiles"] * 4
    assert stats.gm_bytes_read == x.nbytes + y.nbytes + sum(per_chunk) * (t["block_dim"] // t["row_chunks"]) + partials


@pytest.mark.parametrize("wrt", GRADS)
@pytest.mark.parametrize("reduction", ["none", "mean"])
@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
@pytest.mark.parametrize("shape, w_shape, pw_shape", CASES)
def test_row_tile_gradients_match_float64_truth(rng, dtype, reduction, shape, w_shape, pw_shape, wrt):
    x, y, w, pw = _inputs(rng, shape, DTYPES[dtype], w_shape, pw_shape, pw_dtype=np.float32)
    kernel = "backward" if wrt == "input" else "backward_target"
    assert _tiling(x, reduction, w, pw, kernel)["row_length"] == shape[-1]
    g = grad_output_for(rng, x, reduction)
    got = check_grad(x, y, w, pw, reduction, g, wrt)
    stats = ascend_bce.last_kernel_stats()
    assert "Gather" not in stats.instructions
    if reduction == "none" and wrt == "input":
        full = [None if a is None else np.broadcast_to(a, shape).copy() for a in (w, pw)]
        expected = F.binary_cross_entropy_with_logits_backward(g, x, y, full[0], full[1], "none")
        np.testing.assert_array_equal(np.asarray(got).view(np.uint8), np.asarray(expected).view(np.uint8))


COLUMN_CASES = [
    # shape, weight shape (a column vector [N, 1]), pos_weight shape
    ((96, 1000), (96, 1), None),           # rows a multiple of 8 fp32: flat tiles, aligned pieces
    ((96, 1000), (96, 1), (1000,)),        # beside a PERIODIC pos_weight (flat tiles)
    ((40, 1001), (40, 1), (1001,)),        # short odd rows: row tiles, which the ROW pos_weight asks for
    ((24, 2053), (24, 1), None),           # long odd rows: row tiles
]


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("dtype", sorted(DTYPES))
@pytest.mark.parametrize("shape, w_shape, pw_shape", COLUMN_CASES)
def test_column_weights_scale_row_pieces(rng, dtype, reduction, shape, w_shape, pw_shape):
    x, y, w, pw = _inputs(rng, shape, DTYPES[dtype], w_shape, pw_shape, w_dtype=np.float32)
    t = _tiling(x, reduction, w, pw)
    assert t["weight"]["mode"] == "COLUMN", t
    out = check_forward(x, y, w, pw, reduction)
    stats = ascend_bce.last_kernel_stats()
    assert "Gather" not in stats.instructions or t["pos_weight"]["mode"] == "PERIODIC"
    # Scalar reads of the weight: one per row value staged in UB (per window), not per element.
    assert stats.scalar_accesses <= SCALAR_ACCESSES_PER_BLOCK * stats.block_dim + t["num_tiles"] + shape[0]
    full = bce(x, y, np.broadcast_to(w, shape).copy(), "none", pw)
    if reduction == "none":
        np.testing.assert_array_equal(out.view(np.uint8), full.view(np.uint8))
    elif reduction == "sum" and dtype == "float32":
        want = model_sum_of_tiling(bce(x, y, w, "none", pw).reshape(-1), t)
        assert np.asarray(out).view(np.uint32) == want.view(np.uint32)


@pytest.mark.parametrize("wrt", GRADS)
@pytest.mark.parametrize("reduction", ["none", "sum"])
@pytest.mark.parametrize("shape, w_shape, pw_shape", COLUMN_CASES)
def test_column_weight_gradients_match_float64_truth(rng, reduction, shape, w_shape, pw_shape, wrt):
    x, y, w, pw = _inputs(rng, shape, np.float32, w_shape, pw_shape)
    kernel = "backward" if wrt == "input" else "backward_target"
    assert _tiling(x, reduction, w, pw, kernel)["weight"]["mode"] == "COLUMN"
    check_grad(x, y, w, pw, reduction, grad_output_for(rng, x, reduction), wrt)


@pytest.mark.parametrize("reduction", ["none", "mean"])
def test_short_odd_rows_keep_flat_tiles(rng, reduction):
    """A row tile pays a tile's fixed costs (copy set-up, every instruction's issue) per row: a
    column weight on rows of 257 keeps flat tiles and a Gather (MIN_ROW_TILE_ELEMS) and costs about
    what rows of 256 cost (flat tiles, one Muls per aligned row piece), not a multiple of it."""
    modelled = {}
    for c in (256, 257):
        x, y, w, _ = _inputs(rng, (1536, c), np.float32, (1536, 1))
        t = _tiling(x, reduction, w, None)
        assert t["row_length"] == 0 and t["weight"]["mode"] == ("COLUMN" if c % 8 == 0 else "GENERIC"), t
        check_forward(x, y, w, None, reduction)
        modelled[c] = ascend_bce.last_kernel_stats().modelled_a2_us
    assert modelled[257] < 1.5 * modelled[256], modelled


@pytest.mark.parametrize("blocks", [None, 1])
@pytest.mark.parametrize("dtype", ["float32", "float16"])
@pytest.mark.parametrize("reduction", ["none", "sum"])
def test_two_rows_split_into_chunks_down_to_one_element(rng, dtype, reduction, blocks):
    # Two rows spread over up to 48 blocks: [2, 17] has a 16-element chunk and a one-element last
    # chunk per row on 48 blocks (elementwise), one 64-element chunk for sums; [2, 12289] (C one past
    # a multiple of the alignment) 20-odd chunks per row, or the UB's fewest with one block.
    for c in (17, 12289):
        x, y, w, pw = _inputs(rng, (2, c), DTYPES[dtype], None, (c,), pw_dtype=np.float16)
        t = _C.host.compute_tiling([2, c], dtype, reduction, pos_weight_shape=[c], pos_weight_dtype="float16",
                                   max_blocks=blocks or 0)
        assert t["pos_weight"]["mode"] == "ROW" and t["row_length"] == c
        if c == 17 and reduction == "none" and blocks is None:
            assert (t["tile_length"], t["row_chunks"]) == (16, 2)
        elif c == 17:
            assert t["row_chunks"] == 1
        check_forward(x, y, w, pw, reduction, max_blocks=blocks)
        g = grad_output_for(rng, x, reduction)
        check_grad(x, y, w, pw, reduction, g, "input", max_blocks=blocks)


@pytest.mark.parametrize("max_blocks", [None, 1, 3, 4, 5, 8, 12, 13, 47])
@pytest.mark.parametrize("dtype", ["float32", "float16"])
@pytest.mark.parametrize("rows, c", [(46, 21841), (37, 3001), (7, 40000)])
def test_every_block_moves_exactly_the_row_tiles_block_ranges_gives_it(rng, rows, c, dtype, max_blocks):
    # From each block's own counters: the kernel's BlockTiles gives every block the tiles that
    # block_ranges (the host's BlockTilesOf: the chunk split when row_chunks divides the block count,
    # the plain split otherwise) predicts: their x and y, each ROW chunk they reach once, and one
    # 4-byte partial per tile in ceil(tiles / 8) copies (CopyOut writes partialGm_[tile + 1 - held],
    # right only for a contiguous range). Same results whatever the split, so only these counters
    # see a block computing a tile twice or the kernel splitting otherwise than the host.
    x, y, w, pw = _inputs(rng, (rows, c), DTYPES[dtype], None, (c,), pw_dtype=np.float32)
    t = _C.host.compute_tiling([rows, c], dtype, "sum", pos_weight_shape=[c], max_blocks=max_blocks or 0)
    assert t["pos_weight"]["mode"] == "ROW" and t["row_length"] == c
    bce(x, y, w, "sum", pw, max_blocks=max_blocks)
    stats = ascend_bce.last_kernel_stats().as_dict()
    assert stats["block_dim"] == t["block_dim"]
    ranges = block_ranges(t, t["block_dim"])
    tile, item = t["tile_length"], x.itemsize
    covered = sorted(k for first, end in ranges for k in range(first, end))
    assert covered == list(range(t["num_tiles"]))
    for b in stats["blocks"]:
        first, end = ranges[b["block_idx"]]
        chunks = {k // rows for k in range(first, end)}
        elems = sum(min(tile, c - k // rows * tile) for k in range(first, end))
        result = b["block_idx"] == 0  # block 0 also reads every partial and writes the sum
        reads = 2 * item * elems + 4 * sum(min(tile, c - k * tile) for k in chunks)
        assert b["gm_bytes_read"] == reads + (4 * t["num_tiles"] if result else 0), (b["block_idx"], first, end)
        assert b["gm_bytes_written"] == 4 * (end - first) + (item if result else 0), (b["block_idx"], first, end)
        assert b["pipe_instructions"]["MTE3"] == -(-(end - first) // 8) + result, (b["block_idx"], first, end)


@pytest.mark.parametrize("max_blocks", [None, 1, 5])
@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
@pytest.mark.parametrize("rows, c", [(46, 21841), (100, 1001), (9, 20011)])
def test_short_row_tiles_read_no_never_written_ub(rng, rows, c, dtype, max_blocks):
    # A short tile zeroes only the 32-B blocks past its count that PairwiseSum reads, once for a run
    # of tiles of that count (ZeroPairwisePad, Compute). cpu_sim starts every block's UB as NaN bytes
    # (kUbPoisonByte; the NPU does not zero UB either), so a pad element no instruction wrote would
    # turn the sum into NaN: the sums stay finite and match float64.
    x, y, w, pw = _inputs(rng, (rows, c), DTYPES[dtype], None, (c,), pw_dtype=np.float32)
    for reduction in ("sum", "mean"):
        got = np.asarray(bce(x, y, w, reduction, pw, max_blocks=max_blocks), np.float64)
        want = bce_with_logits_reference(x, y, w, reduction, pw)
        assert np.isfinite(got)
        np.testing.assert_allclose(got, want, rtol=2e-6 if dtype == "float32" else 8e-3)
