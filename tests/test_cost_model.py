"""A2 cost model: the arithmetic of our launch model, on
synthetic counters worked out by hand and on real simulator runs."""
from __future__ import annotations

import numpy as np
import pytest

import ascend_bce
from ascend_bce.cost_model import (
    SPECS,
    A2Spec,
    copy_cycles,
    kernel_time,
    vector_cycles,
)

SPEC = A2Spec()
FAIR = 1.46e12 / 1.85e9 / 48  # HBM bytes per cycle per core when all 48 stream


def block(idx, read, written, instructions, repeats):
    return {"block_idx": idx, "gm_bytes_read": read, "gm_bytes_written": written,
            "instructions": instructions, "repeats": repeats, "sync_all_count": 0}


def test_bandwidth_share_and_cap():
    assert SPEC.core_bytes_per_cycle(48) == pytest.approx(FAIR)
    assert SPEC.core_bytes_per_cycle(40) == pytest.approx(48 / 40 * FAIR)
    assert SPEC.core_bytes_per_cycle(24) == pytest.approx(SPEC.core_share_cap * FAIR)  # capped
    assert SPEC.core_bytes_per_cycle(1) == pytest.approx(SPEC.core_share_cap * FAIR)
    assert 1.2 < SPEC.core_share_cap < 2
    assert SPECS["910B3"].vector_cores == 40


def test_vector_cycles_count_slow_ops_twice_and_skip_copies():
    cycles = vector_cycles({"Add": 2, "Exp": 1, "DataCopy": 5}, {"Add": 10, "Exp": 4, "DataCopy": 100}, SPEC)
    assert cycles == 10 + 2 * 4 + 3 * SPEC.vector_issue_cycles


def test_kernel_time_takes_the_slowest_block_and_the_longer_pipe():
    fast = block(0, 1000, 0, {"DataCopy": 1}, {"DataCopy": 4})
    slow_memory = block(1, int(100_000 * FAIR), 0, {"DataCopy": 2, "Add": 1}, {"Add": 10})
    stats = {"soc": "910B1", "block_dim": 48, "sync_all_count": 1, "blocks": [fast, slow_memory]}
    t = kernel_time(stats)
    copy = 100_000 + 2 * SPEC.copy_issue_cycles
    assert t.critical_block == 1 and t.bound == "memory"
    assert t.total_us == pytest.approx(SPEC.launch_us + copy / 1.85e3 + SPEC.sync_all_us)
    assert copy_cycles(slow_memory, 48, SPEC) == pytest.approx(copy)


def test_model_of_a_real_launch_is_memory_bound_at_the_roofline(rng):
    x = rng.standard_normal((1024, 1000)).astype(np.float32)
    y = (rng.random((1024, 1000)) < 0.05).astype(np.float32)
    ascend_bce.binary_cross_entropy_with_logits(x, y, reduction="none")
    stats = ascend_bce.last_kernel_stats().as_dict()
    t = kernel_time(stats)
    assert t.bound == "memory"
    roofline_us = x.size * 12 / stats["block_dim"] / FAIR / 1.85e3
    assert roofline_us < t.copy_us < 1.1 * roofline_us
    launch = ascend_bce.last_kernel_stats()
    assert launch.analytic_a2_us == t.total_us
    # The timeline: the analytic bound assumes perfect overlap, so it is a floor; fp32 'none' has
    # no serialising sync, so double buffering keeps the timeline within 15 % of it.
    assert t.total_us <= launch.modelled_a2_us < 1.15 * t.total_us
    assert launch.timeline["bound_by"] in ("MTE2", "HBM")


def test_readme_states_the_cost_table_the_simulator_uses():
    # The README's account of the timeline's costs drifted once (16/64 issue cycles and a 2x share
    # cap, after the table had moved to 23/112 and 1.45x): it must quote the table as built.
    import pathlib

    text = (pathlib.Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    readme = " ".join(text.split())  # line breaks fall anywhere in a paragraph
    table = ascend_bce._C.cost_table()
    stated = [
        f"vector issue {table['vector_issue_cycles']:g} cycles",
        f"copies {table['copy_issue_cycles']:g} cycles",
        f"up to {table['core_share_cap']:g}× that share",
        f"{table['scalar_access_cycles']:.1f} cycles per scalar access",
        f"plus {table['scalar_gm_miss_cycles']:g} cycles",
        f"{table['flag_latency_cycles']:g} cycles flag",
        f"{table['sync_all_us']:g} µs per `SyncAll`, {table['launch_us']:g} µs per launch",
        f"at {table['clock_hz'] / 1e9:g} GHz",
        f"The {table['vector_issue_cycles']:g} issue cycles were measured",
    ]
    missing = [phrase for phrase in stated if phrase not in readme]
    assert not missing, f"README does not state these cost-table values: {missing}"
