"""TBE's multi-core and UB split of the stock kernels (stock_tiling.py): the busiest core of each
case worked out by hand from broadcast_v3.cc / elewise_v3.cc's rules (DoBlockTiling, MilanUbTiling,
ModifyTiling; the elementwise block factor), written out here independently of the module."""
from __future__ import annotations

import pytest

from ascend_bce.assumptions import BASE
from ascend_bce.stock_model import StockCall, split_shape, stock_launches, tile_loop
from ascend_bce.stock_tiling import broadcast_split, elewise_split
from ascend_bce.stock_ub_tile import UbTile

# The splitting rules, worked on one tile size whether or not the loop double-buffers (the tiles
# TBE derives per kernel are tested in test_stock_ub_tile.py).
CORES, UB_ELEMS = 48, 4096
UB = UbTile(UB_ELEMS, UB_ELEMS)


@pytest.mark.parametrize("dims, busiest, tiles, span, cores_used", [
    # 100 rows > 48 cores: ceil(100 / 48) = 3 rows per block; 3 rows of ceil8(1001) = 1008 fit the
    # UB (4096 // 1008 = 4 > 3), so a tile is 3 rows: 34 tiles, one per core, 34 cores.
    ((100, 1001), 3003, 1, 3003, 34),
    ((100, 1000), 3000, 1, 3000, 34),
    # 1000 rows: blocks of 21 rows, UB tiles of 4 rows; 250 tiles, 6 per core, 42 cores.
    ((1000, 1000), 24000, 6, 4000, 42),
    ((999, 1001), 24024, 6, 4004, 42),
    # 46 rows <= 48 cores: the block axis is the row (48 // 46 = 1 core left); a row of 21841 does
    # not fit, so it is cut into UB tiles of 4096: 6 per row, 276 tiles, 6 per core, 46 cores.
    ((46, 21841), 21841, 6, 4096, 46),
    # 4096 rows: blocks of 86 rows, UB tiles of 4 rows; 1024 tiles, 22 per core, 47 cores.
    ((4096, 1000), 88000, 22, 4000, 47),
])
def test_broadcast_split_gives_the_busiest_core_whole_ub_tiles(dims, busiest, tiles, span, cores_used):
    split = broadcast_split(dims, (True, False), CORES, UB, 4)
    assert (split.per_core, split.tiles, split.span, split.cores_used) == (busiest, tiles, span, cores_used)


def test_a_small_output_aligns_its_block_to_a_divisor_of_the_split_axis():
    # 2 x 4097 = 8194 elements: above 8 x 48 x 2 (multi-core) and below 8 x 8 x 8 x 48 (block
    # aligned). 2 rows <= 48 cores leave 24; 4097 > 24, and the largest core count up to 24 that
    # divides 4097 = 17 x 241 is 17 (2 x 17 = 34 blocks, more than half of 48): blocks of 241 columns.
    # They fit the UB, so 2 x 17 = 34 tiles of 241, one per core.
    split = broadcast_split((2, 4097), (True, False), CORES, UB, 4)
    assert (split.per_core, split.tiles, split.span, split.cores_used) == (241, 1, 241, 34)


@pytest.mark.parametrize("n, ub, busiest, tiles, span, cores_used, double_buffer", [
    (100_000, UB, 2176, 1, 2176, 46, False),       # ceil(100000 / 48) = 2084 -> 2176 (128-aligned)
    # 20834 -> 20864, more than a UB tile (double-buffered): 6 even tiles of 3478 -> 3584
    (1_000_000, UB, 20864, 6, 3584, 48, True),
    (500, UB, 500, 1, 500, 1, False),              # under 8 blocks x 48 cores x 2: one core
    # 1e8: 2083334 -> 2083456 per core; with a 40000-element UB the cap 16383 limits a tile: 128
    # even tiles of 16277 round up past the cap, so down: 16256, and 129 tiles.
    (100_000_000, UbTile(40_000, 40_000), 2083456, 129, 16256, 48, True),
])
def test_elewise_split_rounds_each_core_share_up_to_128(n, ub, busiest, tiles, span, cores_used, double_buffer):
    split = elewise_split(n, CORES, ub)
    assert (split.per_core, split.tiles, split.span, split.cores_used, split.double_buffer) == (
        busiest, tiles, span, cores_used, double_buffer)


@pytest.mark.parametrize("dims, broadcast, double_buffer", [
    ((100, 1001), (True, False), False),    # pos_weight[C]: BROADCAST_COMMON, single-buffered
    ((188, 21841), (False, True), True),    # weight[N, 1] with a row past the UB tile
    ((4096, 1000), (False, True), False),   # weight[N, 1] with rows inside one UB tile
])
def test_only_a_weight_column_with_long_rows_double_buffers(dims, broadcast, double_buffer):
    assert broadcast_split(dims, broadcast, CORES, UB, 4).double_buffer is double_buffer


@pytest.mark.parametrize("shape, operands, dims, broadcast", [
    ((100, 1001), [(1001,)], (100, 1001), (True, False)),
    ((32, 128, 1000), [(1000,)], (4096, 1000), (True, False)),   # same-state axes fused
    ((8, 1, 1000), [(1000,)], (8, 1000), (True, False)),         # a size-1 axis dropped
    ((64, 1000), [(64, 1)], (64, 1000), (False, True)),          # weight[N, 1]
    ((64, 1000), [(64, 1), (1000,)], (64, 1000), (True, True)),  # both: each axis broadcast by one
    ((64, 1000), [(64, 1000)], (), ()),                          # nothing broadcast: elementwise
    ((1, 1000), [(1000,)], (), ()),                              # one axis left: elementwise
])
def test_split_shape_fuses_axes_of_one_broadcast_state(shape, operands, dims, broadcast):
    assert split_shape(shape, operands) == (dims, broadcast)


def test_the_stock_fused_kernel_of_100_rows_runs_3_rows_on_its_busiest_core():
    fused, = stock_launches(StockCall((100, 1001), "float32", "none", pos_weight_shape=(1001,)))
    split = tile_loop(fused, BASE)
    assert (split.per_core, split.cores_used) == (3003, 34)


def test_elewise_split_double_buffers_past_the_single_tile_and_then_fills_the_double_one():
    # 1e6 elements: 20864 per core (as above). The single-buffered tile 24568 would hold it, but
    # the cap 16383 does not, so the loop double-buffers and fills tiles of at most 12280: 2 even
    # tiles of 10432, 128-aligned up to 10496.
    split = elewise_split(1_000_000, CORES, UbTile(24568, 12280))
    assert (split.tiles, split.span, split.double_buffer) == (2, 10496, True)
    # 100000 elements: 2176 per core fits one single-buffered tile, so no double buffer.
    assert elewise_split(100_000, CORES, UbTile(6120, 3056)).double_buffer is False
    # A 16-bit kernel's cap is 32767 (SPLIT_FACTORS[2]): 2e6 elements give 41728 per core, past
    # the cap, so double-buffered tiles of at most 32767: 2 even tiles of 20864.
    split = elewise_split(2_000_000, CORES, UbTile(98240, 49120, 2))
    assert (split.tiles, split.span, split.double_buffer) == (2, 20864, True)


def test_a_weight_column_double_buffers_when_a_row_passes_the_single_tile_then_uses_the_double_one():
    # 188 x 7000 with weight[N, 1]: 188 rows > 48 cores, blocks of ceil(188 / 48) = 4 rows. A row of
    # 7000 passes the single-buffered 6144, so the loop double-buffers and cuts each row into tiles
    # of the double-buffered 3072: ceil(7000 / 3072) = 3 per row.
    split = broadcast_split((188, 7000), (False, True), CORES, UbTile(6144, 3072), 4)
    assert (split.double_buffer, split.span) == (True, 3072)
    # A row of 5000 fits the single-buffered tile: one row per tile, single-buffered.
    split = broadcast_split((188, 5000), (False, True), CORES, UbTile(6144, 3072), 4)
    assert (split.double_buffer, split.span) == (False, 5000)
