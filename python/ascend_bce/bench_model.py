"""Benchmark against the stock operator on the A2 cost model: our launch's modelled time (from
the simulator's counters of a real run) next to the stock CANN launch sequence for the same call.
Target: faster than stock in every case."""
from __future__ import annotations

from dataclasses import dataclass
from typing import List

from . import binary_cross_entropy_with_logits, last_kernel_stats
from .bench import multilabel_batch
from .cost_model import SPECS, StockCall, stock_gm_bytes, stock_time, timeline_time

@dataclass
class Comparison:
    name: str
    numel: int
    ours_us: float
    ours_bound: str
    stock_us: float
    stock_launches: int
    ours_gm_bytes: int
    stock_gm_bytes: int

    @property
    def speedup(self) -> float:
        return self.stock_us / self.ours_us

    @property
    def meets_target(self) -> bool:
        return self.ours_us < self.stock_us


def compare_case(rows: int, classes: int, dtype: str, reduction: str, with_pos_weight: bool,
                 soc: str = "910B1") -> Comparison:
    """A multi-label batch (rows x classes logits, 5 % positives, optional [classes] pos_weight)."""
    x, y, pw = multilabel_batch(rows, classes, dtype, with_pos_weight)
    binary_cross_entropy_with_logits(x, y, reduction=reduction, pos_weight=pw, soc=soc)
    stats = last_kernel_stats().as_dict()
    ours = timeline_time(stats)
    call = StockCall(x.size, x.itemsize, reduction, with_pos_weight, 0 if pw is None else pw.nbytes)
    stock = stock_time(call, SPECS[soc])
    name = f"{dtype} {reduction}{' pos_weight[C]' if with_pos_weight else ''}"
    return Comparison(name, x.size, ours.total_us, ours.bound, stock.total_us, stock.launches,
                      stats["gm_bytes_read"] + stats["gm_bytes_written"], stock_gm_bytes(call))


def run_comparison(rows: int = 4096, classes: int = 1000, soc: str = "910B1") -> List[Comparison]:
    return [compare_case(rows, classes, dtype, reduction, pw, soc)
            for dtype in ("float32", "float16", "bfloat16")
            for reduction in ("none", "mean")
            for pw in (True, False)]


def print_comparison(results: List[Comparison], soc: str = "910B1") -> None:
    print(f"\nModelled {soc} time (A2 cost model, not measured) vs the stock aclnn operator, "
          f"{results[0].numel:,} elements:")
    print(f"{'case':<28} {'ours us':>9} {'bound':>7} {'stock us':>9} {'launches':>9} {'speedup':>8} "
          f"{'ours GM MB':>11} {'stock GM MB':>12}  target")
    for r in results:
        print(f"{r.name:<28} {r.ours_us:>9.1f} {r.ours_bound:>7} {r.stock_us:>9.1f} {r.stock_launches:>9} "
              f"{r.speedup:>7.2f}x {r.ours_gm_bytes / 1e6:>11.1f} {r.stock_gm_bytes / 1e6:>12.1f}  "
              f"{'met' if r.meets_target else 'MISSED'}")
