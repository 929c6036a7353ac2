"""The stock ReduceSum / ReduceMean over all axes (stock_reduce.py): TBE's reduce tiling
(reduce_tiling_v3.cc ChooseAtomic, the atomic block split, GetUbTilingInfo, FineTuning) worked out
by hand for each case, and how stock_model.py prices the launch and the MemSet before it."""
from __future__ import annotations

import pytest

from ascend_bce.assumptions import BASE, for_soc, scaled
from ascend_bce.stock_model import (ELEMS_PER_REPEAT, StockCall, cross_core_combines, launch_us, stock_launches,
                                    tile_loop)
from ascend_bce.stock_reduce import ReduceTiling, blocks_on_busiest_core, busiest_core, reduce_all_tiling

CORES = 48
SUM_TILE, MEAN_TILE = 15232, 9088  # stock_ub_tile.reduce_tile(0), reduce_tile(1)


@pytest.mark.parametrize("n, want, busiest, tiles, cores_used, adds", [
    # Up to 1024 elements ChooseAtomic refuses (N * 1 output <= SMALL_SHAPE_THRESHOLD): the normal
    # case finds no output axis to split, so one block, the whole [1, align8(N)] in one UB tile.
    (1000, ReduceTiling(False, 1, 1000, 1000), 1000, 1, 1, 0),
    (1024, ReduceTiling(False, 1, 1024, 1024), 1024, 1, 1, 0),
    # 1025: atomic. ceil(1025 / 48) = 22 per block, ceil(1025 / 22) = 47 blocks (22 x 47 = 1034);
    # align8(22) = 24 fits the UB, so a block is one tile. 1025 is not 8-aligned: no fine tuning.
    (1025, ReduceTiling(True, 47, 22, 22), 22, 1, 47, 1),
    # 10,010 (not 8-aligned): ceil(10010 / 48) = 209, ceil(10010 / 209) = 48 blocks.
    (10_010, ReduceTiling(True, 48, 209, 209), 209, 1, 48, 1),
    # 10,000 (8-aligned): 209 is not, so tune_0_1 rounds it down to 208 (the upper 216 would need
    # 209 x 1 >= 216): ceil(10000 / 208) = 49 blocks, 48 x 208 = 9984 and a 16-element 49th block
    # that runs on core 0 after its first: 224 elements, two tiles, two atomic adds.
    (10_000, ReduceTiling(True, 49, 208, 208), 224, 2, 48, 2),
    # 100,000: ceil(100000 / 48) = 2084 -> 2080, ceil(100000 / 2080) = 49 blocks; core 0 runs
    # 2080 + (100000 - 48 x 2080 = 160).
    (100_000, ReduceTiling(True, 49, 2080, 2080), 2240, 2, 48, 2),
    # 480,000: 10,000 per block, 8-aligned and within the UB: 48 one-tile blocks.
    (480_000, ReduceTiling(True, 48, 10_000, 10_000), 10_000, 1, 48, 1),
    # 4,096,000: ceil(4096000 / 48) = 85,334 (47 blocks would hold 4,010,698), 48 blocks;
    # align8(85334) = 85,336 passes the UB, so the UB splits the reduced axis by the whole tile:
    # 5 x 15,232 + 9,174. The tail is 60 % of a tile, but tune_1's 80 % test compares with an
    # int32_t 0.8 (= 0), so it never rebalances.
    (4_096_000, ReduceTiling(True, 48, 85_334, SUM_TILE), 85_334, 6, 48, 1),
    (4_106_108, ReduceTiling(True, 48, 85_544, SUM_TILE), 85_544, 6, 48, 1),
])
def test_reduce_all_tiling_and_busiest_core(n, want, busiest, tiles, cores_used, adds):
    tiling = reduce_all_tiling(n, CORES, SUM_TILE)
    assert tiling == want
    split = busiest_core(tiling, n, CORES)
    assert (split.per_core, split.tiles, split.cores_used, split.double_buffer) == (busiest, tiles, cores_used, False)
    assert blocks_on_busiest_core(tiling, CORES) == adds


def test_forty_cores_split_by_forty():
    # 910B3/B4: ceil(4096000 / 40) = 102,400 per block (8-aligned), 40 blocks, 7 tiles of 15,232.
    tiling = reduce_all_tiling(4_096_000, 40, SUM_TILE)
    assert tiling == ReduceTiling(True, 40, 102_400, SUM_TILE)
    assert busiest_core(tiling, 4_096_000, 40).tiles == 7


def test_every_element_is_in_one_block():
    for n in (1025, 9_999, 10_000, 77_777, 100_000, 4_096_000):
        tiling = reduce_all_tiling(n, CORES, MEAN_TILE)
        assert (tiling.block_dim - 1) * tiling.block_factor < n <= tiling.block_dim * tiling.block_factor


def test_the_model_prices_the_reduce_by_its_tiling_after_a_memset():
    call = StockCall((4096, 1000), "float32", "mean", pos_weight_shape=(1000,))
    fused, memset, reduce = stock_launches(call)
    assert memset.name == "MemSet(ReduceMean out)" and memset.elements == 1 and memset.inter_write_bytes == 4
    # ReduceMean: the Muls by 1/N (reduce_mean.py) and the Add pass; ReduceSum only the Add.
    assert reduce.vector_ops == 2
    assert stock_launches(StockCall((4096, 1000), "float32", "sum", pos_weight_shape=(1000,)))[-1].vector_ops == 1
    split = tile_loop(reduce, BASE)
    assert (split.per_core, split.tiles, split.cores_used) == (85_334, 10, 48)   # ceil(85334 / 9088) = 10
    assert cross_core_combines(reduce, BASE) == 1
    # The MemSet is one launch on one core writing one fp32: its launch cost and a copy issue, a
    # fill instruction and a 1/64 repeat.
    copy = 4 / BASE.core_bytes_per_cycle(1, BASE.l2_bytes_per_s) + BASE.copy_issue_cycles
    vector = BASE.vector_repeat_cycles / ELEMS_PER_REPEAT + BASE.vector_issue_cycles
    assert launch_us(memset, BASE) == pytest.approx(BASE.launch_us + (copy + vector) / BASE.clock_hz * 1e6)


def test_a_small_reduce_runs_on_one_core_without_a_combine():
    call = StockCall((1, 1000), "float32", "sum")
    reduce = stock_launches(call)[-1]
    split = tile_loop(reduce, BASE)
    assert (split.per_core, split.tiles, split.cores_used) == (1000, 1, 1)
    assert cross_core_combines(reduce, BASE) == 0
    # One core reads the 4,000-byte loss from L2 at its capped share and writes the 4-byte result
    # (the user's) to HBM, one tile, no sync.
    copy = (4000 / BASE.core_bytes_per_cycle(1, BASE.l2_bytes_per_s) + 4 / BASE.core_bytes_per_cycle(1)
            + BASE.copy_issue_cycles)
    vector = 1000 / ELEMS_PER_REPEAT * BASE.vector_repeat_cycles + BASE.vector_issue_cycles
    assert launch_us(reduce, BASE) == pytest.approx(BASE.launch_us + (copy + vector) / BASE.clock_hz * 1e6)


def test_the_memset_assumption_and_the_soc_core_count_reach_the_launches():
    call = StockCall((4096, 1000), "float32", "sum", pos_weight_shape=(1000,))
    assert [launch.name for launch in stock_launches(call, scaled(BASE, "stock_reduce_memset_launches", 0.5))] == [
        "SigmoidCrossEntropyWithLogitsV2(none)", "ReduceSum"]
    reduce = stock_launches(call)[-1]
    assert tile_loop(reduce, for_soc("910B3")).per_core == 102_400
