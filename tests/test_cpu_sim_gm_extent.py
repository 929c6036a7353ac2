"""cpu_sim: a GM access through a GlobalTensor must stay inside the extent SetGlobalBuffer declared.

On the NPU framework tensors are sub-allocations of one memory pool (torch_npu's caching
allocator, MindSpore's memory pool), so a copy that runs past a tensor's logical end does not
fault: it reads or overwrites a neighbouring tensor. The launcher's buffers are separate
allocations; here they are larger than the declared extents (the slack), so the launch-buffer
check ("GM out of bounds") passes every mode and only the extent check can tell
(cpu_sim/include/sim/tensor.h GlobalTensor::CheckBytes, self-test cpu_sim/selftest/st_gm_extent.cpp).

A view (operator[]) keeps its tensor's base and bufferSize, as asc-devkit's does
(impl/basic_api/kernel_tensor_impl.h operator[]: only the address moves), so the extent is
[SetGlobalBuffer base, base + bufferSize * sizeof(T)) whichever view the access goes through.
A bufferSize of 0 (or SetGlobalBuffer without one: GetSize() is then 0, as asc-devkit says) is an
unknown extent: only the launch-buffer check applies, except in Fill, which asc-devkit's own
InitGlobalMemory check refuses on a 0-size tensor."""
import numpy as np
import pytest

from ascend_bce import _C

run = _C.selftest.run
RULE = r" \(a copy past a tensor's extent reads or overwrites its neighbour in the NPU's memory pool\)$"


def gm_extent(mode):
    t = np.zeros(16, np.uint32)
    t[3] = mode
    x = np.arange(1, 65, dtype=np.float32)
    y = np.zeros(64, np.float32)
    run("gm_extent", [x, y], tiling=t)
    return x, y


def extent_error(api, lo, hi, view, size):
    return (r"^block 0: " + api + r": GM bytes \[" + str(lo) + ", " + str(hi) + r"\) from the GlobalTensor's "
            r"base \(a view at element " + str(view) + r"\) run outside its extent \[0, " + str(size * 4) +
            r"\) = SetGlobalBuffer bufferSize " + str(size) + r" x 4 B" + RULE)


def test_copies_that_end_exactly_at_the_extent_are_fine():
    x, y = gm_extent(0)
    want = np.zeros(64, np.float32)
    want[0:3] = x[25:28]
    want[4:7] = x[29:32]
    want[8:16] = 7
    want[23] = x[31]
    want[24:32] = x[24:32]
    want[32:40] = x[0:8]
    want[40:48] = x[16:24]
    np.testing.assert_array_equal(y, want)


# mode: (API, first byte, end byte, view element, declared bufferSize)
OVERRUNS = {
    1: (r"DataCopy\(GM->UB\)", 100, 132, 25, 32),  # 8 floats from a view with 7 left: 32 B move
    2: (r"DataCopy\(UB->GM\)", 176, 208, 44, 48),
    3: (r"DataCopyPad\(GM->UB\)", 64, 160, 16, 32),  # the second burst, past the stride
    5: (r"GlobalTensor::GetValue", 128, 132, 30, 32),
    6: (r"GlobalTensor::SetValue", 192, 196, 47, 48),
    7: (r"DataCopy\(UB->GM, DataCopyParams\)", 128, 224, 32, 48),
    8: (r"DataCopyPad\(UB->GM\)", 160, 200, 40, 48),
    9: (r"Fill", 176, 208, 44, 48),
    13: (r"GlobalTensor::operator\(\)", 128, 132, 31, 32),
    14: (r"DataCopy\(GM->UB, DataCopyParams\)", 64, 160, 16, 32),
    15: (r"DataCopyPad\(UB->GM\)", 164, 196, 41, 48),
}


@pytest.mark.parametrize("mode", sorted(OVERRUNS))
def test_an_access_past_the_extent_inside_the_launch_buffer_is_an_error(mode):
    with pytest.raises(_C.SimulatorError, match=extent_error(*OVERRUNS[mode])):
        gm_extent(mode)


# x = SetGlobalBuffer(buffer 0 + 32 floats, 32); x[uint64_t(-8)] and x[uint64_t(-1)] lie before its
# base, still inside the launch buffer.
BEFORE_BASE = {
    4: (r"DataCopy\(GM->UB\)", -32, 0, -8, 32),
    16: (r"GlobalTensor::GetValue", -4, 0, -1, 32),
}


@pytest.mark.parametrize("mode", sorted(BEFORE_BASE))
def test_a_view_before_the_base_is_an_error(mode):
    with pytest.raises(_C.SimulatorError, match=extent_error(*BEFORE_BASE[mode])):
        gm_extent(mode)


def test_without_a_buffer_size_the_extent_is_unknown_and_get_size_is_0():
    x, y = gm_extent(10)  # reads the launch buffer's last 32 B through the unsized tensor: fine
    np.testing.assert_array_equal(y[8:16], x[56:64])
    assert y[0] == 0      # GetSize() of SetGlobalBuffer(buffer): 0 (asc-devkit CPU debug, GetSize page)


def test_a_buffer_size_of_0_is_an_unknown_extent_too():
    x, y = gm_extent(12)
    np.testing.assert_array_equal(y[0:8], x[56:64])


def test_fill_refuses_a_tensor_without_a_size_as_asc_devkit_does():
    with pytest.raises(_C.SimulatorError,
                       match=r"^block 0: Fill: the GlobalTensor's size is 0 \(SetGlobalBuffer without a "
                             r"bufferSize\); asc-devkit's InitGlobalMemory check needs it greater than 0$"):
        gm_extent(11)


def test_the_launch_buffer_check_still_applies_beyond_the_launch_buffer():
    # An unsized tensor past the launch buffer: the launcher's check, as before.
    t = np.zeros(16, np.uint32)
    t[0] = 64
    with pytest.raises(_C.SimulatorError, match=r"DataCopy\(GM->UB\): GM access .*GM out of bounds"):
        run("bad_gm_oob", [np.ones(64, np.float32), np.zeros(64, np.float32)], tiling=t)
