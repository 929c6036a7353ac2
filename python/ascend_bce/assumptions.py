"""The A2 numbers the benchmark's models price launches with, each with where it comes from.

One frozen dataclass, so that the sensitivity table (bench_sensitivity.py) can halve and double
every assumption and show whether the benchmark's conclusions survive. Fields marked
`vary=True` are assumptions (no public measurement behind them, or one we could not check);
the others are published or read from CANN sources and stay fixed. "The add sample" is asc-devkit's
examples/01_simd_cpp_api/05_best_practices/00_vector_compute/add_high_performance/README.md, an
A2 profile; the numbers shared with our kernel's timeline come from cpu_sim's cost table.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Dict, List

from . import _C

_COST = _C.cost_table()  # cpu_sim/include/sim/cost_table.h: the one place of the A2 numbers

MIB = 1 << 20
# The arch35 MatMul tiling's defaults put L2 at 100 and HBM ("ddr") at 31 bytes per cycle per
# core (hicann/ops-nn matmul/mat_mul_v3/op_host/op_tiling/arch35/matmul_v3_tiling_helper.cpp,
# GetHbmBW/GetL2BW). A2 publishes no L2 bandwidth; we take that ratio.
L2_TO_HBM_RATIO = 100 / 31


def _spec(default, source: str, vary: bool = True):
    return field(default=default, metadata={"source": source, "vary": vary})


@dataclass(frozen=True)
class A2Assumptions:
    """What one 910B1 launch costs, for our kernel and for every kernel of the stock sequence."""

    clock_hz: float = _spec(_COST["clock_hz"], "910B1 vector core clock (../shared/ascendc-api.md)", vary=False)
    vector_cores: int = _spec(48, "910B1/B2 vector cores (../shared/ascendc-api.md; 40 on 910B3/B4)", vary=False)
    hbm_bytes_per_s: float = _spec(
        _COST["hbm_bytes_per_s"], "910B1 HBM bandwidth as ../shared/ascendc-api.md states it (sustained, "
                                  "not the peak; the add sample's Case 3 reads 1.4560 TB/s on 48 cores)")
    l2_bytes: int = _spec(
        192 * MIB, "L2_SIZE 201326592 in ops-nn's Ascend910B platform configs "
                   "(matmul/batch_mat_mul_v3 tests) and L2_SIZE_2 in its base tiling")
    l2_bytes_per_s: float = _spec(
        _COST["hbm_bytes_per_s"] * L2_TO_HBM_RATIO, "ASSUMED: HBM x 100/31, the l2_rate/ddr_rate of ops-nn's arch35 "
                                   "MatMul tiling defaults (no A2 figure is published)")
    launch_us: float = _spec(_COST["launch_us"], "ASSUMED: one kernel's launch and block dispatch on the "
                                                 "stream (the add sample's Task Duration - aiv_time: 2.5-9.4 us)")
    sync_all_us: float = _spec(_COST["sync_all_us"], "ASSUMED: one cross-core SyncAll (or one block's atomic add of its partial "
                                                       "in the stock ReduceSum/ReduceMean: stock_reduce.py)")
    vector_repeat_cycles: float = _spec(
        1.0, "ASSUMED: cycles of one 256-B repeat of a simple vector op (../shared/ascendc-api.md)")
    slow_op_factor: float = _spec(2.0, "ASSUMED: Exp/Ln/Div repeats cost this many simple ones")
    vector_issue_cycles: float = _spec(_COST["vector_issue_cycles"], "fixed issue cost of one vector "
                                       "instruction (the add sample's Case 6 on an A2: 22.6 cycles)")
    copy_issue_cycles: float = _spec(_COST["copy_issue_cycles"], "fixed issue cost of one DataCopy (the add "
                                     "sample's Cases 2 vs 3 on an A2: 112 cycles)")
    scalar_gm_miss_cycles: float = _spec(
        _COST["scalar_gm_miss_cycles"], "ASSUMED: a scalar GM read or write that misses the core's DCache "
                                        "(64-B lines) waits this long; no A2 figure is published")
    core_share_cap: float = _spec(
        _COST["core_share_cap"], "one core's DMA gets at most this multiple of its fair HBM share (the add "
                                 "sample's one-core Cases 0/1 on an A2: 1.42-1.49x)")
    stock_reduce_memset_launches: int = _spec(
        1, "ASSUMED (supported): MemSet launches aclnn issues before the stock ReduceSum/ReduceMean to zero the "
           "output its atomic case adds into. hicann/opbase op_kernel.h Launch :678-680 runs one per launch of a "
           "binary whose json \"parameters\" has a non-null entry (op_kernel.cpp SetMemSetFlagFromJson :616-645), "
           "whatever the tiling chose; TBE writes that mark for its atomic reduce: real TBE ReduceSumD/ReduceMeanD "
           "kernel jsons (skyous779/traval a861ed4 rank_0/kernel_meta, Ascend910A, static) hold \"parameters\": "
           "[0, 1] on the atomic kernels (fp32 [1536, 384] -> [1], blockDim 32) and [0, 0] on the rest; the A2 "
           "dynamic binary's own json is not public (stock_reduce.py)")
    stock_single_buffer_overlap: float = _spec(
        1.0, "ASSUMED: share of a double-buffered loop's copy/compute overlap a single-buffered stock tile loop "
             "reaches: 1 is its best case (a flag per buffer, README), 0 runs copies and compute in series "
             "(the Ascend C guide's single-buffered CopyIn/Compute/CopyOut, DoubleBuffer best practice); "
             "capped at 1. Where TBE puts a single-buffered loop's syncs is in its closed compiler; a later A2 "
             "TBE Mul binary (hicann/opbase tests/nnopbase/mock/.../mul/Mul_93b3f8e9...json) also double-buffers "
             "the (broadcast, common) pattern the 2022 mirror single-buffers (tiling keys 6/721010001-2)")
    stock_tile_factor: float = _spec(
        1.0, "ASSUMED: scale on each stock kernel's UB tile as derived from the 2022 TBE mirror's schedules "
             "(stock_ub_tile.py); later CANN releases and bf16 are unchecked")

    def core_bytes_per_cycle(self, active_cores: int, bytes_per_s: float = 0.0) -> float:
        """HBM (or given) bytes per cycle one core gets when `active_cores` stream at once."""
        total = bytes_per_s or self.hbm_bytes_per_s
        fair = total / self.clock_hz / self.vector_cores
        return fair * min(self.vector_cores / max(active_cores, 1), self.core_share_cap)


BASE = A2Assumptions()
SOC_CORES = {"910B1": 48, "910B2": 48, "910B3": 40, "910B4": 40}
SENSITIVITY_FACTORS = (0.5, 2.0)


def for_soc(soc: str) -> A2Assumptions:
    return replace(BASE, vector_cores=SOC_CORES[soc])


def varied_names() -> List[str]:
    """The assumptions the sensitivity table halves and doubles."""
    return [f.name for f in fields(A2Assumptions) if f.metadata.get("vary")]


def sources() -> Dict[str, str]:
    return {f.name: f.metadata["source"] for f in fields(A2Assumptions)}


def scaled(base: A2Assumptions, name: str, factor: float) -> A2Assumptions:
    """`base` with one assumption multiplied by `factor` (integers stay integers)."""
    value = getattr(base, name) * factor
    return replace(base, **{name: int(value) if isinstance(getattr(base, name), int) else value})
