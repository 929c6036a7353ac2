"""One benchmark row: run a case in the simulator, take our modelled time from its stats, price
the stock sequence for the same call, and the bounds both are held to."""
from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Any, Dict, Iterator, Optional

import numpy as np

from . import _C, functional
from .assumptions import BASE, A2Assumptions, for_soc
from .bench_cases import Case, make_inputs
from .cost_model import COPY_OPS, SLOW_VECTOR_OPS
from .stock_backward import stock_backward_time
from .stock_model import DTYPE_BYTES, StockCall, stock_gm_bytes, stock_time

VECTOR_BOUND_NAMES = frozenset({"vector", "v", "pipe_v"})
DMA_BLOCK_BYTES = 32  # GM <-> UB copies move whole 32-B blocks
LAUNCHERS = ("launch_bce_with_logits", "launch_bce_with_logits_grad")


@dataclass
class Analytic:
    """Our launch priced from the simulator's per-block counters as max(copy, vector) per block,
    plus the scalar unit's DCache misses (a blocking load holds the issue of everything after it):
    the fallback for `bound_by` and the basis of the sensitivity scaling."""
    total_us: float
    copy_us: float
    vector_us: float
    vector_total_cycles: float  # over every block: the perfectly balanced vector bound
    block_us: float = 0.0       # the slowest block's work: total_us less the launch and SyncAll costs

    @property
    def bound(self) -> str:
        return "memory" if self.copy_us >= self.vector_us else "vector"


def analytic_time(stats: Dict[str, Any], a: A2Assumptions) -> Analytic:
    active = stats["block_dim"]
    worst = (0.0, 0.0)
    worst_total = 0.0
    vector_total = 0.0
    for block in stats["blocks"]:
        per_pipe = block.get("pipe_instructions")  # the timeline's count: UB->UB DataCopy runs on V
        copies = (per_pipe["MTE2"] + per_pipe["MTE3"] if per_pipe
                  else sum(block["instructions"].get(name, 0) for name in COPY_OPS))
        copy = ((block["gm_bytes_read"] + block["gm_bytes_written"]) / a.core_bytes_per_cycle(active)
                + copies * a.copy_issue_cycles)
        vector = 0.0
        for name, count in block["instructions"].items():
            if name in COPY_OPS:
                continue
            factor = a.slow_op_factor if name in SLOW_VECTOR_OPS else 1.0
            vector += (block["repeats"].get(name, 0) * factor * a.vector_repeat_cycles
                       + count * a.vector_issue_cycles)
        vector_total += vector
        block_total = max(copy, vector) + block.get("scalar_gm_misses", 0) * a.scalar_gm_miss_cycles
        if block_total > worst_total:
            worst, worst_total = (copy, vector), block_total
    to_us = 1e6 / a.clock_hz
    total = a.launch_us + worst_total * to_us + stats["sync_all_count"] * a.sync_all_us
    return Analytic(total, worst[0] * to_us, worst[1] * to_us, vector_total, worst_total * to_us)


@contextlib.contextmanager
def counting_launches() -> Iterator[Dict[str, int]]:
    """Counts the simulator's kernel launches inside the block (every launch goes through _C)."""
    counts = {"launches": 0}
    originals = {name: getattr(_C, name) for name in LAUNCHERS}

    def counted(original):
        def launch(*args, **kwargs):
            counts["launches"] += 1
            return original(*args, **kwargs)
        return launch

    for name, original in originals.items():
        setattr(_C, name, counted(original))
    try:
        yield counts
    finally:
        for name, original in originals.items():
            setattr(_C, name, original)


def min_gm_bytes(case: Case, blocks: Optional[int] = None) -> int:
    """The least a one-launch kernel moves: x and y read once, the output written once, and each
    operand once in all (the roofline's bytes) or, with `blocks`, a broadcast operand once per
    block in whole 32-B DMA blocks (the issue's GM target)."""
    s = DTYPE_BYTES[case.dtype]
    out = case.elements * s if case.reduction == "none" else s
    total = 2 * case.elements * s + out
    w_shape, w_dtype, pw_shape, pw_dtype = case.operand_shapes()
    for shape, dtype in ((w_shape, w_dtype), (pw_shape, pw_dtype)):
        if shape is None:
            continue
        count = int(np.prod(shape))
        nbytes = count * DTYPE_BYTES[dtype]
        if blocks is not None and count < case.elements:
            nbytes = -(-nbytes // DMA_BLOCK_BYTES) * DMA_BLOCK_BYTES * blocks
        total += nbytes
    return total


@dataclass
class Row:
    case: Case
    ours_us: float
    stock_us: float
    bound_by: str
    roofline_us: float
    vector_bound_us: float
    ours_launches: int
    stock_launches: int
    ours_gm_bytes: int
    min_gm_bytes: int         # the issue's minimum: broadcast operands once per block
    stock_gm_bytes: int
    blocks: int
    stats: Dict[str, Any] = field(repr=False, default_factory=dict)
    stock_call: Optional[StockCall] = field(repr=False, default=None)
    extrapolated: bool = False  # from two simulated sizes (extrapolate), not simulated itself
    pipe_busy: str = ""         # the timeline's busy / stall us per pipe of the slowest block
    pipe_stall: str = ""
    # Launch + the slowest block's busiest pipe (or the HBM floor): our launch with its pipes
    # perfectly overlapped, no pipeline fill or drain. What the counted work allows at best.
    overlapped_us: float = 0.0

    @property
    def name(self) -> str:
        return self.case.name

    @property
    def speedup(self) -> float:
        return self.stock_us / self.ours_us

    @property
    def roofline_speedup(self) -> float:
        """The speed-up a launch at the HBM roofline would have: the most any kernel can reach."""
        return self.stock_us / self.roofline_us

    @property
    def vector_bound(self) -> bool:
        return self.bound_by.lower() in VECTOR_BOUND_NAMES

    @property
    def roofline_pct(self) -> float:
        return 100.0 * self.roofline_us / self.ours_us

    @property
    def bound_pct(self) -> float:
        """% of the bound that applies: the vector bound where vector-bound, else HBM."""
        return 100.0 * (self.vector_bound_us if self.vector_bound else self.roofline_us) / self.ours_us

    @property
    def overlapped_bound_pct(self) -> float:
        """bound_pct if the launch took only overlapped_us (the issued work's own ceiling)."""
        return self.bound_pct * self.ours_us / self.overlapped_us if self.overlapped_us else self.bound_pct

    @property
    def gm_ratio(self) -> float:
        return self.ours_gm_bytes / self.min_gm_bytes


def _timeline_value(stats_obj: Any, key: str) -> Any:
    """`key` of the simulator's per-pipe timeline (`stats.timeline[key]`, or an attribute of the
    stats), or None where this build's stats have none ("-": a launch with no instruction)."""
    value = getattr(stats_obj, key, None)
    if value is None:
        value = (getattr(stats_obj, "timeline", None) or {}).get(key)
    return None if value in (None, "", "-") else value


def _pipes(values: Any) -> str:
    """A per-pipe dict as one CSV cell: 'MTE2=1.20;V=0.80' (us), '' when absent."""
    return ";".join(f"{pipe}={us:.2f}" for pipe, us in values.items()) if values else ""


def _overlapped_us(stats_obj: Any) -> float:
    """Launch + max(busiest pipe of the slowest block, HBM floor), 0.0 without a timeline."""
    busy = _timeline_value(stats_obj, "busy_us")
    launch = _timeline_value(stats_obj, "launch_us")
    if not busy or launch is None:
        return 0.0
    return float(launch) + max(max(busy.values()), float(_timeline_value(stats_obj, "hbm_floor_us") or 0.0))


def run_case(case: Case, soc: str = "910B1") -> Row:
    inputs = make_inputs(case)
    with counting_launches() as counts:
        functional.binary_cross_entropy_with_logits(inputs["x"], inputs["y"], weight=inputs["weight"],
                                                    reduction=case.reduction, pos_weight=inputs["pos_weight"],
                                                    soc=soc)
    stats_obj = functional.last_kernel_stats()
    stats = stats_obj.as_dict()
    a = for_soc(soc)
    analytic = analytic_time(stats, a)
    bound_by = _timeline_value(stats_obj, "bound_by") or analytic.bound
    ours = float(stats_obj.modelled_a2_us)
    blocks = stats["block_dim"]
    least = min_gm_bytes(case, blocks)
    call = case.stock_call()
    roofline = a.launch_us + min_gm_bytes(case) / a.hbm_bytes_per_s * 1e6
    vector_bound = a.launch_us + analytic.vector_total_cycles / a.vector_cores / a.clock_hz * 1e6
    stock = stock_time(call, a)
    return Row(case, ours, stock.total_us, str(bound_by), roofline, vector_bound, counts["launches"],
               stock.launch_count, stats["gm_bytes_read"] + stats["gm_bytes_written"], least,
               stock_gm_bytes(call), blocks, stats, call,
               pipe_busy=_pipes(_timeline_value(stats_obj, "busy_us")),
               pipe_stall=_pipes(_timeline_value(stats_obj, "stall_us")),
               overlapped_us=_overlapped_us(stats_obj))


def extrapolate(lower: Row, upper: Row, case: Case, soc: str = "910B1") -> Row:
    """`case` at a size above the simulated ones, from the same variant's two largest simulated
    rows. Once every block runs many tiles, our launch's counters and modelled time grow linearly
    with the elements (per block: tiles x the same per-tile work), so both are extended along the
    line through the two rows; the block count, bound and launch count are the upper row's. The
    stock side is priced by its model at the real size."""
    if upper.case.elements == lower.case.elements:
        raise ValueError("extrapolation needs two different simulated sizes")
    t = (case.elements - upper.case.elements) / (upper.case.elements - lower.case.elements)

    def line(lo: float, hi: float) -> float:
        return hi + (hi - lo) * t

    a = for_soc(soc)
    least = min_gm_bytes(case, upper.blocks)
    call = case.stock_call()
    return Row(case, line(lower.ours_us, upper.ours_us), stock_time(call, a).total_us, upper.bound_by,
               a.launch_us + min_gm_bytes(case) / a.hbm_bytes_per_s * 1e6, line(lower.vector_bound_us, upper.vector_bound_us),
               upper.ours_launches, stock_time(call, a).launch_count,
               round(line(lower.ours_gm_bytes, upper.ours_gm_bytes)), least, stock_gm_bytes(call), upper.blocks,
               upper.stats, call, extrapolated=True,
               overlapped_us=line(lower.overlapped_us, upper.overlapped_us))


def backward_launches(case: Case, soc: str = "910B1") -> int:
    """Launches of one dL/dinput call for `case` (its gradient of the loss is ones / a scalar)."""
    inputs = backward_inputs(case)
    with counting_launches() as counts:
        functional.binary_cross_entropy_with_logits_backward(
            inputs["grad"], inputs["x"], inputs["y"], inputs["weight"], inputs["pos_weight"], case.reduction,
            soc=soc)
    return counts["launches"]


@dataclass
class BackwardRow:
    """dL/dinput of one case: our launch's modelled time against the stock backward's (no target)."""
    case: Case
    ours_us: float
    stock_us: float
    ours_launches: int
    stock_launches: int
    stock_per_launch: Dict[str, float] = field(repr=False, default_factory=dict)

    @property
    def speedup(self) -> float:
        return self.stock_us / self.ours_us


def backward_inputs(case: Case) -> Dict[str, Any]:
    """make_inputs(case) and the grad_output autograd passes: ones of the loss's shape (a scalar
    for mean/sum)."""
    inputs = make_inputs(case)
    inputs["grad"] = (np.ones_like(inputs["x"]) if case.reduction == "none"
                      else np.ones((), inputs["x"].dtype))
    return inputs


def run_backward_case(case: Case, soc: str = "910B1") -> BackwardRow:
    """Simulates our dL/dinput for `case` and prices stock aclnnBinaryCrossEntropyWithLogitsBackward."""
    launches = backward_launches(case, soc)  # leaves that call's stats in last_kernel_stats()
    ours = float(functional.last_kernel_stats().modelled_a2_us)
    stock = stock_backward_time(case.stock_call(), for_soc(soc))
    return BackwardRow(case, ours, stock.total_us, launches, stock.launch_count, stock.per_launch_us)


def ours_scaled_us(row: Row, a: A2Assumptions, base: A2Assumptions = BASE) -> float:
    """Our modelled time under other assumptions (the timeline's own table is fixed inside the
    simulator). The launch and SyncAll costs are added at their new values; the rest, the blocks'
    work, is scaled by how the analytic price of the same counters moves. Scaling the whole time
    instead would scale a launch-dominated time's block work with the launch cost: at launch_us x2,
    a 1,000-element row's 0.44 us of block work would count as 0.85 us."""
    def fixed(s: A2Assumptions) -> float:
        return row.ours_launches * s.launch_us + row.stats["sync_all_count"] * s.sync_all_us

    base_block = analytic_time(row.stats, base).block_us
    moved = analytic_time(row.stats, a).block_us / base_block if base_block > 0 else 1.0
    return fixed(a) + (row.ours_us - fixed(base)) * moved


__all__ = ["Row", "BackwardRow", "run_case", "run_backward_case", "backward_inputs", "backward_launches",
           "analytic_time", "ours_scaled_us", "min_gm_bytes", "counting_launches", "extrapolate"]
