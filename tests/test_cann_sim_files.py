"""scripts/run_cann_sim.sh and its parts, checked without CANN: argument handling and the dry run,
the golden generator and comparison (fed with the CPU simulator's results: they must pass, and a
perturbed result must fail), cmake/cann_sim configured against a stub ascendc.cmake in RUN_MODE=sim,
and the launcher type-checked against the documented ACL declarations."""
import importlib.util
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from cann_stubs import ACL_RUNTIME_STUB, kernel_params, make_stub_cann

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "run_cann_sim.sh"
GOLDEN_PATH = ROOT / "scripts" / "cann_sim" / "golden.py"
LAUNCHER = ROOT / "scripts" / "cann_sim" / "launcher.cpp"

_spec = importlib.util.spec_from_file_location("cann_sim_golden", GOLDEN_PATH)
golden = importlib.util.module_from_spec(_spec)
sys.modules["cann_sim_golden"] = golden
_spec.loader.exec_module(golden)


def _env(**extra):
    env = {k: v for k, v in os.environ.items() if k not in ("ASCEND_HOME_PATH", "ASCEND_BCE_NPU_DRY_RUN")}
    env.update({k: str(v) for k, v in extra.items()})
    return env


def _script(*args, env):
    return subprocess.run(["bash", str(SCRIPT), *args], capture_output=True, text=True, env=env, timeout=60)


def _fake_cann_with_simulator(root: Path, soc="Ascend910B1") -> Path:
    (root / "cann" / "tools" / "simulator" / soc / "lib").mkdir(parents=True)
    return root / "cann"


# --- scripts/run_cann_sim.sh ------------------------------------------------------------------

def test_script_parses_and_is_strict():
    assert subprocess.run(["bash", "-n", str(SCRIPT)]).returncode == 0
    assert "set -euo pipefail" in SCRIPT.read_text()


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="shellcheck not installed")
def test_script_passes_shellcheck():
    result = subprocess.run(["shellcheck", str(SCRIPT)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize("args,message", [(["--soc", "Ascend310P3"], "not an Atlas A2"), (["--jobs", "x"], "--jobs"),
                                          (["--bogus"], "unknown argument"), (["--cases"], "needs a value")])
def test_script_rejects_bad_arguments(tmp_path, args, message):
    result = _script(*args, env=_env(ASCEND_HOME_PATH=_fake_cann_with_simulator(tmp_path)))
    assert result.returncode == 2 and message in result.stderr


def test_script_needs_cann_and_its_simulator(tmp_path):
    assert _script(env=_env()).returncode == 2
    no_sim = _script(env=_env(ASCEND_HOME_PATH=tmp_path))
    assert no_sim.returncode == 2 and "tools/simulator" in no_sim.stderr


def test_script_lists_the_golden_cases():
    result = _script("--list", env=_env())
    assert result.returncode == 0 and result.stdout.split() == [c.name for c in golden.CASES]


def test_script_dry_run_prints_build_gen_run_and_compare(tmp_path):
    cann = _fake_cann_with_simulator(tmp_path, "Ascend910B3")
    build = tmp_path / "b"
    result = _script("--dry-run", "--soc", "Ascend910B3", "--build-dir", str(build), "--jobs", "2", "--python",
                     sys.executable, "--cases", "fp16_grad_mean,fp32_empty_mean", env=_env(ASCEND_HOME_PATH=cann))
    assert result.returncode == 0, result.stderr
    commands = [line[2:] for line in result.stdout.splitlines() if line.startswith("+ ")]
    sim_lib = f"{cann}/tools/simulator/Ascend910B3/lib"
    ld = f"LD_LIBRARY_PATH={sim_lib}" + (f":{os.environ['LD_LIBRARY_PATH']}" if os.environ.get("LD_LIBRARY_PATH") else "")
    assert commands[:3] == [
        f"cmake -S {ROOT}/cmake/cann_sim -B {build} -DCMAKE_BUILD_TYPE=Release -DASCEND_CANN_PACKAGE_PATH={cann} "
        "-DSOC_VERSION=Ascend910B3 -DRUN_MODE=sim",
        f"cmake --build {build} -j 2",
        f"{sys.executable} {GOLDEN_PATH} gen --out {build}/cases --cases fp16_grad_mean\\,fp32_empty_mean",
    ]
    assert commands[3:5] == [f"env {ld} {build}/bce_cann_sim_launcher {build}/cases/{name} Ascend910B3"
                             for name in ("fp16_grad_mean", "fp32_empty_mean")]
    assert commands[5] == f"{sys.executable} {GOLDEN_PATH} compare --out {build}/cases --cases fp16_grad_mean\\,fp32_empty_mean"
    assert not build.exists()


# --- golden.py: the cases, their inputs and the float64 comparison -----------------------------

def _simulate(case, directory: Path) -> np.ndarray:
    """What the launcher would write, computed by the CPU simulator from the generated inputs."""
    import ascend_bce.functional as F
    meta = dict(line.partition(" ")[::2] for line in (directory / "meta.txt").read_text().splitlines())
    a = {name: np.fromfile(directory / f"{name}.bin", dtype=golden._dtype_of(case, name))
         .reshape(golden._shape_of(case, name, directory)) for name in ("input", "target", "weight", "pos_weight",
                                                                        "grad_output")
         if (directory / f"{name}.bin").exists()}
    assert meta["kernel"] == case.kernel
    w, pw = a.get("weight"), a.get("pos_weight")
    if case.kernel == "forward":
        return F.binary_cross_entropy_with_logits(a["input"], a["target"], w, case.reduction, pw)
    fn = F.binary_cross_entropy_with_logits_backward if case.kernel == "backward" else \
        F.binary_cross_entropy_with_logits_target_backward
    return fn(a["grad_output"], a["input"], a["target"], w, pw, case.reduction)


def test_golden_accepts_the_kernels_results_and_rejects_a_perturbed_one(tmp_path):
    cases = [c for c in golden.CASES if c.name != "fp32_mean_large"]  # its 2M elements add nothing here
    golden.generate(tmp_path, cases)
    for case in cases:
        np.ascontiguousarray(_simulate(case, tmp_path / case.name)).tofile(tmp_path / case.name / "out.bin")
    names = ",".join(c.name for c in cases)
    assert golden.main(["compare", "--out", str(tmp_path), "--cases", names]) == 0
    victim = tmp_path / "fp16_sum_mixed" / "out.bin"
    value = np.fromfile(victim, dtype=np.float16)
    (value * np.float16(1.01)).tofile(victim)  # one element, 1 % off: a few fp16 ulps
    report = golden.compare(tmp_path, cases)
    assert [line.split(":")[0] for line in report if line.startswith("FAIL")] == ["FAIL fp16_sum_mixed"]
    (tmp_path / "fp32_grad_none" / "out.bin").unlink()
    assert golden.main(["compare", "--out", str(tmp_path), "--cases", names]) == 1


def test_golden_inputs_are_reproducible_and_described(tmp_path):
    case = next(c for c in golden.CASES if c.name == "fp16_sum_mixed")
    first, second = golden.inputs(case), golden.inputs(case)
    assert all(np.array_equal(first[k], second[k]) for k in first)
    golden.generate(tmp_path, [case])
    meta = (tmp_path / case.name / "meta.txt").read_text().splitlines()
    assert meta == ["kernel forward", "dtype float16", "reduction 2", "input_shape 8 3 130", "weight_shape 3 1",
                    "weight_dtype float32", "pos_weight_shape 130", "pos_weight_dtype bfloat16", "output_shape"]
    with pytest.raises(SystemExit):
        golden.select("no_such_case")


# --- cmake/cann_sim and the launcher -----------------------------------------------------------

@pytest.mark.skipif(shutil.which("cmake") is None, reason="cmake not installed")
def test_cann_sim_cmake_builds_the_kernels_in_sim_mode(tmp_path):
    cann = make_stub_cann(tmp_path)
    result = subprocess.run(["cmake", "-S", str(ROOT / "cmake" / "cann_sim"), "-B", str(tmp_path / "b"),
                             f"-DASCEND_CANN_PACKAGE_PATH={cann}", "-DSOC_VERSION=Ascend910B2"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "STUB ascendc_library ascend_bce_sim_kernels STATIC" in result.stdout
    assert "SOC_VERSION=Ascend910B2, RUN_MODE=sim" in result.stdout
    bad = subprocess.run(["cmake", "-S", str(ROOT / "cmake" / "cann_sim"), "-B", str(tmp_path / "bad"),
                          f"-DASCEND_CANN_PACKAGE_PATH={cann}", "-DRUN_MODE=cpu"], capture_output=True, text=True,
                         timeout=60)
    assert bad.returncode != 0 and "use npu or sim" in bad.stderr


# acl.h as documented (aclInit, aclrtSetDevice, aclrtCreateStream, aclrtMalloc with
# ACL_MEM_MALLOC_HUGE_FIRST, aclrtMemcpy with aclrtMemcpyKind, aclrtSynchronizeStream, ...).
ACL_STUB = ACL_RUNTIME_STUB + """
    #include <cstddef>
    typedef enum { ACL_MEM_MALLOC_HUGE_FIRST = 0, ACL_MEM_MALLOC_HUGE_ONLY, ACL_MEM_MALLOC_NORMAL_ONLY } aclrtMemMallocPolicy;
    typedef enum { ACL_MEMCPY_HOST_TO_HOST = 0, ACL_MEMCPY_HOST_TO_DEVICE, ACL_MEMCPY_DEVICE_TO_HOST,
                   ACL_MEMCPY_DEVICE_TO_DEVICE } aclrtMemcpyKind;
    extern "C" aclError aclInit(const char* configPath);
    extern "C" aclError aclFinalize();
    extern "C" aclError aclrtSetDevice(int32_t deviceId);
    extern "C" aclError aclrtResetDevice(int32_t deviceId);
    extern "C" aclError aclrtCreateStream(aclrtStream* stream);
    extern "C" aclError aclrtDestroyStream(aclrtStream stream);
    extern "C" aclError aclrtSynchronizeStream(aclrtStream stream);
    extern "C" aclError aclrtMalloc(void** devPtr, size_t size, aclrtMemMallocPolicy policy);
    extern "C" aclError aclrtFree(void* devPtr);
    extern "C" aclError aclrtMemcpy(void* dst, size_t destMax, const void* src, size_t count, aclrtMemcpyKind kind);
"""


@pytest.mark.skipif(shutil.which("g++") is None, reason="g++ not installed")
def test_launcher_type_checks_against_documented_acl_declarations(tmp_path):
    (tmp_path / "acl").mkdir()
    (tmp_path / "acl" / "acl.h").write_text(textwrap.dedent(ACL_STUB))
    for kernel in ("bce_with_logits", "bce_with_logits_grad"):
        params = kernel_params(ROOT / "op_kernel" / f"{kernel}.cpp")[1]
        args = ", ".join(["uint32_t", "aclrtStream"] + ["void*"] * len(params))
        (tmp_path / f"aclrtlaunch_{kernel}.h").write_text(
            f'#pragma once\n#include "acl/acl.h"\nextern "C" uint32_t aclrtlaunch_{kernel}({args});\n'
            "#ifndef ACLRT_LAUNCH_KERNEL\n#define ACLRT_LAUNCH_KERNEL(k) aclrtlaunch_##k\n#endif\n")
    result = subprocess.run(["g++", "-std=c++17", "-fsyntax-only", "-Wall", "-Wextra", "-Werror", f"-I{tmp_path}",
                             f"-I{ROOT}", str(LAUNCHER)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
