"""`python -m ascend_bce bench`: the rows it reports are measured on real runs (times are not
asserted here; speed targets live in the benchmark itself)."""
import pytest

from ascend_bce.__main__ import main
from ascend_bce.bench import BenchResult, run_benchmarks


def test_bench_rows_report_real_traffic():
    n = 4000  # 4 x 1000 classes
    results = {r.name.split(" 4x")[0].split(" 2^")[0]: r for r in run_benchmarks(n)}
    add = results["cpu_sim add fp32"]
    assert (add.elements, add.gm_bytes_read, add.gm_bytes_written) == (16384, 2 * 16384 * 4, 16384 * 4)
    none = results["bce float32 none"]
    assert (none.gm_bytes_read, none.gm_bytes_written) == (2 * n * 4, n * 4)
    pw = results["bce float16 none pos_weight[C]"]
    assert pw.gm_bytes_written == n * 2
    assert 2 * n * 2 < pw.gm_bytes_read <= 2 * n * 2 + pw_blocks_bound(n)
    assert all(r.seconds > 0 for r in results.values())


def pw_blocks_bound(n):
    return 48 * 1000 * 4  # every block reads the fp32 [1000] pos_weight at most once


@pytest.mark.parametrize("seconds, target, met", [(0.5, 1.0, True), (1.5, 1.0, False), (9.0, 0.0, True)])
def test_target_verdict(seconds, target, met):
    assert BenchResult("r", 1, seconds, 0, 0, target).meets_target is met


def test_cli_bench_prints_every_row(capsys):
    code = main(["bench", "--size", "2048", "--batch", "16"])
    out = capsys.readouterr().out
    for name in ("cpu_sim add fp32 2^14", "bce float32 none", "bce float32 mean pos_weight[C]",
                 "bce float16 none pos_weight[C]", "bce float16 sum", "Modelled 910B1 time",
                 "bfloat16 mean pos_weight[C]"):
        assert name in out
    # The exit code says whether every target was met, as the table does.
    assert code == (1 if "MISSED" in out else 0)


def test_cli_bench_plot_is_an_svg_with_a_bar_pair_per_case(tmp_path, capsys):
    import xml.etree.ElementTree as ET

    svg = tmp_path / "bench.svg"
    main(["bench", "--size", "2048", "--batch", "16", "--plot", str(svg)])
    assert f"plot written to {svg}" in capsys.readouterr().out
    root = ET.parse(svg).getroot()
    ns = "{http://www.w3.org/2000/svg}"
    bars = [r for r in root.iter(ns + "rect") if r.get("class") in ("ours", "stock")]
    assert len(bars) == 2 * 12  # 3 dtypes x 2 reductions x pos_weight present/absent
    assert all(float(r.get("height")) > 0 for r in bars)
    titles = [r.find(ns + "title").text for r in bars]
    assert any(t.startswith("float16 mean: stock") for t in titles)
