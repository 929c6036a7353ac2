"""`python -m ascend_bce bench`: the rows come from real simulator runs and the stock model, the
CSV and plot hold what the table says, and the exit status follows the targets (times are not
asserted here; speed targets live in the benchmark itself)."""
import csv
import dataclasses
import io
import xml.etree.ElementTree as ET

import pytest

from ascend_bce import bench_cli
from ascend_bce.assumptions import BASE
from ascend_bce.__main__ import main
from ascend_bce.bench import BenchResult, run_benchmarks
from ascend_bce.bench_cases import Case, full_cases, make_inputs, quick_cases
from ascend_bce.bench_model import counting_launches, extrapolate, min_gm_bytes, run_case
from ascend_bce.bench_report import CSV_COLUMNS, Progress
from ascend_bce.bench_targets import Sensitivity, Targets, check_targets
from ascend_bce.functional import binary_cross_entropy_with_logits, last_kernel_stats
from ascend_bce.stock_model import stock_time

TINY = [Case("float32", "mean", "pw[1000]", 2_000), Case("float16", "none", "w[N,1]", 2_000),
        Case("bfloat16", "sum", "-", 1_000)]


def test_sim_rows_report_real_traffic():
    n = 4000  # 4 x 1000 classes
    results = {r.name.split(" 4x")[0].split(" 2^")[0]: r for r in run_benchmarks(n)}
    add = results["cpu_sim add fp32"]
    assert (add.elements, add.gm_bytes_read, add.gm_bytes_written) == (16384, 2 * 16384 * 4, 16384 * 4)
    none = results["bce float32 none"]
    assert (none.gm_bytes_read, none.gm_bytes_written) == (2 * n * 4, n * 4)
    pw = results["bce float16 none pos_weight[C]"]
    assert pw.gm_bytes_written == n * 2
    assert 2 * n * 2 < pw.gm_bytes_read <= 2 * n * 2 + 48 * 1000 * 4  # pos_weight at most once per block


@pytest.mark.parametrize("seconds, target, met", [(0.5, 1.0, True), (1.5, 1.0, False), (9.0, 0.0, True)])
def test_sim_target_verdict(seconds, target, met):
    assert BenchResult("r", 1, seconds, 0, 0, target).meets_target is met


def test_case_sets_cover_the_issue_matrix():
    full = full_cases()
    assert {(c.dtype, c.reduction, c.operand) for c in full} == {
        (c.dtype, c.reduction, c.operand) for c in quick_cases() if c.size < 1_000_000}
    assert len({c.name for c in full}) == 3 * 3 * 6
    assert min(c.size for c in full) == 1_000 and max(c.size for c in full) == 100_000_000
    assert any(c.elements >= 4_000_000 and c.reduction == "mean" for c in quick_cases())


def test_inputs_have_the_case_shapes_and_dtypes():
    case = Case("bfloat16", "sum", "w[N,1]", 3_000)
    inputs = make_inputs(case)
    assert inputs["x"].shape == inputs["y"].shape == (3, 1000) and str(inputs["x"].dtype) == "bfloat16"
    assert inputs["weight"].shape == (3, 1) and inputs["weight"].dtype == "float32"
    assert inputs["pos_weight"] is None
    pw = make_inputs(Case("float16", "mean", "pw[1001]", 5_000))["pos_weight"]
    assert pw.shape == (1001,) and pw.dtype == "float32"


def test_launches_are_counted_through_the_simulator():
    inputs = make_inputs(TINY[0])
    with counting_launches() as counts:
        binary_cross_entropy_with_logits(inputs["x"], inputs["y"], pos_weight=inputs["pos_weight"])
    assert counts["launches"] == 1
    with counting_launches() as counts:
        binary_cross_entropy_with_logits(inputs["x"][:0], inputs["y"][:0], reduction="none")
    assert counts["launches"] == 0


def test_row_is_the_simulated_launch_and_the_stock_model():
    case = TINY[0]
    row = run_case(case)
    stats = last_kernel_stats()
    assert row.ours_us == stats.modelled_a2_us
    assert row.ours_gm_bytes == stats.gm_bytes_read + stats.gm_bytes_written
    assert row.stock_us == stock_time(case.stock_call()).total_us
    # x, y (fp32) once, one fp32 result, the fp32 [1000] pos_weight once per block.
    assert row.min_gm_bytes == min_gm_bytes(case, stats.block_dim) == 2 * 2000 * 4 + 4 + 4000 * stats.block_dim
    # Stock: the fused kernel, aclnn's MemSet of the reduce's output, ReduceMean.
    assert row.ours_launches == 1 and row.stock_launches == 3
    # The roofline counts the operand once in all: one launch plus the least bytes at HBM speed.
    assert row.roofline_us == pytest.approx(BASE.launch_us + (2 * 2000 * 4 + 4 + 4000) / BASE.hbm_bytes_per_s * 1e6)


def test_row_names_the_ceiling_of_perfect_pipe_overlap():
    # overlapped_us: the launch plus the slowest block's busiest pipe (or the HBM floor), from the
    # simulator's timeline: what the issued work allows with no fill, drain or stall.
    row = run_case(TINY[0])
    timeline = last_kernel_stats().timeline
    busiest = max(timeline["busy_us"].values())
    assert row.overlapped_us == pytest.approx(timeline["launch_us"] + max(busiest, timeline["hbm_floor_us"]))
    assert timeline["launch_us"] < row.overlapped_us <= row.ours_us
    assert row.overlapped_bound_pct == pytest.approx(row.bound_pct * row.ours_us / row.overlapped_us)
    assert row.overlapped_bound_pct >= row.bound_pct
    verdicts = check_targets([dataclasses.replace(row, case=Case("float32", "mean", "pw[1000]", 4_096_000))],
                             {"c": 1}, Sensitivity([], ({}, 1.6, 1.6, True)))
    bound = next(v for v in verdicts if v.name.startswith(">= 90%"))
    assert f"the least would be {row.overlapped_bound_pct:.1f}%" in bound.detail


def _rows(*speedups, reduction="mean", elements=4_096_000):
    rows = []
    for s in speedups:
        row = run_case(TINY[0])
        row.case = Case("float32", reduction, "pw[1000]", elements)
        row.stock_us = row.ours_us * s
        rows.append(row)
    return rows


def test_targets_report_the_worst_row():
    rows = _rows(2.5, 1.9)
    sens = Sensitivity([], ({}, 1.6, 1.6, True))
    verdicts = check_targets(rows, {"c": 1}, sens)
    speedup = next(v for v in verdicts if v.name.startswith("mean/sum >= 2.0x"))
    assert not speedup.met and "1.90x" in speedup.detail
    least = min(rows, key=lambda r: r.roofline_speedup)
    assert f"at the HBM roofline the least would be {least.stock_us / least.roofline_us:.2f}x" in speedup.detail
    assert next(v for v in verdicts if "worst end" in v.name).met
    assert next(v for v in verdicts if v.name.startswith("never slower")).met
    relaxed = check_targets(rows, {"c": 1}, sens, Targets(min_speedup_reducing=1.8))
    assert next(v for v in relaxed if v.name.startswith("mean/sum >= 1.8x")).met
    assert check_targets(rows, {"c": 2}, sens)[1].met is False  # two backward launches


@pytest.fixture
def tiny_quick(monkeypatch):
    monkeypatch.setattr(bench_cli, "quick_cases", lambda: list(TINY))


def test_cli_quick_writes_csv_and_plot(tiny_quick, tmp_path, capsys):
    out_csv, plot = tmp_path / "bench.csv", tmp_path / "bench.png"
    code = main(["bench", "--quick", "--csv", str(out_csv), "--plot", str(plot), "--no-progress"])
    stdout, stderr = capsys.readouterr()
    assert code == (1 if "MISSED" in stdout else 0)
    for case in TINY:
        assert case.name in stdout
    with open(out_csv, newline="") as f:
        rows = list(csv.DictReader(f))
    assert tuple(rows[0]) == CSV_COLUMNS and len(rows) == len(TINY)
    first = rows[0]
    again = run_case(TINY[0])
    assert int(first["elements"]) == TINY[0].elements == 2000
    assert float(first["ours_us"]) == pytest.approx(again.ours_us, abs=1e-4)
    assert float(first["stock_us"]) == pytest.approx(stock_time(TINY[0].stock_call()).total_us, abs=1e-4)
    assert float(first["speedup"]) == pytest.approx(float(first["stock_us"]) / float(first["ours_us"]), rel=1e-3)
    written = stderr.split("plot written to ")[1].strip()
    with open(written, "rb") as f:
        head = f.read(8)
    if written.endswith(".png"):
        assert head == b"\x89PNG\r\n\x1a\n"
    else:
        root = ET.parse(written).getroot()
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        bars = [r for r in root.iter("{http://www.w3.org/2000/svg}rect") if r.get("class") in ("ours", "stock")]
        largest = max(c.size for c in TINY)
        assert len(bars) == 2 * sum(c.size == largest for c in TINY)  # the largest size's rows


def test_cli_exit_status_is_1_when_a_target_is_missed(tiny_quick, capsys):
    code = main(["bench", "--quick", "--no-progress", "--large-size", "1000", "--require-speedup", "1000"])
    out = capsys.readouterr().out
    assert code == 1
    assert "MISSED  mean/sum >= 1000.0x from 1,000 el." in out


def test_cli_markdown_prints_the_readme_tables(tiny_quick, capsys):
    main(["bench", "--quick", "--no-progress", "--markdown"])
    out = capsys.readouterr().out
    assert out.startswith("| case | elements | ours us |")
    assert "| target | | worst case |" in out and "| assumption | x |" in out
    assert "| operand | rows | least speed-up |" in out and "| w[N,1] | 1 |" in out


def test_cli_size_runs_every_variant_once(monkeypatch, capsys):
    seen = []
    monkeypatch.setattr(bench_cli, "run_rows", lambda cases, soc, progress, limit: seen.extend(cases) or [])
    monkeypatch.setattr(bench_cli, "run_backward", lambda cases, soc, progress: {})
    main(["bench", "--size", "5000", "--no-progress"])
    assert len(seen) == 54 and {c.size for c in seen} == {5000}
    main(["bench", "--batch", "3", "--classes", "1000", "--no-progress"])
    assert "deprecated" in capsys.readouterr().err and {c.size for c in seen[54:]} == {3000}


class _Tty(io.StringIO):
    def isatty(self):
        return True


def test_progress_bar_only_on_a_terminal():
    quiet = io.StringIO()
    bar = Progress(3, stream=quiet)
    bar.update("a")
    bar.close()
    assert quiet.getvalue() == ""
    tty = _Tty()
    bar = Progress(2, stream=tty)
    bar.update("first")
    bar.update("second")
    bar.close()
    assert tty.getvalue().count("\r") == 2 and "2/2 second" in tty.getvalue() and tty.getvalue().endswith("\n")


def test_large_sizes_extrapolate_along_the_simulated_line():
    cases = [Case("float32", "none", "-", n) for n in (960_000, 1_920_000, 2_880_000)]
    lower, upper, simulated = (run_case(c) for c in cases)
    extra = extrapolate(lower, upper, cases[2])
    assert extra.extrapolated and not simulated.extrapolated
    assert extra.ours_us == pytest.approx(simulated.ours_us, rel=0.03)
    assert extra.ours_gm_bytes == pytest.approx(simulated.ours_gm_bytes, rel=0.01)
    assert extra.overlapped_us == pytest.approx(simulated.overlapped_us, rel=0.03)
    assert extra.stock_us == simulated.stock_us and extra.min_gm_bytes == simulated.min_gm_bytes
    rows = bench_cli.run_rows(cases, "910B1", Progress(3, enabled=False), simulate_up_to=2_000_000)
    assert [r.extrapolated for r in rows] == [False, False, True]
    assert rows[2].ours_us == extra.ours_us


def test_readme_tables_are_spliced_between_the_markers():
    import importlib.util
    import pathlib

    root = pathlib.Path(__file__).resolve().parents[1]
    spec = importlib.util.spec_from_file_location("readme_bench", root / "scripts" / "readme_bench.py")
    readme_bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(readme_bench)
    text = f"intro\n{readme_bench.BEGIN}\nold table\n{readme_bench.END}\nafter\n"
    assert readme_bench.splice(text, "| new |\n") == f"intro\n{readme_bench.BEGIN}\n| new |\n{readme_bench.END}\nafter\n"
    readme = (root / "README.md").read_text(encoding="utf-8")
    assert readme.count(readme_bench.BEGIN) == 1 and "python -m ascend_bce bench --quick --markdown" in readme
    assert readme_bench.COMMAND[-3:] == ["--quick", "--markdown", "--no-progress"]


@pytest.mark.parametrize("argv, message", [
    (["bench", "--simulate-up-to", "-1"], "--simulate-up-to: must be 0 or more, got -1"),
    (["bench", "--require-speedup", "0"], "--require-speedup: must be a positive number"),
    (["bench", "--large-size", "0"], "--large-size: must be a positive integer, got 0"),
])
def test_bench_options_are_argparse_errors(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2 and message in capsys.readouterr().err


def test_bound_by_comes_from_the_timeline_when_the_stats_have_one():
    from types import SimpleNamespace

    from ascend_bce.bench_model import _pipes, _timeline_value

    timeline = SimpleNamespace(timeline={"bound_by": "V", "busy_us": {"MTE2": 1.0, "V": 2.5}})
    assert _timeline_value(timeline, "bound_by") == "V"
    assert _pipes(_timeline_value(timeline, "busy_us")) == "MTE2=1.00;V=2.50"
    assert _timeline_value(SimpleNamespace(timeline={"bound_by": "-"}), "bound_by") is None
    assert _timeline_value(SimpleNamespace(bound_by="MTE2"), "bound_by") == "MTE2"
    assert _timeline_value(SimpleNamespace(), "bound_by") is None and _pipes(None) == ""
    row = run_case(TINY[0])
    assert row.bound_by == (_timeline_value(last_kernel_stats(), "bound_by") or
                            ("memory" if "memory" in row.bound_by else "vector"))


def test_scalar_gm_misses_are_a_varied_assumption_of_the_analytic_price():
    """The sensitivity table halves and doubles the DCache miss cost (cpu_sim's cost table); the
    analytic price a row is scaled by adds it per miss of the slowest block (a blocking load)."""
    from ascend_bce import _C
    from ascend_bce.assumptions import scaled, varied_names
    from ascend_bce.bench_model import analytic_time
    assert "scalar_gm_miss_cycles" in varied_names()
    assert BASE.scalar_gm_miss_cycles == _C.cost_table()["scalar_gm_miss_cycles"]
    block = {"gm_bytes_read": 0, "gm_bytes_written": 0, "pipe_instructions": {"S": 3, "V": 0, "MTE2": 0, "MTE3": 0},
             "instructions": {}, "repeats": {}, "scalar_gm_misses": 3}
    stats = {"block_dim": 1, "blocks": [block], "sync_all_count": 0}
    for factor in (0.5, 2.0):
        a = scaled(BASE, "scalar_gm_miss_cycles", factor)
        assert analytic_time(stats, a).total_us - a.launch_us == pytest.approx(3 * a.scalar_gm_miss_cycles / a.clock_hz * 1e6)


def test_scaled_time_adds_launch_and_sync_all_costs_and_scales_only_the_block_work():
    """Under another assumption our time is its launch and SyncAll costs at their new values plus
    the simulated block work scaled by the analytic price: doubling the launch cost adds one launch
    cost to a one-launch row and leaves its block work alone (scaling the whole time would also
    double the block work of a launch-dominated row)."""
    from ascend_bce.assumptions import scaled
    from ascend_bce.bench_model import analytic_time, ours_scaled_us
    row = run_case(TINY[0])
    assert row.ours_launches == 1
    syncs = row.stats["sync_all_count"]
    for factor in (0.5, 2.0):
        a = scaled(BASE, "launch_us", factor)
        assert ours_scaled_us(row, a) == pytest.approx(row.ours_us + (factor - 1) * BASE.launch_us)
        s = scaled(BASE, "sync_all_us", factor)
        assert ours_scaled_us(row, s) == pytest.approx(row.ours_us + syncs * (factor - 1) * BASE.sync_all_us)
    a = scaled(BASE, "hbm_bytes_per_s", 0.5)
    block = row.ours_us - BASE.launch_us - syncs * BASE.sync_all_us
    moved = analytic_time(row.stats, a).block_us / analytic_time(row.stats, BASE).block_us
    assert moved > 1.0
    assert ours_scaled_us(row, a) == pytest.approx(BASE.launch_us + syncs * BASE.sync_all_us + block * moved)
