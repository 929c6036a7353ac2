"""cpu_sim's hardware flags follow asc-devkit on A2 (cpu_sim/src/flags.cpp): one bit per
(HardEvent, id). A second SetFlag before its WaitFlag, a wait on a clear flag, an id outside the
8 of a HardEvent and a flag left set are errors naming the event and id; V_V is a vector barrier,
no flag. A SetFlag issued after the previous wait but before that wait's pipe reached it (what
asc-devkit's own TQue does on a double-buffered queue) holds its source pipe until the wait clears
the bit: the timeline charges it as `flag_stall_us`. A depth-0 (inplace) TQue holds two ids per
buffer from InitBuffer on; a depth-2 TQue holds two enqueued tiles in order, an id each.
Kernels: cpu_sim/selftest/st_flags.cpp."""
from __future__ import annotations

import numpy as np
import pytest

from ascend_bce import _C

COST = _C.cost_table()
CYCLES_PER_US = COST["clock_hz"] / 1e6
SOC_CORES = 48
BLOCK_FLOATS = 8
TILE_FLOATS = 8192  # st_flags.cpp kTileFloats: the COLUMN scenario's tile copy-in
QUEUE_TILES, QUEUE_TILE_FLOATS = 4, 2048  # st_flags.cpp: the TQue re-set kernel

FETCHED_NESTED, FETCHED_IN_TURN, ALLOCATED_NESTED = 0, 1, 2
SHARED_ID, OWN_IDS = 0, 1
TARGET_LATE, TARGET_EARLY = 0, 1
PREFETCH, THIRD_ENQUE = 0, 1
PREFETCH_TILES = 4  # st_flags.cpp kPrefetchTiles
ORDERED, NO_MTE3_MTE2, NO_V_MTE3 = 0, 1, 2


def run(name, buffers, mode=0):
    tiling = np.zeros(16, np.uint32)
    tiling[0], tiling[3] = buffers[0].size, mode
    return _C.selftest.run(name, buffers, tiling=tiling).as_dict()["blocks"][0]


def copy_cycles(nbytes):
    """One block's copy of nbytes: issue plus the bytes at its (capped) share of HBM."""
    share = min(SOC_CORES, COST["core_share_cap"])
    return COST["copy_issue_cycles"] + nbytes / (COST["hbm_bytes_per_s"] / COST["clock_hz"] / SOC_CORES * share)


def test_a_second_set_of_a_fetched_id_before_its_wait_is_refused():
    # The FetchEventID page: two SetFlags on ids fetched one after the other share the id.
    x = np.arange(1, BLOCK_FLOATS + 1, dtype=np.float32)
    with pytest.raises(_C.SimulatorError, match=r"SetFlag<MTE2_V>\(0\): the flag is already set and not yet "
                                                r"waited .*next PIPE_ALL hangs"):
        run("flag_set_twice", [x, np.zeros(BLOCK_FLOATS, np.float32)], FETCHED_NESTED)
    for mode in (FETCHED_IN_TURN, ALLOCATED_NESTED):  # set/wait in turn, or two allocated ids
        y = np.zeros(BLOCK_FLOATS, np.float32)
        run("flag_set_twice", [x, y], mode)
        np.testing.assert_array_equal(y, x)


def test_an_event_id_past_the_eight_of_a_hard_event_is_refused():
    with pytest.raises(_C.SimulatorError, match=r"SetFlag<V_S>: event id 8 outside \[0, 8\)"):
        run("flag_id_out_of_range", [np.zeros(BLOCK_FLOATS, np.float32), np.zeros(BLOCK_FLOATS, np.float32)])


def test_v_v_is_a_vector_barrier_not_a_flag():
    # kernel_event.h on 2201: SetFlag<V_V> is pipe_barrier(PIPE_V), WaitFlag<V_V> does nothing, so
    # two sets and three waits of one id are fine.
    x = np.arange(1, BLOCK_FLOATS + 1, dtype=np.float32)
    y = np.zeros(BLOCK_FLOATS, np.float32)
    run("flag_v_v", [x, y])
    np.testing.assert_array_equal(y, x + 2)


def test_two_column_windows_on_one_s_mte2_id_hold_the_scalar_unit_for_the_tile_copy():
    # 79e634e: two COLUMN operands restaging at one tile, each with an S_MTE2 set/wait before its
    # window's copy. With one fetched id, the second set finds the bit set: MTE2 reaches the
    # first wait only after the tile's 32 KiB copy, and the scalar unit stalls on the set until
    # then, with the vector work it would issue next. With each operand's own id: no stall.
    x = np.arange(1, TILE_FLOATS + BLOCK_FLOATS + 1, dtype=np.float32)
    blocks = {}
    for mode in (SHARED_ID, OWN_IDS):
        y = np.zeros(BLOCK_FLOATS, np.float32)
        blocks[mode] = run("flag_column_restage", [x, y], mode)
        np.testing.assert_array_equal(y, np.full(BLOCK_FLOATS, x[0] + x[TILE_FLOATS]))
    tile_copy = copy_cycles(TILE_FLOATS * 4)
    assert blocks[SHARED_ID]["flag_stall_us"] * CYCLES_PER_US == pytest.approx(tile_copy)
    assert blocks[OWN_IDS]["flag_stall_us"] == 0
    assert (blocks[SHARED_ID]["end_us"] - blocks[OWN_IDS]["end_us"]) * CYCLES_PER_US > tile_copy / 2


def test_tque_re_sets_a_dequeued_id_before_the_vector_pipe_reaches_the_dequeue():
    # EnQue takes the lowest free id, the one the last DeQue released. Dequeuing t after the
    # vector work on x (as the bce forward does) lets MTE2 reach the next tile's EnQue of t first:
    # it waits there for the bit, and no result changes. Dequeued first, no EnQue waits.
    rng = np.random.default_rng(7)
    n = QUEUE_TILES * QUEUE_TILE_FLOATS
    x = rng.standard_normal(n).astype(np.float32)
    t = rng.random(n).astype(np.float32)
    want = np.exp(x.astype(np.float64)) + t
    stalls = {}
    for mode in (TARGET_LATE, TARGET_EARLY):
        y = np.zeros(n, np.float32)
        stalls[mode] = run("flag_tque_reset", [x, t, y], mode)["flag_stall_us"]
        np.testing.assert_allclose(y, want, rtol=1e-6)
    assert stalls[TARGET_LATE] > 0
    assert stalls[TARGET_EARLY] == 0


def test_a_depth_two_queue_holds_two_tiles_in_order_each_with_its_id():
    # The kernels' prefetch (the next tile's x enqueued before this tile's DeQue) through a depth-2
    # TQue as asc-devkit implements it for 2201 (kernel_tquebind_impl.h EnQue/DeQue: que_[tail] and
    # que_[head], one pool MTE2_V id per enqueued buffer until its DeQue): tiles come out in order;
    # while two are enqueued (ids 0 and 1) the pool's next id is 2, at the last tile (id 1) it is 0.
    x = np.arange(1, PREFETCH_TILES * BLOCK_FLOATS + 1, dtype=np.float32)
    y = np.zeros_like(x)
    run("flag_prefetch_queue", [x, y], PREFETCH)
    np.testing.assert_array_equal(y, x + np.repeat([2, 2, 2, 0], BLOCK_FLOATS))
    with pytest.raises(_C.SimulatorError, match=r"TQue::EnQue: queue of depth 2 already holds 2 tensor"):
        run("flag_prefetch_queue", [x, np.zeros_like(x)], THIRD_ENQUE)


def test_a_result_in_its_input_buffer_needs_v_mte3_and_mte3_mte2():
    # The forward 'none' kernel writes the loss into x's buffer and copies it out from there
    # (bce_with_logits.h CopyOut, CopyInInput). FreeTensor's V_MTE2 orders only the vector pipe, so
    # the copy into the buffer two tiles later waits MTE3 too, and the copy-out the vector writes.
    x = np.arange(1, PREFETCH_TILES * BLOCK_FLOATS + 1, dtype=np.float32)
    y = np.zeros_like(x)
    run("flag_result_in_input", [x, y], ORDERED)
    np.testing.assert_array_equal(y, x + 1)
    with pytest.raises(_C.SimulatorError, match=r"pipe hazard: DataCopy\(GM->UB\) on pipe MTE2 overwrites UB bytes "
                                                r"\[0, 32\) that pipe MTE3 may still be reading"):
        run("flag_result_in_input", [x, np.zeros_like(x)], NO_MTE3_MTE2)
    with pytest.raises(_C.SimulatorError, match=r"pipe hazard: DataCopy\(UB->GM\) on pipe MTE3 reads UB bytes "
                                                r"\[0, 32\) written by V"):
        run("flag_result_in_input", [x, np.zeros_like(x)], NO_V_MTE3)


def test_an_inplace_queue_holds_two_ids_per_buffer_from_init_buffer():
    # Depth 0 (the inplace forms): every buffer takes its MTE2_V and V_MTE2 ids at InitBuffer and
    # keeps them; 4 of them leave 4 V_MTE2 ids to a depth-1 queue's 4 freed buffers, 5 leave 3.
    x = np.arange(1, BLOCK_FLOATS + 1, dtype=np.float32)
    y = np.zeros(BLOCK_FLOATS, np.float32)
    run("flag_inplace_queue_ids", [x, y], 4)
    np.testing.assert_array_equal(y, x + 3)  # three passes of +1 through the inplace queue
    with pytest.raises(_C.SimulatorError, match=r"TQue::FreeTensor: AllocEventID<V_MTE2>: all 8 event ids"):
        run("flag_inplace_queue_ids", [x, np.zeros(BLOCK_FLOATS, np.float32)], 5)
