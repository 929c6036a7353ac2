"""cpu_sim: cross-block GM races are a deterministic SimulatorError (cpu_sim/include/sim/gm_race.h).

Blocks see each other's GM writes only after SyncAll (dav_c220 SyncAllImpl: PipeBarrier<PIPE_ALL>,
then the cross-core flag), so two blocks writing the same GM bytes, or one reading bytes another
writes, with no SyncAll between them, race on the device."""
import numpy as np
import pytest

from ascend_bce import _C

run = _C.selftest.run
RULE = r"blocks see each other's GM writes only after SyncAll"


def gm_race(mode, blocks=2):
    t = np.zeros(16, np.uint32)
    t[3] = mode
    ws = np.zeros(blocks * 8, np.float32)
    out = np.zeros(8, np.float32)
    run("gm_race", [ws, out], block_dim=blocks, tiling=t, workspace_bytes=32, batch_mode=True)
    return ws, out


@pytest.mark.parametrize("blocks", [2, 5])
def test_reading_another_blocks_slot_without_syncall_is_a_race(blocks):
    for _ in range(5):  # deterministic: every run, whatever order the block threads ran in
        with pytest.raises(_C.SimulatorError,
                           match=r"GM race before the first SyncAll \(checked at kernel end\): block 0 reads and "
                                 r"block 1 writes bytes \[0, 32\) of buffer 'buffer 0' .*" + RULE):
            gm_race(0, blocks)


@pytest.mark.parametrize("blocks", [2, 5])
def test_reading_another_blocks_slot_after_syncall_is_fine(blocks):
    ws, out = gm_race(1, blocks)
    np.testing.assert_array_equal(out, np.full(8, 2, np.float32))
    np.testing.assert_array_equal(ws[:8], np.full(8, 2, np.float32))


def test_two_blocks_writing_the_same_bytes_is_a_race():
    for _ in range(5):
        with pytest.raises(_C.SimulatorError,
                           match=r"block 0 writes and block 1 writes bytes \[0, 32\) of buffer 'buffer 0' .*" + RULE):
            gm_race(2, 3)


@pytest.mark.parametrize("blocks", [2, 4])
def test_neighbouring_disjoint_bytes_in_one_granule_are_fine(blocks):
    ws, _ = gm_race(3, blocks)
    want = np.repeat(np.arange(1, blocks + 1, dtype=np.float32), 4)
    np.testing.assert_array_equal(ws[:4 * blocks], want)


def test_atomic_adds_to_the_same_bytes_are_fine():
    ws, _ = gm_race(4, 4)
    np.testing.assert_array_equal(ws[:8], np.full(8, 1 + 2 + 3 + 4, np.float32))


def test_scalar_getvalue_of_another_blocks_setvalue_is_a_race():
    with pytest.raises(_C.SimulatorError, match=r"block 0 reads and block 1 writes bytes \[0, 4\) of buffer "
                                                r"'buffer 0'"):
        gm_race(5, 2)


def test_a_race_before_a_syncall_is_reported_at_that_syncall():
    with pytest.raises(_C.SimulatorError,
                       match=r"^GM race before the first SyncAll \(checked at SyncAll #1\): block 0 writes and "
                             r"block 1 writes bytes \[0, 32\) of buffer 'buffer 0'"):
        gm_race(6, 4)


def test_each_syncall_epoch_is_checked_on_its_own():
    # Block 1's first write is before SyncAll #1 and block 0's read after it: fine. Block 1's second
    # write is in the read's epoch: a race.
    with pytest.raises(_C.SimulatorError,
                       match=r"^GM race after SyncAll #1 \(checked at kernel end\): block 0 reads and block 1 "
                             r"writes bytes \[0, 32\)"):
        gm_race(7, 2)
