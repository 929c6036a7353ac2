"""The simulator's own speed (`python -m ascend_bce bench --sim-speed`).

Speed targets live here, never in the tests. This part measures the CPU simulator (the speed
every test and the demo run at) and the kernel's GM traffic per element; bench_cli.py is the
modelled A2 comparison against the stock operator.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, List

import numpy as np

from . import _C, binary_cross_entropy_with_logits, last_kernel_stats
from ._dtypes import NUMPY_DTYPES

SIM_ELEMENTWISE_TARGET_S = 1.0  # issue 3: a 2^20-element elementwise kernel "well under a second"
REPEATS = 3
ADD_BLOCKS = 16
ADD_MIN_LOG2 = 14  # the add kernel needs whole 1024-float tiles in each of its 16 blocks


@dataclass
class BenchResult:
    name: str
    elements: int
    seconds: float            # best of REPEATS wall-clock runs in the simulator
    gm_bytes_read: int
    gm_bytes_written: int
    target_seconds: float = 0.0  # 0: no target for this row

    @property
    def meets_target(self) -> bool:
        return self.target_seconds == 0.0 or self.seconds < self.target_seconds


def _best_of(run: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(REPEATS):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def _sim_elementwise(size: int) -> BenchResult:
    """The simulator's own add kernel: the floor under every kernel the tests run. Its blocks
    take whole tiles, so the size is rounded down to a power of two (at least 2^14)."""
    n = 1 << max(size.bit_length() - 1, ADD_MIN_LOG2)
    x = np.ones(n, np.float32)
    y = np.ones(n, np.float32)
    z = np.zeros(n, np.float32)
    tiling = np.zeros(16, np.uint32)
    tiling[0] = n
    stats = []
    seconds = _best_of(
        lambda: stats.append(_C.selftest.run("add_f32", [x, y, z], block_dim=ADD_BLOCKS, tiling=tiling)))
    if not np.all(z == 2):
        raise RuntimeError("simulator add kernel gave a wrong result")
    return BenchResult(f"cpu_sim add fp32 2^{n.bit_length() - 1}", n, seconds, stats[-1].gm_bytes_read,
                       stats[-1].gm_bytes_written, SIM_ELEMENTWISE_TARGET_S)


def multilabel_batch(rows: int, classes: int, dtype: str, with_pos_weight: bool):
    """A multi-label batch: rows x classes logits (std 3), 5 % positives, and a [classes]
    pos_weight of 19 (about negatives / positives) when asked for."""
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((rows, classes)) * 3).astype(NUMPY_DTYPES[dtype])
    y = (rng.random((rows, classes)) < 0.05).astype(NUMPY_DTYPES[dtype])
    return x, y, (np.full(classes, 19.0, np.float32) if with_pos_weight else None)


def _bce(n: int, dtype: str, reduction: str, with_pos_weight: bool) -> BenchResult:
    classes = 1000
    rows = max(n // classes, 1)
    x, y, pw = multilabel_batch(rows, classes, dtype, with_pos_weight)
    seconds = _best_of(lambda: binary_cross_entropy_with_logits(x, y, reduction=reduction, pos_weight=pw))
    stats = last_kernel_stats()
    name = f"bce {dtype} {reduction}{' pos_weight[C]' if with_pos_weight else ''} {rows}x{classes}"
    return BenchResult(name, x.size, seconds, stats.gm_bytes_read, stats.gm_bytes_written)


def run_benchmarks(size: int) -> List[BenchResult]:
    return [
        _sim_elementwise(size),
        _bce(size, "float32", "none", False),
        _bce(size, "float32", "mean", True),
        _bce(size, "float16", "none", True),
        _bce(size, "float16", "sum", False),
    ]


def print_report(results: List[BenchResult]) -> None:
    print(f"{'case':<44} {'sim time':>10} {'Melem/s':>9} {'GM rd B/el':>11} {'GM wr B/el':>11}  target")
    for r in results:
        target = "-" if r.target_seconds == 0.0 else (
            f"< {r.target_seconds:g} s: {'met' if r.meets_target else 'MISSED'}")
        print(f"{r.name:<44} {r.seconds * 1e3:>8.1f}ms {r.elements / r.seconds / 1e6:>9.1f} "
              f"{r.gm_bytes_read / r.elements:>11.3f} {r.gm_bytes_written / r.elements:>11.3f}  {target}")
