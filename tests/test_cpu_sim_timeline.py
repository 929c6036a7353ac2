"""cpu_sim's per-pipe timeline: what a launch is modelled to take on an A2 and why. Reduced kernels
(cpu_sim/selftest/st_timeline.cpp) whose timelines are worked out here from the cost table
(`_C.cost_table()`, cpu_sim/include/sim/cost_table.h): a per-tile ReduceSum serialises copy-in
behind the vector work, double buffering overlaps them, a scalar loop holds the other pipes, a
scalar GM read pays a DCache miss per new 64-B line, SyncAll adds its cost, and the HBM share shrinks as blocks are added. Then real launches: the
timeline is never below cost_model.py's analytic bound (perfect overlap)."""
from __future__ import annotations

import numpy as np
import pytest

import ascend_bce
from ascend_bce import _C
from ascend_bce.cost_model import SLOW_VECTOR_OPS, SPECS
from conftest import DTYPES

COST = _C.cost_table()
CYCLES_PER_US = COST["clock_hz"] / 1e6
TILE_FLOATS = 1024
SOC_CORES = 48
REPEAT_BYTES = 256


def cycles(us):
    return us * CYCLES_PER_US


def fair_bytes_per_cycle():
    return COST["hbm_bytes_per_s"] / COST["clock_hz"] / SOC_CORES


def copy_cycles(nbytes, blocks):
    share = min(SOC_CORES / blocks, COST["core_share_cap"])
    return COST["copy_issue_cycles"] + nbytes / (fair_bytes_per_cycle() * share)


def vector_cycles(repeats, per_repeat=None):
    return COST["vector_issue_cycles"] + repeats * (COST["simple_repeat_cycles"] if per_repeat is None else per_repeat)


TILE_REPEATS = TILE_FLOATS * 4 // REPEAT_BYTES
FP32_EXP_REPEAT = REPEAT_BYTES / 4 / COST["transcendental_elems_per_cycle"]


def run_tiles(mode, exps, tiles=16, blocks=1):
    x = np.ones(tiles * TILE_FLOATS * blocks, np.float32)
    y = np.zeros(8 * blocks, np.float32)
    tiling = np.zeros(16, np.uint32)
    tiling[0], tiling[3], tiling[4] = tiles, mode, exps
    return _C.selftest.run("timeline_tiles", [x, y], block_dim=blocks, tiling=tiling)


def tile_costs(exps):
    """(copy-in, vector work, ReduceSum) cycles of one tile of the timeline_tiles kernel."""
    copy = copy_cycles(TILE_FLOATS * 4, 1)
    vector = vector_cycles(TILE_REPEATS) + exps * vector_cycles(TILE_REPEATS, FP32_EXP_REPEAT)  # Muls, Exps
    reduce = vector_cycles(TILE_REPEATS, COST["vector_repeat_cycles"]["ReduceSum"][0])
    return copy, vector, reduce


def test_cost_table_matches_the_analytic_model_spec():
    spec = SPECS["910B1"]
    assert COST["clock_hz"] == spec.clock_hz and COST["hbm_bytes_per_s"] == spec.hbm_bytes_per_s
    assert COST["launch_us"] == spec.launch_us and COST["sync_all_us"] == spec.sync_all_us
    # The issue costs and the one-core share as asc-devkit's add_high_performance sample measured
    # them on an A2: Case 6, 86 Adds of 127 repeats in 12,865 cycles per core; Cases 2 and 3, the
    # same bytes in 683 and 171 copies per core with MTE2 busy 215.485 and 184.369 us; Cases 0/1,
    # one core reading 0.0432-0.0454 TB/s.
    assert COST["vector_issue_cycles"] == spec.vector_issue_cycles == pytest.approx((12865 - 86 * 127) / 86, abs=0.5)
    copy = (215.485 - 184.369) * 1e-6 * COST["clock_hz"] / (683 - 171)
    assert COST["copy_issue_cycles"] == spec.copy_issue_cycles == pytest.approx(copy, abs=0.5)
    fair_tb_s = COST["hbm_bytes_per_s"] / 48 / 1e12
    assert 0.0432 / fair_tb_s <= COST["core_share_cap"] == spec.core_share_cap <= 0.0454 / fair_tb_s
    # The analytic model's slow ops take two cycles per fp32 repeat (32 elements per cycle), at
    # most what the timeline charges them, and the timeline charges no vector op less than one.
    rates = COST["vector_repeat_cycles"]
    for op in SLOW_VECTOR_OPS:
        assert rates[op] == (REPEAT_BYTES / 4 / COST["transcendental_elems_per_cycle"],
                             REPEAT_BYTES / 2 / COST["transcendental_elems_per_cycle"]) == (2, 4)
    assert min(min(r) for r in rates.values()) >= COST["simple_repeat_cycles"] == 1
    # Huawei's add sample: 1,239,689.1 us for 8192 x 8192 elements on one core, 3 accesses each.
    per_element = 1239689.1e-6 * COST["clock_hz"] / 8192**2
    assert COST["scalar_loop_cycles_per_element"] == pytest.approx(per_element)
    assert 34 < per_element < 34.5
    assert COST["scalar_access_cycles"] == pytest.approx(per_element / 3)


def test_per_tile_reduce_sum_serialises_copy_in_behind_the_vector_work():
    tiles, exps = 16, 2
    copy, vector, reduce = tile_costs(exps)
    flag, scalar = COST["flag_latency_cycles"], COST["scalar_access_cycles"]
    overlap = run_tiles(0, exps, tiles).timeline
    serial = run_tiles(1, exps, tiles).timeline
    # Serialised: each tile's copy-in is issued only after ReduceSum's V_S wait returned, so a tile
    # takes copy, MTE2_V flag, vector work, ReduceSum, V_S flag and the scalar store in a row.
    per_tile_serial = copy + flag + vector + reduce + flag + scalar
    assert abs(cycles(serial["critical_path_us"]) - tiles * per_tile_serial) < per_tile_serial
    # Overlapped: the copy of tile i + 1 runs under the vector work of tile i (copy-bound here).
    assert vector < copy
    assert abs(cycles(overlap["critical_path_us"]) - (tiles * copy + flag + vector)) < copy
    saved = cycles(serial["modelled_us"] - overlap["modelled_us"])
    assert saved == pytest.approx(tiles * (per_tile_serial - copy), abs=per_tile_serial)
    # The stall shows where the time went: the scalar unit waited for V every tile, and MTE2 sat
    # idle for the vector work it could have overlapped.
    assert cycles(serial["stall_us"]["S"]) > tiles * (vector + reduce)
    assert cycles(serial["stall_us"]["MTE2"]) > (tiles - 1) * (vector + reduce)
    assert cycles(overlap["stall_us"]["MTE2"]) < copy
    assert serial["busy_us"]["S"] == pytest.approx(tiles * scalar / CYCLES_PER_US)
    assert overlap["busy_us"]["S"] == 0


def test_double_buffering_overlaps_copy_in_with_vector_work():
    tiles, exps = 16, 3
    copy, vector, _ = tile_costs(exps)
    t = run_tiles(0, exps, tiles).timeline
    busy = t["busy_us"]
    assert cycles(busy["MTE2"]) == pytest.approx(tiles * copy)
    assert cycles(busy["V"]) == pytest.approx(tiles * vector + vector_cycles(TILE_REPEATS))  # + the last Adds
    assert t["critical_path_us"] < 0.65 * (busy["MTE2"] + busy["V"])
    assert t["critical_path_us"] >= max(busy["MTE2"], busy["V"])
    assert t["bound_by"] == "MTE2"


def run_tiles_with_queue_depth(depth, exps, tiles=16):
    _C.set_pipe_queue_depth(depth)
    try:
        return run_tiles(0, exps, tiles)
    finally:
        _C.set_pipe_queue_depth(COST["pipe_queue_depth"])


def test_pipe_instruction_queues_default_to_the_published_cube_depth():
    # asc-devkit publishes a queue depth for dav-2201's cube core only ("MTE1和MMAD指令队列的深度为
    # 32", NPU架构版本2201.md); none for V, MTE2, MTE3, whose PMU full-queue counters say they are
    # finite: the model gives them the cube's 32 entries. In a vector-bound loop the scalar unit
    # soon fills the V queue and waits (queue_full_us), which unbounded (0) it never does; the next
    # copy-in is still issued with 32 entries of vector work ahead of it, more than hide it, so the
    # loop ends when it would unbounded.
    assert COST["pipe_queue_depth"] == 32 == COST["cube_queue_depth"] == _C.get_pipe_queue_depth()
    default = run_tiles(0, 24).blocks[0]
    unbounded = run_tiles_with_queue_depth(0, 24).blocks[0]
    assert default["queue_full_us"] > 0 and unbounded["queue_full_us"] == 0
    assert default["end_us"] == pytest.approx(unbounded["end_us"], rel=1e-12)


@pytest.mark.parametrize("depth", [2, 3, 4, 8])
def test_a_full_vector_queue_holds_the_next_copy_in(depth):
    # Double-buffered tiles of Muls and 24 Exps: vector-bound, so without a queue limit the next
    # tile's copy-in runs under this tile's vector work and V never waits. With a V queue of
    # `depth` entries the scalar unit issues the next copy-in only once the entry `depth` places
    # before it has started on V: the tile's FreeTensor SetFlag (an entry too) is preceded by its
    # last Exps, so the copy is issued when `depth` Exps are left, and V waits whatever the copy
    # and its flag take beyond them, on every tile after the first.
    tiles, exps = 16, 24
    copy, _, _ = tile_costs(exps)
    exp = vector_cycles(TILE_REPEATS, FP32_EXP_REPEAT)
    unbounded = run_tiles_with_queue_depth(0, exps, tiles).blocks[0]
    bounded = run_tiles_with_queue_depth(depth, exps, tiles).blocks[0]
    per_tile = max(0.0, copy + COST["flag_latency_cycles"] - depth * exp)
    assert cycles(bounded["end_us"] - unbounded["end_us"]) == pytest.approx((tiles - 1) * per_tile, abs=1)
    assert cycles(bounded["stall_us"]["V"] - unbounded["stall_us"]["V"]) == pytest.approx((tiles - 1) * per_tile,
                                                                                           abs=1)
    assert bounded["busy_us"] == unbounded["busy_us"]
    assert bounded["queue_full_us"] > 0 and unbounded["queue_full_us"] == 0
    if depth <= 4:
        assert per_tile > 0  # the copy (284 cycles) outlasts 4 Exps (55 each) and its flag
    else:
        assert per_tile == 0  # 8 Exps hide it: the scalar unit waited, but nothing was lost


def test_a_scalar_loop_is_busy_time_of_the_scalar_unit_and_a_stall_of_the_others():
    stores = 1000
    x = np.ones(TILE_FLOATS, np.float32)
    y = np.zeros(8, np.float32)
    tiling = np.zeros(16, np.uint32)
    tiling[4] = stores
    stats = _C.selftest.run("timeline_scalar_loop", [x, y], tiling=tiling)
    t = stats.timeline
    loop = stores * COST["scalar_access_cycles"]
    assert stats.scalar_accesses == stores
    assert cycles(t["busy_us"]["S"]) == pytest.approx(loop)
    assert t["bound_by"] == "S"
    # The Add after the loop waits for it: V and MTE3 stall for (at least) the whole loop.
    assert cycles(t["stall_us"]["V"]) > loop
    assert cycles(t["stall_us"]["MTE3"]) > loop
    assert cycles(t["critical_path_us"]) > loop + cycles(t["busy_us"]["MTE2"] + t["busy_us"]["V"])


LINE_FLOATS = COST["dcache_line_bytes"] // 4


def line_aligned_floats(n):
    """n float32 zeros starting on a DCache line (the launch uses the array's memory as GM)."""
    raw = np.zeros(n + LINE_FLOATS, np.float32)
    skip = -raw.ctypes.data % COST["dcache_line_bytes"] // 4
    return raw[skip:skip + n]


def run_gm_reads(reads, stride, passes=1):
    x = line_aligned_floats(reads * stride)
    x[::stride] = 1.0
    y = line_aligned_floats(8)
    tiling = np.zeros(16, np.uint32)
    tiling[6], tiling[7], tiling[8] = reads, stride, passes
    stats = _C.selftest.run("timeline_gm_scalar_reads", [x, y], tiling=tiling)
    assert y[0] == reads * passes
    return stats


@pytest.mark.parametrize("stride, lines", [(1, 4), (LINE_FLOATS // 2, 32), (LINE_FLOATS, 64)])
def test_scalar_gm_reads_pay_a_miss_per_new_dcache_line(stride, lines):
    """64 GetValue of GM, 1, 8 or 16 floats apart: one DCache miss per 64-B line first touched, plus
    the SetValue of the result (its line is loaded too); every access also pays the scalar access."""
    reads = 64
    stats = run_gm_reads(reads, stride)
    accesses, misses = reads + 1, lines + 1
    assert (stats.scalar_gm_accesses, stats.scalar_gm_misses) == (accesses, misses)
    t = stats.timeline
    s_cycles = accesses * COST["scalar_access_cycles"] + misses * COST["scalar_gm_miss_cycles"]
    assert cycles(t["busy_us"]["S"]) == pytest.approx(s_cycles)
    assert cycles(t["critical_path_us"]) == pytest.approx(s_cycles)
    assert t["bound_by"] == "S"


def test_dcache_keeps_the_most_recent_lines():
    """Two passes over as many lines as the DCache holds: the second pass hits; one line more and
    least-recently-used replacement evicts each line just before it is read again."""
    lines = COST["dcache_lines"]
    fits = run_gm_reads(lines, LINE_FLOATS, passes=2)
    assert fits.scalar_gm_misses == lines + 1
    thrash = run_gm_reads(lines + 1, LINE_FLOATS, passes=2)
    assert thrash.scalar_gm_misses == 2 * (lines + 1) + 1


@pytest.mark.parametrize("barriers", [1, 3])
def test_sync_all_adds_its_cost_per_barrier(barriers):
    tiling = np.zeros(16, np.uint32)
    tiling[5] = barriers
    x, y = np.zeros(8, np.float32), np.zeros(8, np.float32)
    stats = _C.selftest.run("timeline_sync_all", [x, y], tiling=tiling, block_dim=4, workspace_bytes=32,
                            batch_mode=True)
    t = stats.timeline
    assert stats.sync_all_count == barriers
    assert t["critical_path_us"] == pytest.approx(barriers * COST["sync_all_us"])
    assert stats.modelled_a2_us == pytest.approx(COST["launch_us"] + barriers * COST["sync_all_us"])
    assert t["bound_by"] == "-"


def test_blocks_share_hbm_and_the_launch_never_beats_its_bandwidth():
    tiles = 8
    half = run_tiles(0, 0, tiles, blocks=24)
    full = run_tiles(0, 0, tiles, blocks=48)
    issue = tiles * COST["copy_issue_cycles"]
    # Same work per block: with 48 blocks each core gets its fair share, with 24 twice that up to
    # the one-core cap.
    transfer_24 = cycles(half.timeline["busy_us"]["MTE2"]) - issue
    transfer_48 = cycles(full.timeline["busy_us"]["MTE2"]) - issue
    assert transfer_48 == pytest.approx(min(2, COST["core_share_cap"]) * transfer_24)
    assert transfer_48 == pytest.approx(tiles * TILE_FLOATS * 4 / fair_bytes_per_cycle())
    for stats in (half, full):
        t = stats.timeline
        floor = (stats.gm_bytes_read + stats.gm_bytes_written) / COST["hbm_bytes_per_s"] * 1e6
        assert t["hbm_floor_us"] == pytest.approx(floor)
        assert stats.modelled_a2_us >= COST["launch_us"] + floor
    # All 48 cores streaming: the launch takes its bytes at the HBM bandwidth, plus the copies'
    # issue costs and the tail after the last copy-in (the last tile's vector work, the copy-out,
    # and the flags between them).
    tail = COST["copy_issue_cycles"] + vector_cycles(TILE_REPEATS) + 4 * COST["flag_latency_cycles"]
    assert full.timeline["critical_path_us"] < 1.1 * full.timeline["hbm_floor_us"] + (issue + tail) / CYCLES_PER_US


def test_per_block_timelines_are_reported():
    stats = run_tiles(1, 1, tiles=4, blocks=3)
    blocks = stats.blocks
    assert [b["block_idx"] for b in blocks] == [0, 1, 2]
    slowest = max(blocks, key=lambda b: b["end_us"])
    assert stats.timeline["critical_path_us"] == pytest.approx(slowest["end_us"])
    assert stats.timeline["busy_us"] == pytest.approx(slowest["busy_us"])
    assert stats.as_dict()["modelled_a2_us"] == stats.modelled_a2_us
    # Per tile: a copy-in, Muls + Exp + ReduceSum, ReduceSum's scalar store; the last tile's Adds
    # and its copy-out.
    assert all(b["pipe_instructions"] == {"S": 4, "V": 4 * 3 + 1, "MTE2": 4, "MTE3": 1} for b in blocks)


@pytest.mark.parametrize("dtype, reduction, operand", [
    ("float32", "mean", "pos_weight"), ("float16", "none", "weight_rows"), ("bfloat16", "sum", None),
    ("float32", "none", "pos_weight_1001"),
])
def test_timeline_is_never_below_the_analytic_bound_of_a_real_launch(rng, dtype, reduction, operand):
    rows, classes = 192, 1001 if operand == "pos_weight_1001" else 1000
    # DTYPES, not the name: MindSpore registers a numpy "bfloat16" of its own.
    x = rng.standard_normal((rows, classes)).astype(DTYPES[dtype])
    y = (rng.random((rows, classes)) < 0.05).astype(DTYPES[dtype])
    kwargs = {}
    if operand in ("pos_weight", "pos_weight_1001"):
        kwargs["pos_weight"] = np.full(classes, 3.0, np.float32)
    elif operand == "weight_rows":
        kwargs["weight"] = np.full((rows, 1), 0.5, np.float32)
    ascend_bce.binary_cross_entropy_with_logits(x, y, reduction=reduction, **kwargs)
    stats = ascend_bce.last_kernel_stats()
    t = stats.timeline
    assert stats.modelled_a2_us >= stats.analytic_a2_us * (1 - 1e-12)
    assert stats.modelled_a2_us == pytest.approx(t["launch_us"] + max(t["critical_path_us"], t["hbm_floor_us"]))
    assert t["bound_by"] in ("S", "V", "MTE2", "MTE3", "HBM")


@pytest.mark.parametrize("dtype", ["float32", "float16"])
def test_every_instruction_the_kernels_issue_has_a_documented_rate(rng, dtype):
    """A vector instruction priced at the default rate must be one the A2 appendix lists at a
    repeat per cycle; a new instruction missing from the cost table fails here."""
    known = set(COST["vector_repeat_cycles"]) | set(COST["simple_repeat_ops"]) | {"DataCopy", "DataCopyPad"}
    rows, classes = 64, 1001
    x = rng.standard_normal((rows, classes)).astype(DTYPES[dtype])
    y = rng.random((rows, classes)).astype(DTYPES[dtype])
    operands = [{}, {"pos_weight": np.full(classes, 2.0, np.float32)},             # SCALAR-free, PERIODIC
                {"weight": np.full((rows, 1), 0.5, np.float32)},                   # rows
                {"weight": rng.random((rows, classes)).astype(np.float32)},        # FULL
                {"pos_weight": rng.random((4, 1, 1)).astype(np.float32) + 0.5}]     # broadcast over rows
    x3, y3 = x.reshape(4, 16, classes), y.reshape(4, 16, classes)
    seen = set()
    for reduction in ("none", "mean"):
        for kw in operands:
            xs, ys = (x3, y3) if kw.get("pos_weight") is not None and kw["pos_weight"].ndim == 3 else (x, y)
            ascend_bce.binary_cross_entropy_with_logits(xs, ys, reduction=reduction, **kw)
            seen |= set(ascend_bce.last_kernel_stats().as_dict()["instructions"])
            grad = np.ones((), DTYPES[dtype]) if reduction == "mean" else np.ones(xs.shape, DTYPES[dtype])
            ascend_bce.functional.binary_cross_entropy_with_logits_backward(grad, xs, ys, reduction=reduction, **kw)
            seen |= set(ascend_bce.last_kernel_stats().as_dict()["instructions"])
    assert seen - known == set()


@pytest.mark.parametrize("kernel", ["forward", "backward"])
def test_a_single_tile_block_overlaps_the_target_copy_with_the_vector_work(kernel):
    # 10 x 1000 fp32 with pos_weight[1000]: one row chunk per block, three copies in (x, y, the
    # pos_weight chunk, equal lengths). The kernels dequeue the target only after the vector work
    # on x, so the vector pipe waits for the x copy alone, not for all three in turn.
    rng = np.random.default_rng(4)
    x = rng.standard_normal((10, 1000)).astype(np.float32)
    y = rng.random((10, 1000)).astype(np.float32)
    pw = (rng.random(1000) + 0.5).astype(np.float32)
    if kernel == "forward":
        got = ascend_bce.binary_cross_entropy_with_logits(x, y, None, "none", pw)
        x64, y64 = x.astype(np.float64), y.astype(np.float64)
        sp = np.logaddexp(0, -x64)
        want = (1 - y64) * (x64 + sp) + pw * y64 * sp
    else:
        got = ascend_bce.functional.binary_cross_entropy_with_logits_backward(
            np.float32(1.0), x, y, None, pw, reduction="sum")
        s = 1 / (1 + np.exp(-x.astype(np.float64)))
        want = (1 - y) * s - pw * y * (1 - s)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7)
    stats = ascend_bce.last_kernel_stats().as_dict()
    for block in stats["blocks"]:
        assert block["pipe_instructions"]["MTE2"] == 3
        # The backward's sum reads dL/d(loss) with one scalar GM read (a DCache miss that holds the
        # scalar unit, which issues every pipe's instructions) at its first use, after the copies.
        assert block["stall_us"]["V"] < 0.5 * block["busy_us"]["MTE2"]
        assert block["stall_us"]["MTE2"] == 0
        assert block["scalar_gm_misses"] == (0 if kernel == "forward" else 1)


@pytest.mark.parametrize("reduction", ["none"])  # a reduction's MTE2 also waits at SyncAll
def test_a_scalar_operand_is_read_after_the_first_copies_are_issued(reduction):
    # weight[1] is SCALAR: one GM read per block, a DCache miss. Read at its first use, the miss
    # waits beside the copies instead of holding their issue: no copy waits for it.
    rng = np.random.default_rng(6)
    x = rng.standard_normal((10, 1000)).astype(np.float32)
    y = rng.random((10, 1000)).astype(np.float32)
    w = np.array([0.7], np.float32)
    got = ascend_bce.binary_cross_entropy_with_logits(x, y, w, reduction)
    x64, y64 = x.astype(np.float64), y.astype(np.float64)
    want = 0.7 * (np.maximum(x64, 0) - x64 * y64 + np.log1p(np.exp(-np.abs(x64))))
    np.testing.assert_allclose(got, want if reduction == "none" else want.mean(), rtol=1e-5, atol=1e-7)
    stats = ascend_bce.last_kernel_stats().as_dict()
    for block in stats["blocks"]:
        assert block["scalar_gm_misses"] == 1
        assert block["busy_us"]["S"] * CYCLES_PER_US >= COST["scalar_gm_miss_cycles"]
        assert block["stall_us"]["MTE2"] == 0
