"""The A2 Exp/Ln accuracy check (scripts/a2_exp_ln_check) built with g++ against cpu_sim: its
report is exact in the simulator's exact mode and detects the simulator's injected ulp error."""
from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
CHECK_DIR = ROOT / "scripts" / "a2_exp_ln_check"
HAVE_MATH_MODEL = (ROOT / "cpu_sim" / "include" / "sim" / "math_model.h").is_file()
LIBM_ULP = 1.0  # glibc expf/logf: within 1 ulp of the true value, mostly correctly rounded
INJECTED_ULP = 2  # --sim-mode ulp:2
SEED = 1


def _load_grid():
    spec = importlib.util.spec_from_file_location("a2_exp_ln_check_grid", CHECK_DIR / "grid.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


grid = _load_grid()


@pytest.fixture(scope="module")
def check_binary(tmp_path_factory) -> Path:
    """main.cpp + the kernel + cpu_sim, as run.sh --sim builds them without CMake."""
    if shutil.which("g++") is None:
        pytest.skip("g++ not installed: cannot build the A2 Exp/Ln check against cpu_sim")
    binary = tmp_path_factory.mktemp("a2_exp_ln_check") / "exp_ln_check"
    sources = [CHECK_DIR / "main.cpp", CHECK_DIR / "exp_ln_kernel.cpp", *sorted((ROOT / "cpu_sim" / "src").glob("*.cpp"))]
    result = subprocess.run(["g++", "-O1", "-std=c++17", "-Wall", "-Wextra", f"-I{CHECK_DIR}",
                             f"-I{ROOT / 'cpu_sim' / 'include'}", *map(str, sources), "-pthread", "-o", str(binary)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "warning" not in result.stderr, result.stderr
    return binary


def run_check(binary: Path, workdir: Path, dtype: str, sim_mode: str = "exact"):
    """gen -> run -> report, as run.sh does; returns (text, summary)."""
    g = grid.build_grid(dtype)
    paths = {k: workdir / f"{k}_{dtype}_{sim_mode.replace(':', '_')}.bin" for k in ("x", "exp", "ln")}
    g.x.tofile(paths["x"])
    result = subprocess.run([str(binary), "--dtype", dtype, "--input", str(paths["x"]), "--exp-out",
                             str(paths["exp"]), "--ln-out", str(paths["ln"]), "--sim-mode", sim_mode,
                             "--seed", str(SEED)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert f"{g.x.size} {dtype} values" in result.stdout
    return grid.report(g, np.fromfile(paths["exp"], g.dtype), np.fromfile(paths["ln"], g.dtype))


def test_exact_mode_float32_is_libm(check_binary, tmp_path):
    text, summary = run_check(check_binary, tmp_path, "float32")
    for op in ("exp", "ln"):
        worst = summary["ops"][op]
        assert worst["max_ulp"] <= LIBM_ULP, (op, worst)
        assert worst["max_cr_ulp"] <= LIBM_ULP, (op, worst)  # 0 or 1 away from correctly rounded
    assert all(r["skipped"] == 0 for r in summary["groups"].values())  # fp32 grid never overflows
    # One line per ln(1 + 2^-k), k = 1..23, all within libm rounding.
    rows = summary[grid.LN_ONE_PLUS]
    assert [r["label"] for r in rows] == list(range(1, 24))
    assert all(r["cr_ulps"] <= LIBM_ULP and r["rel"] < 1e-7 for r in rows), rows
    for group in summary["groups"]:
        assert group in text


def test_exact_mode_float16_is_correctly_rounded(check_binary, tmp_path):
    # cpu_sim computes half Exp/Ln in float and rounds once more: at most 1 fp16 ulp off.
    _, summary = run_check(check_binary, tmp_path, "float16")
    for op in ("exp", "ln"):
        assert summary["ops"][op]["max_cr_ulp"] <= 1, (op, summary["ops"][op])
        assert summary["ops"][op]["max_ulp"] <= 1, (op, summary["ops"][op])
    assert [r["label"] for r in summary[grid.LN_ONE_PLUS]] == list(range(1, 11))


@pytest.mark.skipif(not HAVE_MATH_MODEL, reason="cpu_sim has no Exp/Ln error model yet (sim/math_model.h)")
def test_ulp_mode_is_detected(check_binary, tmp_path):
    _, summary = run_check(check_binary, tmp_path, "float32", f"ulp:{INJECTED_ULP}")
    # Counted in float32 steps from the correctly rounded result (the "CR" column): exact mode
    # stays within LIBM_ULP, so more than that is the injected error, and the injection adds at
    # most INJECTED_ULP steps to libm's. (In ulps of the true value, steps above a power of two
    # count double, so that column is not bounded by K + 1.)
    measured = max(summary["ops"][op]["max_cr_ulp"] for op in ("exp", "ln"))
    assert LIBM_ULP < measured <= INJECTED_ULP + LIBM_ULP, summary["ops"]
    for op in ("exp", "ln"):
        assert 0 < summary["ops"][op]["max_cr_ulp"] <= INJECTED_ULP + LIBM_ULP, (op, summary["ops"][op])


def test_report_counts_known_offsets():
    """The report's ulp and CR-ulp columns on outputs moved a known number of ulps."""
    g = grid.build_grid("float32")
    exp_t, ln_t = grid.truth(g.x)
    with np.errstate(over="ignore", invalid="ignore"):  # Exp of the Ln inputs overflows; not scored
        exp_out = exp_t.astype(np.float32)
        ln_out = ln_t.astype(np.float32)
    one_plus = next(x for x in g.groups if x.name == grid.LN_ONE_PLUS)
    for _ in range(2):  # two ulps up on every ln(1 + 2^-k)
        ln_out[one_plus.start:one_plus.stop] = np.nextafter(ln_out[one_plus.start:one_plus.stop], np.float32(np.inf))
    _, summary = grid.report(g, exp_out, ln_out)
    assert summary["ops"]["exp"]["max_cr_ulp"] == 0
    assert summary["ops"]["exp"]["max_ulp"] <= 0.5
    row = summary["groups"][grid.LN_ONE_PLUS]
    assert row["max_cr_ulp"] == 2
    assert all(r["cr_ulps"] == 2 for r in summary[grid.LN_ONE_PLUS])
    # In ulps of the true value, two steps are 1.5..2.5, or up to 4.5 where the correctly rounded
    # result is the power of two above a truth just below it (ln(1 + 2^-k), k large): the steps
    # above a power of two are twice the true value's ulp.
    assert all(1.5 <= r["ulps"] <= 4.5 for r in summary[grid.LN_ONE_PLUS])
    assert 1.5 <= summary[grid.LN_ONE_PLUS][0]["ulps"] <= 2.5  # ln(1.5): mid-binade
