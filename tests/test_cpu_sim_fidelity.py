"""cpu_sim behaves as asc-devkit's implementation on A2 where a kernel can tell: the TQues and
TPipe::AllocEventID share 8 event ids per HardEvent, flags are one bit, ~TPipe waits on every
freed buffer's id, DataCopyPad without isPad writes dummy data, and MIX kernels need a workspace,
batch scheduling for SyncAll, resident blocks and leave 256 B of UB. Each rule: a reduced form of
a real kernel bug (negative) and its correct version (positive)."""
from __future__ import annotations

import math

import numpy as np
import pytest

from ascend_bce import _C

UB = 196608


def run(name, *, w3=0, w4=0, block_dim=1, **launch):
    x = np.arange(1, 65, dtype=np.float32)
    y = np.full(64, -1, np.float32)
    tiling = np.zeros(16, np.uint32)
    tiling[0], tiling[3], tiling[4] = 64, w3, w4
    _C.selftest.run(name, [x, y], block_dim=block_dim, tiling=tiling, **launch)
    return x, y


def test_hard_coded_event_id_collides_with_a_freed_queue_buffer():
    with pytest.raises(_C.SimulatorError, match=r"SetFlag<V_MTE2>\(0\): the flag is already set .*AllocEventID"):
        run("bad_event_id_collides_with_queue")


def test_a_flag_cleared_behind_the_queue_makes_tpipe_teardown_hang():
    with pytest.raises(_C.SimulatorError, match=r"deadlock: ~TPipe: WaitFlag<V_MTE2>\(0\) waits for a flag that "
                                                r"is not set"):
        run("bad_flag_cleared_behind_queue")


def test_event_id_from_the_pool_is_fine():
    x, y = run("event_id_from_pool_ok")
    np.testing.assert_array_equal(y, x)


def test_more_than_eight_vecin_buffers_exhaust_the_event_ids():
    with pytest.raises(_C.SimulatorError, match=r"TQue::FreeTensor: AllocEventID<V_MTE2>: all 8 event ids"):
        run("bad_ten_vecin_buffers")
    run("eight_vecin_buffers_ok")


@pytest.mark.parametrize("mode, dummy", [(0, math.nan), (1, 5 * 5.0), (2, 0.0)])
def test_datacopypad_fills_the_block_with_dummy_data_unless_padded_explicitly(mode, dummy):
    # mode 0: isPad=false: the filler is the pad register's value if anything (SetPadValue, or an
    # earlier isPad copy, in this kernel or one before it on the core) set it, else the run's first
    # element (DataCopyPad GM->UB page, table 4 isPad): unknown, all-ones bytes (NaN) here; 1:
    # isPad=true with paddings 0 (the docs' wording leaves the filler the run's first element);
    # 2: isPad=true, rightPadding = 5 zeros up to the 32-B block.
    x = np.array([5.0, 1.0, 2.0], np.float32)
    y = np.zeros(8, np.float32)
    tiling = np.zeros(16, np.uint32)
    tiling[3] = mode
    _C.selftest.run("pad_dummy_sum", [x, y], tiling=tiling)
    if math.isnan(dummy):
        assert math.isnan(y[0])
    else:
        assert y[0] == x.sum() + dummy


def test_mix_kernel_needs_a_workspace():
    with pytest.raises(_C.SimulatorError, match=r"a MIX kernel type is launched with no workspace"):
        run("mix_kernel", w3=1024)
    run("mix_kernel", w3=1024, workspace_bytes=32)
    run("aiv_kernel", w3=1024)  # vector-only kernels need none


def test_a_second_tpipe_starts_at_ub_offset_zero():
    # TPipe() runs ResetPool (kernel_tpipe_impl.h): after a Destroy, a new pipe's buffers start at 0
    # again, over the old pipe's (the Destroy page: for creating and releasing TPipes repeatedly).
    x, y = np.arange(1, 65, dtype=np.float32), np.full(64, -1, np.float32)
    stats = _C.selftest.run("second_tpipe_starts_at_ub_zero", [x, y], tiling=np.zeros(16, np.uint32))
    placed = [(b["kind"], b["offset"], b["bytes"]) for b in stats.blocks[0]["ub_buffers"]]
    assert placed == [("TBuf", 0, 1024), ("TQue", 0, 256)]
    np.testing.assert_array_equal(y, x)


@pytest.mark.parametrize("reset", [0, 1], ids=["tpipe_built", "tpipe_reset"])
def test_tpipe_construction_and_reset_turn_the_gm_atomic_off(reset):
    # TPipe() and TPipe::Reset run InitSocState (kernel_tpipe_impl.h), whose set_atomic_none
    # (kernel_utils_base.h InitSocStateImpl) clears a SetAtomicAdd made before: the copy overwrites.
    x, y = run("tpipe_init_clears_atomic", w3=reset)
    np.testing.assert_array_equal(y, x)


@pytest.mark.parametrize("kernel, launch", [("mix_kernel", dict(workspace_bytes=32)), ("aiv_kernel", {})])
def test_ub_leaves_256_bytes_to_the_framework(kernel, launch):
    # ASC_UB_SIZE = 192 KiB - 256 on A2 in asc-devkit, for every kernel type.
    with pytest.raises(_C.SimulatorError, match=r"exceeds the 196352 B of UB this kernel type leaves"):
        run(kernel, w3=UB, **launch)
    run(kernel, w3=UB - 256, **launch)


def test_syncall_needs_batch_mode_and_resident_blocks():
    with pytest.raises(_C.SimulatorError, match=r"SyncAll: the launch is not in batch schedule mode"):
        run("mix_kernel", w3=1024, w4=1, block_dim=4, workspace_bytes=32)
    with pytest.raises(_C.SimulatorError, match=r"SyncAll: 4 blocks but only 2 vector cores can hold them"):
        run("mix_kernel", w3=1024, w4=1, block_dim=4, workspace_bytes=32, batch_mode=True, resident_cores=2)
    run("mix_kernel", w3=1024, w4=1, block_dim=4, workspace_bytes=32, batch_mode=True, resident_cores=4)


def test_a_wait_orders_only_what_came_before_its_setflag():
    with pytest.raises(_C.SimulatorError, match=r"pipe hazard: Exp on pipe V reads UB bytes \[256, 512\) written by "
                                                r"MTE2"):
        run("bad_late_write")


def test_overlapping_mte2_copies_need_a_barrier():
    with pytest.raises(_C.SimulatorError, match=r"pipe hazard: DataCopy\(GM->UB\) on pipe MTE2 overwrites UB bytes "
                                                r"\[0, 32\) that an earlier MTE2 copy wrote"):
        run("overlapping_copies")
    run("overlapping_copies", w3=1)  # PipeBarrier<PIPE_MTE2> between them


def test_a_flag_left_set_at_kernel_end_is_an_error():
    with pytest.raises(_C.SimulatorError, match=r"kernel end: flag V_S id 0 is still set"):
        run("bad_flag_left_set")
