"""The UB tile each stock kernel gets from TBE's dynamic schedules (stock_ub_tile.py,
tbe_coexisting.py): the coexisting quantities traced by hand through each compute graph, the
bytes each schedule sets aside, and the per-buffer sizes from them, written out here with the
schedules' arithmetic (TBE mirror 7d77ce32d054; UB 196608 B); then that the launches use them."""
from __future__ import annotations

import pytest

from ascend_bce.assumptions import BASE, scaled
from ascend_bce.stock_model import StockCall, stock_launches, tile_loop
from ascend_bce.stock_ub_tile import (UbTile, cast_tile, fused_broadcast_tile, fused_elewise_tile, fused_graph,
                                      ones_like_tile, reduce_tile)
from ascend_bce.tbe_coexisting import Node, broadcast_coexisting, elewise_coexisting

UB, BLOCK = 196608, 32


def per_buffer(ub_bytes, quantity, dtype_bytes):
    """broadcast_tilingcase.py / elewise_tilingcase.py: bytes per buffer rounded down to a block."""
    return ub_bytes // quantity // BLOCK * BLOCK // dtype_bytes


@pytest.mark.parametrize("low_precision, with_weight, scratch_blocks", [
    # Scratch blocks (elewise_schedule.py :709-712, :780-792): the two constant broadcasts, the
    # subs (neg_x, neg_max, neg_max_x, one_minus_y, pw_minus_one), the exps, the log, and vmaxs'
    # temp space: 11; one more per cast of a 16-bit input (predict, target, pos_weight, weight).
    (False, False, 11), (False, True, 11), (True, False, 14), (True, True, 15)])
def test_the_fused_kernel_keeps_eight_buffers_on_the_elementwise_schedule(low_precision, with_weight,
                                                                          scratch_blocks):
    # By hand: the walk from the loss computes (1 - y) * x first and holds x, y, the constant 1 and
    # that product; pos_weight's branch ends holding x, the product and log_weight; at
    # neg_max_x = neg_max - x the live tensors are x, the product, log_weight, max_val, neg_max and
    # exp(neg_max): 6, plus its own buffer = 7. Two inputs or more add one (:808-810): 8.
    need = elewise_coexisting(fused_graph(low_precision, with_weight))
    assert (need.quantity, need.tmp_bytes) == (8, scratch_blocks * BLOCK)
    # The db schedule's UB (less twice the scratch) is the smaller one the tiling case takes.
    ub = UB - 2 * scratch_blocks * BLOCK
    assert fused_elewise_tile(low_precision, with_weight) == UbTile(per_buffer(ub, 8, 4), per_buffer(ub // 2, 8, 4))
    assert fused_elewise_tile(low_precision, with_weight).single in (6120, 6112)  # ~24 KB of fp32


def test_the_fused_kernel_keeps_eight_buffers_on_the_broadcast_schedule():
    # pos_weight[C] over rows: with no split the milan rule peaks at neg_max_x with the elementwise
    # walk's 7 (no input bonus on this schedule). Split above the last axis, the pos_weight
    # broadcast gets a remove-pad copy that no consumer names, so it stays live: 8.
    graph = fused_graph(False, False, frozenset({"pos_weight"}))
    assert broadcast_coexisting(graph).quantity == 7
    assert broadcast_coexisting(graph, frozenset({"pos_weight_brc"})).quantity == 8
    # weight[N, 1] split on the last axis: its broadcast is store-predicated, live throughout: 8.
    graph = fused_graph(True, True, frozenset({"weight"}))
    assert broadcast_coexisting(graph, store_predicate=frozenset({"weight_brc"})).quantity == 8
    want = UbTile(per_buffer(UB, 8, 4), per_buffer(UB // 2, 8, 4))
    assert want == UbTile(6144, 3072)
    for low_precision in (False, True):
        assert fused_broadcast_tile(low_precision, False, {"pos_weight": (False, True)}) == want
        assert fused_broadcast_tile(low_precision, True, {"weight": (True, False)}) == want


def test_a_cast_keeps_two_buffers():
    # The input and the cast (which cannot overwrite its input): 2; one input, no bonus; a cast
    # has a scalar form other than add/mul, so one scratch block.
    graph = (Node("x", "placeholder"), Node("y", "elewise_single_cast", ("x",)))
    assert elewise_coexisting(graph).quantity == 2
    ub = UB - 2 * BLOCK
    assert cast_tile() == cast_tile(to_bf16=True) == UbTile(per_buffer(ub, 2, 4), per_buffer(ub // 2, 2, 4))
    assert cast_tile().single == 24568


@pytest.mark.parametrize("dtype_bytes", [4, 2])
def test_ones_like_keeps_one_buffer(dtype_bytes):
    # The constant broadcast alone (the input is never read): 1, which adds a block, and the
    # broadcast's own block: 64 B of scratch.
    ub = UB - 2 * 2 * BLOCK
    want = UbTile(per_buffer(ub, 1, dtype_bytes), per_buffer(ub // 2, 1, dtype_bytes), dtype_bytes)
    assert ones_like_tile(dtype_bytes) == want
    assert want.single == 196480 // dtype_bytes


def test_the_reductions_size_their_buffers_by_bytes_per_element():
    # 3 passes of the rule each set aside 4096 B for the last-axis reduce_sum, then a 1024-B guard;
    # ReduceSum peaks at 3 fp32 buffers per element (12 B), ReduceMean at 4 plus one for its
    # input's double buffer (20 B); 128-aligned.
    ub = UB - 3 * 4096 - 1024
    assert reduce_tile(0) == UbTile(ub // 12 // 128 * 128, ub // 12 // 128 * 128) == UbTile(15232, 15232)
    assert reduce_tile(1).single == ub // 20 // 128 * 128 == 9088


def test_each_launch_is_tiled_with_its_own_kernels_ub_tile():
    # 4096 x 1000 fp32, no operand: OnesLike and the fused kernel both take the elementwise
    # tiling: 85334 per core, 128-aligned to 85376, more than one tile, so double-buffered.
    onesl, fused, = stock_launches(StockCall((4096, 1000), "float32", "none"))
    assert onesl.ub_tile == ones_like_tile(4) and fused.ub_tile == fused_elewise_tile(False, False)
    # OnesLike: tiles of at most min(24560, 16383): 6 even tiles of 14230, 128-aligned to 14336.
    split = tile_loop(onesl, BASE)
    assert (split.tiles, split.span, split.double_buffer) == (6, 14336, True)
    # The fused kernel: at most 3056: 28 even tiles of 3050, aligned up past the limit (3072), so
    # down to 2944: 29 tiles.
    split = tile_loop(fused, BASE)
    assert (split.tiles, split.span) == (29, 2944)
    # The assumption scales the derived tiles: halved, the fused kernel's limit is 1528, 56 tiles
    # of 1525 -> 1536 is past it, so 1408: 61 tiles.
    assert tile_loop(fused, scaled(BASE, "stock_tile_factor", 0.5)).tiles == 61


def test_a_reduction_is_tiled_with_its_reduce_tile():
    launches = stock_launches(StockCall((4096, 1000), "float32", "sum", pos_weight_shape=(1000,)))
    reduce = launches[-1]
    assert reduce.name == "ReduceSum" and reduce.ub_tile == reduce_tile(0)
    assert tile_loop(reduce, BASE).tiles == -(-4096 * 1000 // 48 // 15232)
