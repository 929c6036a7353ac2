"""Robustness of the public module and _C: Ctrl-C during a launch, thread-spawn failure, the
self-test runner's arguments, and the small things users hit (NumPy scalars, masked arrays, CLI
sizes, the reduction-size limit)."""
from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import ascend_bce
from ascend_bce import _C, functional
from ascend_bce.__main__ import main as cli_main
from ascend_bce.reference import bce_with_logits_reference


# ---------------------------------------------------------------- Ctrl-C

@contextlib.contextmanager
def ctrl_c_after(seconds: float, fired: list):
    """A Ctrl-C (KeyboardInterrupt from a signal handler) `seconds` from now. The OS timer's signal
    needs no Python thread to be scheduled: a threading.Timer's thread waits for the GIL and a CPU,
    and on a loaded machine (the suite beside torch's and MindSpore's thread pools) it fired only
    after the 1.4-s launch had ended."""
    def handler(signum, frame):
        fired.append(time.perf_counter())
        raise KeyboardInterrupt
    previous = signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_ctrl_c_stops_a_long_launch_promptly():
    x = np.random.default_rng(0).standard_normal(1 << 24).astype(np.float32)  # ~1.4 s on 2 blocks
    fired = []
    start = time.perf_counter()
    with ctrl_c_after(0.3, fired), pytest.raises(KeyboardInterrupt):
        ascend_bce.binary_cross_entropy_with_logits(x, x, reduction="mean", max_blocks=2)
    end = time.perf_counter()
    assert fired and end - fired[0] < 0.5, f"KeyboardInterrupt {end - fired[0]:.2f} s after the signal"
    assert end - start < 1.5
    # The simulator is reusable at once.
    small = x[:5000]
    out = ascend_bce.binary_cross_entropy_with_logits(small, small, reduction="sum")
    assert np.isclose(float(out), bce_with_logits_reference(small, small, reduction="sum"), rtol=1e-6)


def test_ctrl_c_stops_the_backward_and_blocks_waiting_at_sync_all():
    x = np.random.default_rng(1).standard_normal(1 << 23).astype(np.float32)
    for call in (lambda: functional.binary_cross_entropy_with_logits_backward(np.float32(1.0), x, x, max_blocks=3),
                 lambda: ascend_bce.binary_cross_entropy_with_logits(x, x, reduction="sum", max_blocks=5)):
        fired = []
        start = time.perf_counter()
        with ctrl_c_after(0.2, fired), pytest.raises(KeyboardInterrupt):
            call()
        assert fired and time.perf_counter() - start < 0.9


# ---------------------------------------------------------------- thread-spawn failure

SPAWN_SCRIPT = textwrap.dedent("""
    import resource, sys
    import numpy as np
    import ascend_bce
    from ascend_bce import _C
    x = np.ones(1 << 16, np.float32)
    ascend_bce.binary_cross_entropy_with_logits(x, x)  # warm: everything imported and allocated
    # Little address space left: thread stacks (8 MiB each) of 48 blocks cannot all be mapped.
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[0])
    limit = pages * resource.getpagesize() + 48 * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        ascend_bce.binary_cross_entropy_with_logits(x, x, reduction="none")
    except _C.SimulatorError as e:
        print("SIMULATOR_ERROR", e)
    except RuntimeError as e:
        print("RUNTIME_ERROR", e)
    except MemoryError as e:
        print("MEMORY_ERROR", e)
    else:
        print("NO_ERROR")
""")


@pytest.mark.skipif("libasan" in os.environ.get("LD_PRELOAD", ""),
                    reason="AddressSanitizer's own mappings fail first under an address-space limit")
def test_thread_spawn_failure_is_a_resource_error_not_a_hardware_rule():
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    run = subprocess.run([sys.executable, "-c", SPAWN_SCRIPT], capture_output=True, text=True, timeout=120, env=env)
    assert run.returncode == 0, run.stderr
    if "NO_ERROR" in run.stdout:
        pytest.skip("the address-space limit did not stop a thread here")
    assert "SIMULATOR_ERROR" not in run.stdout, run.stdout
    assert ("RUNTIME_ERROR" in run.stdout and ("out of threads or memory" in run.stdout or "out of memory" in run.stdout)) \
        or "MEMORY_ERROR" in run.stdout, run.stdout


# ---------------------------------------------------------------- _C.selftest.run arguments

def test_selftest_without_a_tiling_is_an_error_not_a_null_dereference():
    x, y, z = (np.zeros(2048, np.float32) for _ in range(3))
    with pytest.raises(_C.SimulatorError, match="no tiling was given"):
        _C.selftest.run("add_f32", [x, y, z])
    with pytest.raises(_C.SimulatorError, match="no tiling was given"):
        _C.selftest.run("Cast_f32_f16", [np.zeros(64, np.float16), np.zeros(64, np.float32)])


def test_selftest_checks_tiling_size_type_and_buffers():
    with pytest.raises(_C.SimulatorError, match="self-test tiling.*GM"):
        _C.selftest.run("Cast_f32_f16", [np.zeros(64, np.float16), np.zeros(64, np.float32)],
                        tiling=np.zeros(2, np.uint32))  # reads word 2
    with pytest.raises(TypeError, match="tiling must be a numpy array"):
        _C.selftest.run("add_f32", [np.zeros(1024, np.float32)] * 3, tiling=[1024])
    with pytest.raises(ValueError, match="tiling must be C-contiguous"):
        _C.selftest.run("add_f32", [np.zeros(1024, np.float32)] * 3, tiling=np.array([0, 1024], np.uint32)[::-1])
    with pytest.raises(TypeError, match="must not have dtype object"):
        _C.selftest.run("add_f32", [np.zeros(1024, object), np.zeros(1024, np.float32), np.zeros(1024, np.float32)],
                        tiling=np.array([1024], np.uint32))
    x, y = np.ones(1024, np.float32), np.full(1024, 2.0, np.float32)
    z = np.zeros(1024, np.float32)
    _C.selftest.run("add_f32", [x, y, z], tiling=np.array([1024], np.uint32))
    assert np.array_equal(z, x + y)


# ---------------------------------------------------------------- small things

def test_numpy_scalar_grad_output():
    x = np.linspace(-3, 3, 100, dtype=np.float32)
    y = (x > 0).astype(np.float32)
    for g in (np.float32(1.0), np.float32(2.5)):
        got = functional.binary_cross_entropy_with_logits_backward(g, x, y, reduction="sum")
        want = functional.binary_cross_entropy_with_logits_backward(np.array(g), x, y, reduction="sum")
        assert np.array_equal(got, want)
    with pytest.raises(TypeError, match="grad_output"):
        functional.binary_cross_entropy_with_logits_backward(np.float64(1.0), x, y, reduction="sum")


def test_masked_arrays_are_refused_instead_of_losing_their_mask():
    x = np.ma.masked_array(np.array([0.5, 100.0], np.float32), mask=[False, True])
    y = np.zeros(2, np.float32)
    for args in ((x, y), (np.zeros(2, np.float32), np.ma.masked_array(y, mask=[True, False]))):
        with pytest.raises(TypeError, match="masked array"):
            ascend_bce.binary_cross_entropy_with_logits(*args)
    with pytest.raises(TypeError, match="'weight' is a numpy masked array"):
        ascend_bce.binary_cross_entropy_with_logits(y, y, weight=np.ma.masked_array(y))


@pytest.mark.parametrize("argv,message", [
    (["bench", "--size", "0"], "--size: must be a positive integer, got 0"),
    (["bench", "--size", "-5"], "--size: must be a positive integer, got -5"),
    (["bench", "--batch", "-1"], "--batch: must be a positive integer, got -1"),
    (["--classes", "0"], "--classes: must be a positive integer"),
    (["bench", "--size", "x"], "--size: invalid int value: 'x'"),
])
def test_cli_sizes_are_argparse_errors(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli_main(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_reduction_too_large_for_two_level_tiling_is_a_value_error():
    with pytest.raises(ValueError, match="two-level reduction limit"):
        _C.host.compute_tiling([2**41], "float32", "mean")
    # 'none' and the backward have no such limit.
    assert _C.host.compute_tiling([2**41], "float32", "none")["num_tiles"] > 0
    assert _C.host.compute_tiling([2**41], "float32", "mean", kernel="backward")["num_tiles"] > 0
