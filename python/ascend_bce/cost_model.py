"""A2 cost model: the analytic bound of one of our launches (from the simulator's per-block
counters) and the reading of the simulator's per-pipe timeline. The stock CANN operator's launch
sequence is priced in stock_model.py.

Modelled, not measured. Our launch's modelled time is the simulator's timeline
(`KernelStats.modelled_a2_us`, cpu_sim/include/sim/cost_table.h): it sees when each instruction can
run. `kernel_time` here is the analytic max(copy, vector) per block, which assumes perfect overlap:
a lower bound of the timeline, kept as a check. Both use the A2 budget of ../shared/ascendc-api.md
(910B1: 1.85 GHz, 48 vector cores sharing ~1.46 TB/s of HBM); the constants marked ASSUMED have
no public number behind them and are named so that a measurement on an A2 host can replace them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Optional

# Vector instructions that take (at least) two cycles per 256-B repeat: 32 elements per cycle in
# asc-devkit's "Vector指令理论性能汇总" appendix for A2 (Reciprocal runs a repeat per cycle there).
SLOW_VECTOR_OPS = frozenset({"Exp", "Ln", "Div", "Sqrt"})
COPY_OPS = frozenset({"DataCopy", "DataCopyPad"})


@dataclass(frozen=True)
class A2Spec:
    """The A2 budget; the simulator's cost table (`_C.cost_table()`) holds the same numbers."""
    name: str = "910B1"
    clock_hz: float = 1.85e9
    vector_cores: int = 48
    hbm_bytes_per_s: float = 1.46e12
    # ASSUMED: one core's DMA reaches at most twice its fair share of HBM when few cores run.
    core_share_cap: float = 2.0
    # ASSUMED: fixed issue cost of a vector instruction (pipeline start), and of a DMA instruction.
    vector_issue_cycles: int = 16
    copy_issue_cycles: int = 64
    # ASSUMED: host launch plus block dispatch of one kernel, and one cross-core SyncAll.
    launch_us: float = 4.0
    sync_all_us: float = 1.0

    def core_bytes_per_cycle(self, active_cores: int) -> float:
        """HBM bytes per cycle one core gets when `active_cores` stream at once."""
        fair = self.hbm_bytes_per_s / self.clock_hz / self.vector_cores
        return fair * min(self.vector_cores / max(active_cores, 1), self.core_share_cap)


SPECS = {"910B1": A2Spec("910B1", vector_cores=48), "910B2": A2Spec("910B2", vector_cores=48),
         "910B3": A2Spec("910B3", vector_cores=40), "910B4": A2Spec("910B4", vector_cores=40)}


def vector_cycles(instructions: Mapping[str, int], repeats: Mapping[str, int], spec: A2Spec) -> float:
    """Cycles of the vector pipe: repeats (two per repeat for the slow ops) plus issue costs."""
    cycles = 0.0
    for name, count in instructions.items():
        if name in COPY_OPS:
            continue
        per_repeat = 2 if name in SLOW_VECTOR_OPS else 1
        cycles += repeats.get(name, 0) * per_repeat + count * spec.vector_issue_cycles
    return cycles


def copy_cycles(block: Mapping, active_cores: int, spec: A2Spec) -> float:
    """Cycles of the DMA pipes (MTE2 in, MTE3 out) of one block: its GM bytes at its bandwidth
    share plus issue costs."""
    moved = block["gm_bytes_read"] + block["gm_bytes_written"]
    per_pipe = block.get("pipe_instructions")  # the timeline's count: UB->UB DataCopy runs on V
    copies = (per_pipe["MTE2"] + per_pipe["MTE3"] if per_pipe is not None
              else sum(block["instructions"].get(name, 0) for name in COPY_OPS))
    return moved / spec.core_bytes_per_cycle(active_cores) + copies * spec.copy_issue_cycles


@dataclass
class LaunchTime:
    """Modelled time of one launch, in microseconds, and which pipe bounds it."""
    total_us: float
    critical_block: int
    copy_us: float
    vector_us: float
    launches: int = 1
    breakdown: dict = field(default_factory=dict)
    bound_by: str = ""  # the timeline's bound-by pipe ("MTE2", "V", "S", "HBM", ...), if known

    @property
    def bound(self) -> str:
        if self.bound_by:
            return self.bound_by
        return "memory" if self.copy_us >= self.vector_us else "vector"


def kernel_time(stats: Mapping, spec: Optional[A2Spec] = None) -> LaunchTime:
    """Analytic bound of a simulated launch (`KernelStats.as_dict()`): per block, the copy and
    vector pipes overlap perfectly, so a block takes the longer of the two; the launch takes its
    slowest block, plus the launch cost and its SyncAll barriers. A lower bound of the timeline's
    modelled time (it ignores scalar work, pipe stalls and the serialising syncs)."""
    spec = spec or SPECS[stats["soc"]]
    active = stats["block_dim"]
    best = None
    for block in stats["blocks"]:
        copy = copy_cycles(block, active, spec)
        vector = vector_cycles(block["instructions"], block["repeats"], spec)
        if best is None or max(copy, vector) > max(best[1], best[2]):
            best = (block["block_idx"], copy, vector)
    idx, copy, vector = best if best is not None else (0, 0.0, 0.0)
    to_us = 1e6 / spec.clock_hz
    total = spec.launch_us + max(copy, vector) * to_us + stats["sync_all_count"] * spec.sync_all_us
    return LaunchTime(total, idx, copy * to_us, vector * to_us)


def analytic_time_us(stats) -> float:
    """Analytic A2 microseconds of a simulated launch (a KernelStats): `kernel_time(...).total_us`."""
    return kernel_time(stats.as_dict()).total_us


def timeline_time(stats: Mapping) -> LaunchTime:
    """The modelled time of a simulated launch (`KernelStats.as_dict()`) from the simulator's
    per-pipe timeline: copy_us and vector_us are the slowest block's busy time on MTE2 + MTE3 and
    on V; bound_by its busiest pipe, or "HBM" when the launch's bytes at the HBM bandwidth bind."""
    t = stats["timeline"]
    busy = t["busy_us"]
    return LaunchTime(t["modelled_us"], t["slowest_block"], busy["MTE2"] + busy["MTE3"], busy["V"],
                      bound_by=t["bound_by"])
