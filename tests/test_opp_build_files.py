"""The op package's build files and the NPU branch of `pip install .`, checked without CANN:
scripts/build_opp.sh's contract and dry run, cmake/opp configured against a stub of CANN's ASC
CMake modules (every npu_op_* call recorded), the top-level CMake project going down the NPU
branch with a fake ASCEND_HOME_PATH (dry run) and staying CPU-only without it, and
ascend_bce.opp finding an installed vendor package."""
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "build_opp.sh"
OPP_CMAKE = ROOT / "cmake" / "opp" / "CMakeLists.txt"
CANN_VARS = ("ASCEND_HOME_PATH", "ASCEND_CANN_PACKAGE_PATH", "ASCEND_BCE_NPU_DRY_RUN", "ASCEND_BCE_CPU_ONLY",
             "ASCEND_CUSTOM_OPP_PATH", "ASCEND_OPP_PATH")

# CANN's asc-config.cmake defines the npu_op_* functions (asc-devkit cmake/asc/fwk_modules/func.cmake)
# and ASCEND_AUTOGEN_PATH; the stub records each call.
STUB_ASC_CONFIG = """
set(ASCEND_AUTOGEN_PATH ${CMAKE_BINARY_DIR}/autogen)
foreach(fn npu_op_package npu_op_package_add npu_op_library npu_op_kernel_library npu_op_kernel_sources
           npu_op_kernel_options npu_op_code_gen)
  cmake_language(EVAL CODE "function(${fn})\\n message(STATUS \\"STUB ${fn} \\${ARGV}\\")\\nendfunction()")
endforeach()
"""

# With a package step: npu_op_package also defines the `binary` and `package` targets, and
# `package` writes a fake custom_opp_<os>_<arch>.run whose --install-path=DIR creates
# DIR/vendors/ascend_bce with the aclnn library (as CANN's install.sh lays it out).
FAKE_RUN = """#!/bin/bash
for arg in "$@"; do case "$arg" in --install-path=*) dir="${arg#*=}" ;; esac; done
mkdir -p "$dir/vendors/ascend_bce/op_api/lib" "$dir/vendors/ascend_bce/bin"
touch "$dir/vendors/ascend_bce/op_api/lib/libcust_opapi.so" "$dir/vendors/ascend_bce/bin/set_env.bash"
"""
STUB_ASC_PACKAGING = """
file(WRITE ${CMAKE_BINARY_DIR}/fake_run.sh [=[%s]=])
string(TOLOWER ${CMAKE_HOST_SYSTEM_NAME} _os)
add_custom_target(binary)
add_custom_target(package COMMAND ${CMAKE_COMMAND} -E copy ${CMAKE_BINARY_DIR}/fake_run.sh
                  ${CMAKE_BINARY_DIR}/custom_opp_${_os}_${CMAKE_HOST_SYSTEM_PROCESSOR}.run)
""" % FAKE_RUN

needs_cmake = pytest.mark.skipif(shutil.which("cmake") is None, reason="cmake not installed")


def _env(**extra):
    env = {k: v for k, v in os.environ.items() if k not in CANN_VARS}
    env.update({k: str(v) for k, v in extra.items()})
    return env


def _fake_cann(root: Path, packaging: bool = False) -> Path:
    """The minimal CANN layout the NPU branch looks for, with the stub ASC modules."""
    asc = root / "cann" / "compiler" / "tikcpp" / "ascendc_kernel_cmake"
    asc.mkdir(parents=True)
    (asc / "asc-config.cmake").write_text(STUB_ASC_CONFIG + (STUB_ASC_PACKAGING if packaging else ""))
    return root / "cann"


def _script(*args, env):
    return subprocess.run(["bash", str(SCRIPT), *args], capture_output=True, text=True, env=env, timeout=30)


# --- scripts/build_opp.sh ---------------------------------------------------------------------

def test_script_parses_and_is_strict():
    assert subprocess.run(["bash", "-n", str(SCRIPT)]).returncode == 0
    text = SCRIPT.read_text()
    assert text.splitlines()[0] == "#!/usr/bin/env bash" and "set -euo pipefail" in text


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="shellcheck not installed")
def test_script_passes_shellcheck():
    result = subprocess.run(["shellcheck", str(SCRIPT)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


def test_script_help_and_errors(tmp_path):
    assert "--install-path" in _script("--help", env=_env()).stdout
    no_cann = _script(env=_env())
    assert no_cann.returncode == 2 and "ASCEND_HOME_PATH" in no_cann.stderr
    for args in (["--bogus"], ["--jobs", "0"], ["--build-dir"]):
        result = _script(*args, env=_env(ASCEND_HOME_PATH=tmp_path))
        assert result.returncode == 2 and "build_opp.sh:" in result.stderr, args
    no_asc = _script(env=_env(ASCEND_HOME_PATH=tmp_path))  # a directory without the ASC modules
    assert no_asc.returncode == 2 and "ascendc_kernel_cmake" in no_asc.stderr


def test_script_dry_run_prints_the_build_and_install_commands(tmp_path):
    cann = _fake_cann(tmp_path)
    result = _script("--dry-run", "--jobs", "3", "--build-dir", str(tmp_path / "b"), "--install-path", "inst",
                     env=_env(ASCEND_HOME_PATH=cann))
    assert result.returncode == 0, result.stderr
    commands = [line[2:] for line in result.stdout.splitlines() if line.startswith("+ ")]
    run_package = f"{tmp_path}/b/custom_opp_{os.uname().sysname.lower()}_{os.uname().machine}.run"
    assert commands == [
        f"cmake -S {ROOT}/cmake/opp -B {tmp_path}/b -DCMAKE_BUILD_TYPE=Release -DASCEND_CANN_PACKAGE_PATH={cann}",
        f"cmake --build {tmp_path}/b --target binary package -j 3",
        f"mkdir -p {os.getcwd()}/inst",  # the .run's installer wants an absolute path
        f"bash {run_package} --quiet --install-path={os.getcwd()}/inst",
    ]
    assert not (tmp_path / "b").exists()  # nothing ran


# --- cmake/opp against the stub ASC modules ---------------------------------------------------

@needs_cmake
def test_opp_cmake_configures_against_stub_asc(tmp_path):
    cann = _fake_cann(tmp_path)
    result = subprocess.run(["cmake", "-S", str(OPP_CMAKE.parent), "-B", str(tmp_path / "build")],
                            capture_output=True, text=True, env=_env(ASCEND_HOME_PATH=cann), timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    calls = re.findall(r"STUB (\w+) (.*)", result.stdout)
    names = [name for name, _ in calls]
    assert names == ["npu_op_package", "npu_op_code_gen", "npu_op_library", "npu_op_library", "npu_op_library",
                     "npu_op_package_add", "npu_op_kernel_sources", "npu_op_kernel_sources", "npu_op_kernel_options",
                     "npu_op_kernel_library", "npu_op_package_add"]
    args = dict.fromkeys(names)
    for name, arg in calls:
        args[name] = (args[name] or "") + " " + arg
    assert "ascend_bce;TYPE;RUN" in args["npu_op_package"]
    for lib in ("cust_optiling;TILING", "cust_opapi;ACLNN", "cust_op_proto;GRAPH"):
        assert lib in args["npu_op_library"]
    host = re.search(r"cust_optiling;TILING;([^ ]*)", args["npu_op_library"]).group(1).split(";")
    # Every host source is in the package; the simulator-only and torch-only files are not.
    expected = sorted([*(ROOT / "op_host" / "opp").glob("*.cpp"), *(ROOT / "op_host").glob("*.cpp"),
                       ROOT / "op_host" / "cann" / "npu_request.cpp"])
    assert sorted(map(Path, host)) == expected
    assert "OP_TYPE;BceWithLogits;KERNEL_FILE;bce_with_logits.cpp" in args["npu_op_kernel_sources"]
    assert "OP_TYPE;BceWithLogitsGrad;KERNEL_FILE;bce_with_logits_grad.cpp" in args["npu_op_kernel_sources"]
    assert f"SRC_BASE;{ROOT}/op_kernel;TILING_LIBRARY;cust_optiling" in args["npu_op_kernel_library"]
    # The entry's BCE_BATCH_SCHEDULE is empty: the TilingFunc sets the batch schedule mode.
    assert "ALL;OPTIONS;-DBCE_BATCH_SCHEDULE=" in args["npu_op_kernel_options"]
    assert "compute unit=ascend910b" in result.stdout


# --- the NPU branch of `pip install .` (top-level CMakeLists.txt) -----------------------------

def _configure_top(tmp_path, env):
    pybind11 = pytest.importorskip("pybind11")
    return subprocess.run(["cmake", "-S", str(ROOT), "-B", str(tmp_path / "top"), "-DBUILD_PYTHON_EXTENSION=ON",
                           f"-Dpybind11_DIR={pybind11.get_cmake_dir()}"],
                          capture_output=True, text=True, env=env, timeout=120)


@needs_cmake
def test_pip_build_goes_down_the_npu_branch_with_cann_set(tmp_path):
    cann = _fake_cann(tmp_path)
    env = _env(ASCEND_HOME_PATH=cann, ASCEND_BCE_NPU_DRY_RUN=1)
    result = _configure_top(tmp_path, env)
    assert result.returncode == 0, result.stderr
    top = tmp_path / "top"
    assert (f"ascend_bce NPU (dry run): bash {ROOT}/scripts/build_opp.sh --build-dir {top}/npu/opp "
            f"--install-path {top}/npu/opp_install") in result.stdout
    build = subprocess.run(["cmake", "--build", str(top), "--target", "ascend_bce_npu_parts"],
                           capture_output=True, text=True, env=env, timeout=120)
    assert build.returncode == 0, build.stdout + build.stderr
    assert f"+ cmake -S {ROOT}/cmake/opp -B {top}/npu/opp -DCMAKE_BUILD_TYPE=Release " \
           f"-DASCEND_CANN_PACKAGE_PATH={cann}" in build.stdout
    assert f"--quiet --install-path={top}/npu/opp_install" in build.stdout
    install_rules = (top / "cmake_install.cmake").read_text()
    assert "_opp/vendors" not in install_rules  # a dry run installs nothing


@needs_cmake
def test_pip_build_npu_branch_builds_installs_and_bundles_the_package(tmp_path):
    """Not a dry run, with a fake toolchain: the branch's commands run in order, the .run lands
    the vendor package in the build tree, and the wheel's install rules take it from there."""
    cann = _fake_cann(tmp_path, packaging=True)
    env = _env(ASCEND_HOME_PATH=cann)
    assert _configure_top(tmp_path, env).returncode == 0
    top = tmp_path / "top"
    build = subprocess.run(["cmake", "--build", str(top), "--target", "ascend_bce_npu_parts"],
                           capture_output=True, text=True, env=env, timeout=180)
    assert build.returncode == 0, build.stdout + build.stderr
    vendor = top / "npu" / "opp_install" / "vendors" / "ascend_bce"
    assert (vendor / "op_api" / "lib" / "libcust_opapi.so").is_file()
    install_rules = (top / "cmake_install.cmake").read_text()
    assert f"{vendor}" in install_rules and "ascend_bce/_opp/vendors" in install_rules


@needs_cmake
def test_pip_build_stays_cpu_only_without_cann(tmp_path):
    result = _configure_top(tmp_path, _env())
    assert result.returncode == 0, result.stderr
    assert "ascend_bce: CPU only" in result.stdout and "ascend_bce NPU" not in result.stdout
    targets = subprocess.run(["cmake", "--build", str(tmp_path / "top"), "--target", "help"],
                             capture_output=True, text=True, timeout=60).stdout
    assert "ascend_bce_npu_parts" not in targets and "_C" in targets
    forced = _configure_top(tmp_path / "forced", _env(ASCEND_HOME_PATH=_fake_cann(tmp_path), ASCEND_BCE_CPU_ONLY=1))
    assert "ascend_bce: CPU only" in forced.stdout


# --- ascend_bce.opp: finding the installed package -------------------------------------------

def _install_vendor(root: Path) -> Path:
    vendor = root / "vendors" / "ascend_bce"
    (vendor / "op_api" / "lib").mkdir(parents=True)
    (vendor / "op_api" / "lib" / "libcust_opapi.so").write_bytes(b"")
    return vendor


def test_opp_finds_the_vendor_package_in_search_order(tmp_path, monkeypatch):
    from ascend_bce import opp
    for var in CANN_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(opp, "WHEEL_VENDOR_DIR", tmp_path / "wheel" / "vendors" / "ascend_bce")
    with pytest.raises(opp.NpuPackageNotBuiltError, match="build_opp.sh --install-path"):
        opp.opapi_library()
    default = _install_vendor(tmp_path / "opp")
    monkeypatch.setenv("ASCEND_OPP_PATH", str(tmp_path / "opp"))
    assert opp.find_vendor_package() == default
    custom = _install_vendor(tmp_path / "custom")
    monkeypatch.setenv("ASCEND_CUSTOM_OPP_PATH", f"/nonexistent:{custom}")  # as set_env.bash leaves it
    assert opp.opapi_library() == custom / "op_api" / "lib" / "libcust_opapi.so"


def test_opp_registers_a_bundled_package_once(tmp_path, monkeypatch):
    from ascend_bce import opp
    monkeypatch.setattr(opp, "WHEEL_VENDOR_DIR", tmp_path / "none")
    monkeypatch.setenv("ASCEND_CUSTOM_OPP_PATH", "/user/vendors/x")
    assert not opp.register_wheel_vendor()  # CPU-only install: nothing bundled, nothing changed
    assert os.environ["ASCEND_CUSTOM_OPP_PATH"] == "/user/vendors/x"
    wheel = _install_vendor(tmp_path / "wheel")
    monkeypatch.setattr(opp, "WHEEL_VENDOR_DIR", wheel)
    assert opp.register_wheel_vendor() and not opp.register_wheel_vendor()
    assert os.environ["ASCEND_CUSTOM_OPP_PATH"] == f"/user/vendors/x:{wheel}"
