"""The benchmark's targets (issue 8) and the sensitivity of its conclusions to every assumption.

Speed targets live here, never in timed tests. Each target is checked over the rows it applies
to and reported as met / MISSED with its worst row.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from .assumptions import SENSITIVITY_FACTORS, A2Assumptions, scaled, varied_names
from .bench_cases import LARGE_SIZE
from .bench_model import Row, ours_scaled_us
from .stock_model import stock_time

REDUCING = ("mean", "sum")


@dataclass(frozen=True)
class Targets:
    launches: int = 1                 # per forward and per backward, every case
    max_gm_ratio: float = 1.02        # of the minimum traffic
    min_bound_pct: float = 90.0       # of the HBM roofline (memory-bound) or vector bound, >= large_size
    min_speedup: float = 1.0          # every case, every size
    min_speedup_reducing: float = 2.0  # mean/sum >= large_size
    min_speedup_worst: float = 1.5    # the same, with the assumptions at their worst end
    large_size: int = LARGE_SIZE


@dataclass
class Verdict:
    name: str
    met: bool
    detail: str


def _large_reducing(rows: Sequence[Row], t: Targets) -> List[Row]:
    return [r for r in rows if r.case.reduction in REDUCING and r.case.elements >= t.large_size]


def _worst(rows: Sequence[Row], key: Callable[[Row], float], low: bool = True) -> Optional[Row]:
    if not rows:
        return None
    return min(rows, key=key) if low else max(rows, key=key)


def _verdict(name: str, rows: Sequence[Row], key: Callable[[Row], float], ok: Callable[[float], bool],
             fmt: str, low: bool = True) -> Verdict:
    worst = _worst(rows, key, low)
    if worst is None:
        return Verdict(name, True, "no rows in this run")
    value = key(worst)
    return Verdict(name, ok(value), f"worst {fmt.format(value)} ({worst.case.name}, {worst.case.elements:,} el.)")


@dataclass
class Sensitivity:
    """Per assumption and factor: the least speed-up over the large mean/sum rows and over all
    rows, and whether the conclusions (>= worst-end target there, never slower than stock) hold."""
    rows: List[Tuple[str, float, float, float, bool]]   # name, factor, min large reducing, min all, holds
    worst: Tuple[Dict[str, float], float, float, bool]  # factors, min large reducing, min all, holds


def _speedups(rows: Sequence[Row], a: A2Assumptions, base: A2Assumptions, t: Targets) -> Tuple[float, float]:
    large = {id(r) for r in _large_reducing(rows, t)}
    least_large, least_all = float("inf"), float("inf")
    for r in rows:
        s = stock_time(r.stock_call, a).total_us / ours_scaled_us(r, a, base)
        least_all = min(least_all, s)
        if id(r) in large:
            least_large = min(least_large, s)
    return least_large, least_all


def _holds(least_large: float, least_all: float, t: Targets) -> bool:
    return (least_large == float("inf") or least_large >= t.min_speedup_worst) and least_all >= t.min_speedup


def sensitivity(rows: Sequence[Row], base: A2Assumptions, t: Targets = Targets()) -> Sensitivity:
    table = []
    worst_factors: Dict[str, float] = {}
    for name in varied_names():
        results = []
        for factor in SENSITIVITY_FACTORS:
            least_large, least_all = _speedups(rows, scaled(base, name, factor), base, t)
            table.append((name, factor, least_large, least_all, _holds(least_large, least_all, t)))
            # The worse end is the one that costs the large mean/sum rows most (all rows if none).
            results.append((least_large if least_large != float("inf") else least_all, least_all, factor))
        worst_factors[name] = min(results)[2]
    combined = base
    for name, factor in worst_factors.items():
        combined = scaled(combined, name, factor)
    least_large, least_all = _speedups(rows, combined, base, t)
    return Sensitivity(table, (worst_factors, least_large, least_all, _holds(least_large, least_all, t)))


def check_targets(rows: Sequence[Row], backward_launches: Dict[str, int], sens: Sensitivity,
                  t: Targets = Targets()) -> List[Verdict]:
    large = [r for r in rows if r.case.elements >= t.large_size]
    verdicts = [
        _verdict(f"one launch per forward (<= {t.launches})", rows, lambda r: r.ours_launches,
                 lambda v: v <= t.launches, "{:.0f} launches", low=False),
    ]
    worst_bwd = max(backward_launches.items(), key=lambda kv: kv[1], default=None)
    verdicts.append(Verdict(f"one launch per backward (<= {t.launches})",
                            worst_bwd is None or worst_bwd[1] <= t.launches,
                            "no backward run" if worst_bwd is None else
                            f"worst {worst_bwd[1]} launches ({worst_bwd[0]}), {len(backward_launches)} variants"))
    verdicts += [
        _verdict(f"GM traffic <= {t.max_gm_ratio}x minimum", rows, lambda r: r.gm_ratio,
                 lambda v: v <= t.max_gm_ratio, "{:.4f}x", low=False),
        _verdict(f">= {t.min_bound_pct:.0f}% of HBM roofline / vector bound from {t.large_size:,} el.", large,
                 lambda r: r.bound_pct, lambda v: v >= t.min_bound_pct, "{:.1f}%"),
        _verdict(f"never slower than stock (>= {t.min_speedup}x)", rows, lambda r: r.speedup,
                 lambda v: v >= t.min_speedup, "{:.2f}x"),
        _verdict(f"mean/sum >= {t.min_speedup_reducing}x from {t.large_size:,} el.", _large_reducing(rows, t),
                 lambda r: r.speedup, lambda v: v >= t.min_speedup_reducing, "{:.2f}x"),
    ]
    ceiling = _worst(large, lambda r: r.overlapped_bound_pct)
    if ceiling is not None:
        verdicts[3].detail += (f"; with its pipes perfectly overlapped (launch + busiest pipe) the least would be "
                               f"{ceiling.overlapped_bound_pct:.1f}% ({ceiling.case.name}, {ceiling.case.elements:,} el.)")
    reachable = _worst(_large_reducing(rows, t), lambda r: r.roofline_speedup)
    if reachable is not None:
        verdicts[-1].detail += (f"; at the HBM roofline the least would be {reachable.roofline_speedup:.2f}x "
                                f"({reachable.case.name}, {reachable.case.elements:,} el.)")
    _, least_large, least_all, _ = sens.worst
    no_rows = least_large == float("inf")
    verdicts.append(Verdict(
        f"mean/sum >= {t.min_speedup_worst}x with every assumption at its worst end",
        no_rows or least_large >= t.min_speedup_worst,
        "no rows in this run" if no_rows else f"{least_large:.2f}x (all rows: {least_all:.2f}x)"))
    return verdicts
