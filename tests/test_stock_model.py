"""The stock aclnnBinaryCrossEntropyWithLogits model: the launch list per case as derived from
ops-nn's aclnn code (written out here by hand, independently of stock_model.py), the bytes each
case moves, the L2 pricing of intermediates, and the sensitivity table's shape."""
from __future__ import annotations

import dataclasses
from math import prod

import pytest

from ascend_bce.assumptions import BASE, SENSITIVITY_FACTORS, scaled, sources, varied_names
from ascend_bce import stock_model
from ascend_bce.bench_cases import Case
from ascend_bce.bench_model import run_case
from ascend_bce.bench_targets import sensitivity
from ascend_bce.stock_model import (ELEMS_PER_REPEAT, StockCall, broadcast_reread_bytes, launch_us,
                                    pipelined_cycles, stock_gm_bytes, stock_launches, stock_time, tile_loop,
                                    touched_elements)

N_ROWS, C = 64, 1000
N = N_ROWS * C
CORES = BASE.vector_cores
# The fused kernel's UB tile with a broadcast operand: 8 coexisting fp32 buffers in 192 KiB,
# 196608 // 8 // 4 = 6144 elements (derived in test_stock_ub_tile.py).
FUSED_TILE = 6144
# TBE's broadcast tiling of 64 x 1000 (broadcast_v3.cc, by hand): 64 rows > 48 cores gives a block
# factor of ceil(64 / 48) = 2 rows; a 6144-element UB tile holds 6 rows of 1000, so a tile is the
# block's 2 rows; 32 tiles, one per core, 32 cores. Each tile reads all C values of a
# pos_weight[C] and 2 of a weight[N, 1]; every core but the first re-reads the pos_weight.
FUSED_CORES = 32
FUSED = "SigmoidCrossEntropyWithLogitsV2(none)"


def names(call):
    return [launch.name for launch in stock_launches(call)]


@pytest.mark.parametrize("call, want_names, want_bytes", [
    # fp32, no operand: OnesLike writes N fp32 ones; the fused kernel reads x, y, ones and writes
    # the fp32 loss; MemSet zeroes the one fp32 output; ReduceMean reads the loss and adds into it.
    (StockCall((N_ROWS, C), "float32", "mean"), ["OnesLike(pos_weight)", FUSED, "MemSet(ReduceMean out)", "ReduceMean"],
     4 * N + (3 * 4 * N + 4 * N) + 4 + (4 * N + 4)),
    # fp32 pos_weight fp32, none: one launch, x, y, pos_weight in, loss out.
    (StockCall((N_ROWS, C), "float32", "none", pos_weight_shape=(C,)), [FUSED],
     3 * 4 * N + 4 * C + (FUSED_CORES - 1) * 4 * C),
    # fp16 with an fp32 pos_weight: Cast(pos_weight) to fp16, fused (fp32 loss), Cast(out) N elements.
    (StockCall((N_ROWS, C), "float16", "none", pos_weight_shape=(C,)), ["Cast(pos_weight)", FUSED, "Cast(out)"],
     (4 * C + 2 * C) + (2 * 2 * N + 2 * C + 4 * N) + (4 * N + 2 * N) + (FUSED_CORES - 1) * 2 * C),
    # bf16, fp32 weight [N,1], sum: Cast(weight), OnesLike, fused, ReduceSum, Cast(out) of one element.
    (StockCall((N_ROWS, C), "bfloat16", "sum", weight_shape=(N_ROWS, 1)),
     ["Cast(weight)", "OnesLike(pos_weight)", FUSED, "MemSet(ReduceSum out)", "ReduceSum", "Cast(out)"],
     (4 * N_ROWS + 2 * N_ROWS) + 2 * N + (3 * 2 * N + 2 * N_ROWS + 4 * N) + 4 + (4 * N + 4) + (4 + 2)
     + FUSED_CORES * 2 * 2 - 2 * N_ROWS),
    # fp16 weight [N,C] in the input dtype: no Cast of it.
    (StockCall((N_ROWS, C), "float16", "mean", weight_shape=(N_ROWS, C), weight_dtype="float16"),
     ["OnesLike(pos_weight)", FUSED, "MemSet(ReduceMean out)", "ReduceMean", "Cast(out)"],
     2 * N + (4 * 2 * N + 4 * N) + 4 + (4 * N + 4) + (4 + 2)),
])
def test_launch_list_and_bytes_follow_the_aclnn_sequence(call, want_names, want_bytes):
    assert names(call) == want_names
    assert stock_gm_bytes(call) == want_bytes
    assert stock_time(call).launch_count == len(want_names)


@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16"])
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("operand", ["-", "pw[1000]", "pw[1001]", "pw[21841]", "w[N,1]", "w[N,C]"])
def test_every_bench_case_launch_count(dtype, reduction, operand):
    case = Case(dtype, reduction, operand, 10_000)
    low = dtype != "float32"
    fp32_operand_cast = low and operand.startswith(("pw", "w[N,1]"))  # fp32 operands, 16-bit logits
    missing_pos_weight = not operand.startswith("pw")
    # mean/sum: aclnn's MemSet of the reduce's output, then the reduce.
    want = fp32_operand_cast + missing_pos_weight + 1 + 2 * (reduction != "none") + low
    assert stock_time(case.stock_call()).launch_count == want
    # Without the assumed MemSet the reduce is the only launch mean/sum adds.
    no_memset = scaled(BASE, "stock_reduce_memset_launches", 0.5)
    assert stock_time(case.stock_call(), no_memset).launch_count == want - (reduction != "none")


def test_intermediates_that_fit_in_l2_are_priced_at_l2_bandwidth():
    call = StockCall((4096, 1000), "float32", "mean", pos_weight_shape=(1000,))
    reduce = stock_launches(call)[-1]
    assert reduce.name == "ReduceMean" and reduce.inter_read_bytes == 4096 * 1000 * 4
    # TBE's atomic reduce tiling (stock_reduce.py): blocks of ceil(4,096,000 / 48) = 85,334 elements,
    # 48 blocks; a block does not fit the 9,088-element tile, so 10 tiles on the busiest core.
    busiest, tiles = 85_334, 10
    per_core_bytes = busiest * 4
    l2_cycles = per_core_bytes / (BASE.l2_bytes_per_s / BASE.clock_hz / BASE.vector_cores)
    copy = l2_cycles + tiles * BASE.copy_issue_cycles
    # ReduceMean's Muls by 1/N and its Add pass overlap the copies except for one tile's worth.
    vector = (busiest / ELEMS_PER_REPEAT * 2 * BASE.vector_repeat_cycles + 2 * tiles * BASE.vector_issue_cycles)
    assert vector < copy
    # One atomic add of the core's partial, priced as one sync_all_us.
    want = BASE.launch_us + (copy + vector / tiles) / BASE.clock_hz * 1e6 + BASE.sync_all_us
    assert launch_us(reduce, BASE) == pytest.approx(want)
    # With an L2 too small for the loss, the same read comes from HBM and takes longer.
    tiny_l2 = scaled(BASE, "l2_bytes", 1e-6)
    hbm_cycles = per_core_bytes / (BASE.hbm_bytes_per_s / BASE.clock_hz / BASE.vector_cores)
    assert launch_us(reduce, tiny_l2) == pytest.approx(
        want + (hbm_cycles - l2_cycles) / BASE.clock_hz * 1e6, rel=1e-3)


@pytest.mark.parametrize("input_shape, operand_shape, span, want", [
    ((64, 1000), (1000,), 4096, 1000),       # a tile over four rows reads the whole row vector once
    ((64, 1000), (1, 1000), 500, 500),       # half a row reads half of it
    ((188, 21841), (21841,), 4096, 4096),    # a tile inside one long row reads its own slice
    ((64, 1000), (64, 1), 4096, 5),          # a column vector: one value per row the tile reaches
    ((64, 1000), (64, 1), 1000, 1),
    ((64, 1000), (64, 1000), 4096, 4096),    # full shape: one value per element
    ((8, 3, 1000), (3, 1), 2500, 3),         # [C, 1] under a leading batch dim
])
def test_a_tile_reads_the_operand_elements_its_span_touches(input_shape, operand_shape, span, want):
    assert touched_elements(input_shape, operand_shape, span) == want


def test_broadcast_operands_are_re_read_per_tile_at_l2_bandwidth():
    # 188 x 21841 fp32 with pos_weight[21841]: a row does not fit a 6144-element UB tile, so TBE
    # cuts each row into ceil(21841 / 6144) = 4 tiles: 752 tiles, ceil(752 / 48) = 16 per core,
    # 47 cores. Each tile copies its (up to) 6144 pos_weight values; all but the first read of each
    # value come from L2.
    call = StockCall((188, 21841), "float32", "none", pos_weight_shape=(21841,))
    fused, = stock_launches(call)
    tiles, cores = 16, 47
    reread = cores * tiles * FUSED_TILE * 4 - 21841 * 4
    assert broadcast_reread_bytes(fused, BASE) == reread
    no_reread = launch_us(dataclasses.replace(fused, tile_reads=()), BASE)
    l2_per_cycle = BASE.core_bytes_per_cycle(cores, BASE.l2_bytes_per_s)
    # The copies bound this launch, so the re-reads add their L2 time in full.
    assert launch_us(fused, BASE) == pytest.approx(no_reread + reread / cores / l2_per_cycle / BASE.clock_hz * 1e6)
    # A weight that is not broadcast is read once, with x and y.
    full = StockCall((188, 21841), "float32", "none", weight_shape=(188, 21841))
    assert all(not launch.tile_reads for launch in stock_launches(full))


@pytest.mark.parametrize("shape, pw_shape, w_shape, cores, loads_per_core, touched, once", [
    # 4096 x 1000: blocks of ceil(4096 / 48) = 86 rows, UB tiles of 6 whole rows (6000 elements):
    # 683 tiles, 15 per core, 46 cores. The tiles run down the rows, which pos_weight[1000] is
    # broadcast over, so TBE's store predicate loads it on a core's first tile (this pattern,
    # BROADCAST_COMMON, is single-buffered) and keeps it in UB for the other 14.
    ((4096, 1000), (1000,), None, 46, 1, 1000, 1000),
    # The same under a split batch dim: TBE fuses 32 x 128 into one broadcast dim first.
    ((32, 128, 1000), (1000,), None, 46, 1, 1000, 1000),
    # 188 x 21841 with weight[188, 1]: a row passes the single-buffered tile (6144), so COMMON_BROADCAST
    # double-buffers and tiles by the double-buffered 3072: ceil(21841 / 3072) = 8 tiles per row,
    # 1504 tiles, 32 per core, 47 cores; a tile lies inside one row, the tiles run along the columns
    # the weight is broadcast over; a core's 32 tiles span 4 rows, two loads each (8 of its 32
    # tiles), one value per load.
    ((188, 21841), None, (188, 1), 47, 8, 1, 188),
])
def test_a_broadcast_operand_kept_across_tiles_is_read_only_on_its_loads(shape, pw_shape, w_shape, cores,
                                                                         loads_per_core, touched, once):
    call = StockCall(shape, "float32", "none", pos_weight_shape=pw_shape, weight_shape=w_shape)
    fused = [launch for launch in stock_launches(call) if launch.name == FUSED][0]
    assert broadcast_reread_bytes(fused, BASE) == cores * loads_per_core * touched * 4 - once * 4


def test_a_held_broadcast_operand_is_copied_and_broadcast_on_its_loads_only(monkeypatch):
    # 4096 x 1000 fp32 with pos_weight[1000]: UB tiles of 6 whole rows (6000 elements), 15 per core
    # on 46 cores (as above), so the operand is kept in UB and each core's 15 tiles copy and
    # broadcast it on the first only (single-buffered); 14 copy issues, 14 broadcast passes (a
    # tile's repeats and an instruction issue each) and 14 reads of 4000 B per core fewer than with
    # a load on every tile.
    call = StockCall((4096, 1000), "float32", "none", pos_weight_shape=(1000,))
    fused, = stock_launches(call)
    held = launch_us(fused, BASE)
    monkeypatch.setattr(stock_model, "SINGLE_BUFFER_LOADS", 15)  # every tile loads it
    every_tile = launch_us(fused, BASE)
    tiles, cores = 15, 46
    skipped, tile_repeats = 14, 6000 / ELEMS_PER_REPEAT
    copy_saved = (skipped * BASE.copy_issue_cycles
                  + skipped * 1000 * 4 / BASE.core_bytes_per_cycle(cores, BASE.l2_bytes_per_s))
    vector_saved = skipped * (tile_repeats * BASE.vector_repeat_cycles + BASE.vector_issue_cycles)
    # Copy-bound both ways: the copies in full, the vector work by one tile's share.
    assert every_tile - held == pytest.approx((copy_saved + vector_saved / tiles) / BASE.clock_hz * 1e6)


def test_a_tile_loop_overlaps_copy_and_compute_except_the_first_and_last_tile():
    # One tile: copy-in, compute and copy-out run one after the other.
    assert pipelined_cycles(300.0, 200.0, 1) == 500.0
    # Ten tiles of 30 copy and 20 vector cycles: the copies run back to back and the last tile's
    # compute follows them (the copy-out is part of the copy time).
    assert pipelined_cycles(300.0, 200.0, 10) == 300.0 + 20.0
    assert pipelined_cycles(200.0, 300.0, 10) == 300.0 + 20.0
    # Many tiles approach perfect overlap.
    assert pipelined_cycles(300.0, 200.0, 10**6) == pytest.approx(300.0)


def test_a_tile_loop_with_less_overlap_moves_toward_copy_plus_compute():
    best = 300.0 + 20.0
    assert pipelined_cycles(300.0, 200.0, 10, overlap=0.0) == 500.0
    assert pipelined_cycles(300.0, 200.0, 10, overlap=0.5) == pytest.approx((best + 500.0) / 2)
    assert pipelined_cycles(300.0, 200.0, 10, overlap=2.0) == best  # never more than full overlap


def test_only_single_buffered_stock_loops_lose_overlap_in_the_sensitivity_table():
    # 4096 x 1000 with pos_weight[1000]: the fused kernel's broadcast loop is single-buffered
    # (IsNeedDoubleBuffer holds only for weight[N, 1]-like rows); the w[N, C] fused loop is
    # elementwise and double-buffered past one UB tile.
    serial = scaled(BASE, "stock_single_buffer_overlap", 0.0)
    half = scaled(BASE, "stock_single_buffer_overlap", 0.5)
    single = StockCall((4096, 1000), "float32", "none", pos_weight_shape=(1000,))
    fused, = stock_launches(single)
    split = tile_loop(fused, BASE)
    assert not split.double_buffer and split.tiles > 1
    best, in_series, between = (launch_us(fused, a) for a in (BASE, serial, half))
    assert best < between < in_series
    assert between == pytest.approx((best + in_series) / 2)
    double = StockCall((4096, 1000), "float32", "none", weight_shape=(4096, 1000))
    launches = stock_launches(double)
    fused_double = [launch for launch in launches if launch.name.startswith("SigmoidCrossEntropy")][0]
    assert tile_loop(fused_double, BASE).double_buffer
    assert launch_us(fused_double, serial) == launch_us(fused_double, BASE)


def test_a_small_stock_launch_pays_its_copies_and_compute_in_series():
    # [1, 1000] with pos_weight[1000]: one shape, so TBE's elementwise tiling: 1000 elements give
    # each core ceil(1000 / 48) = 21 rounded up to 128, 8 cores, one tile each.
    call = StockCall((1, 1000), "float32", "none", pos_weight_shape=(1000,))
    fused, = stock_launches(call)
    a = BASE
    per_core, cores = 128, 8
    copy = (fused.gm_bytes * per_core / fused.elements / a.core_bytes_per_cycle(cores)
            + fused.streams * a.copy_issue_cycles)
    vector = (per_core / ELEMS_PER_REPEAT * (fused.vector_ops + fused.slow_ops * a.slow_op_factor) * a.vector_repeat_cycles
              + (fused.vector_ops + fused.slow_ops) * a.vector_issue_cycles)
    assert launch_us(fused, a) == pytest.approx(a.launch_us + (copy + vector) / a.clock_hz * 1e6)


def test_every_assumption_names_its_source():
    texts = sources()
    assert set(varied_names()) <= set(texts)
    assert all(texts[name].startswith("ASSUMED") or "ops-nn" in texts[name] or "shared" in texts[name]
               or "add sample" in texts[name] for name in texts)
    assert BASE.l2_bytes == 201326592 and BASE.hbm_bytes_per_s == 1.46e12


def test_sensitivity_table_has_both_ends_of_every_assumption():
    rows = [run_case(Case("float16", "mean", "pw[1000]", 4_000)), run_case(Case("float32", "none", "-", 4_000))]
    sens = sensitivity(rows, BASE)
    assert [(name, factor) for name, factor, *_ in sens.rows] == [
        (name, f) for name in varied_names() for f in SENSITIVITY_FACTORS]
    factors, least_large, least_all, _ = sens.worst
    assert set(factors) == set(varied_names()) and set(factors.values()) <= set(SENSITIVITY_FACTORS)
    assert least_large == float("inf")  # no row from 4M elements in this run
    # L2 bandwidth prices only the stock intermediates: our times stay, the stock ones move.
    for name, factor, _, least, _ in sens.rows:
        if name == "l2_bytes_per_s":
            a = scaled(BASE, name, factor)
            assert least == pytest.approx(min(stock_time(r.stock_call, a).total_us / r.ours_us for r in rows))
