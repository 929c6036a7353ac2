"""op_kernel/bce_with_logits_reduce_compat.h: the kernels' per-repeat sum builds under both toolkit
names, ReduceRepeat<SUM> (CANN 9.1.0 on) and WholeReduceSum<T> (9.0.0 and before; BCE_ASCENDC_WHOLE_REDUCE_SUM,
which cmake/ascend_kernels.cmake sets when the toolkit's headers lack ReduceRepeat), compiled with
g++ against cpu_sim's declarations of both."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCE = """
#include "bce_with_logits_reduce_compat.h"
void SumBoth(const AscendC::LocalTensor<float>& df, const AscendC::LocalTensor<float>& sf,
             const AscendC::LocalTensor<half>& dh, const AscendC::LocalTensor<half>& sh)
{
    BceWithLogits::SumEachRepeat<float>(df, sf, 64, 1, 1, 1, 8);
    BceWithLogits::SumEachRepeat<half>(dh, sh, 128, 2, 1, 1, 8);
}
"""


def _gxx(tmp_path, *flags):
    entry = tmp_path / "compat.cpp"
    entry.write_text(SOURCE)
    cmd = ["g++", "-std=c++17", "-Werror", f"-I{ROOT / 'cpu_sim' / 'include'}", f"-I{ROOT / 'op_kernel'}",
           *flags, str(entry)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=180)


def _shim_body(preprocessed: str) -> str:
    return re.search(r"SumEachRepeat\(.*?\n\}", preprocessed, re.S).group(0)


@pytest.mark.skipif(shutil.which("g++") is None, reason="g++ not installed")
@pytest.mark.parametrize("old_toolkit, called", [(False, "ReduceRepeat<"), (True, "WholeReduceSum<")])
def test_shim_compiles_and_calls_the_toolkits_name(tmp_path, old_toolkit, called):
    flags = ["-DBCE_ASCENDC_WHOLE_REDUCE_SUM"] if old_toolkit else []
    built = _gxx(tmp_path, "-fsyntax-only", *flags)
    assert built.returncode == 0, built.stderr
    body = _shim_body(_gxx(tmp_path, "-E", "-P", *flags).stdout)
    other = "ReduceRepeat<" if old_toolkit else "WholeReduceSum<"
    assert called in body and other not in body


def test_cmake_sets_the_old_name_only_without_reduce_repeat():
    cmake = (ROOT / "cmake" / "ascend_kernels.cmake").read_text()
    assert "kernel_operator_vec_reduce_intf.h" in cmake
    assert re.search(r"if\(BCE_REDUCE_INTF AND NOT BCE_HAS_REDUCE_REPEAT\)\s+ascendc_compile_definitions\(\$\{target\} "
                     r"PRIVATE BCE_ASCENDC_WHOLE_REDUCE_SUM\)", cmake)
    # The kernels reach the per-repeat sum only through the shim.
    kernels = "".join(p.read_text() for p in (ROOT / "op_kernel").glob("*.h") if p.name != "bce_with_logits_reduce_compat.h")
    assert "ReduceRepeat<" not in kernels and "WholeReduceSum<" not in kernels
