"""A stub CANN toolkit for configuring the A2 CMake projects on machines without CANN: its
ascendc.cmake defines ascendc_library() and friends as functions that only report their arguments."""
from __future__ import annotations

import re
from pathlib import Path

STUB_ASCENDC_CMAKE = """
function(ascendc_library target_name target_type)
  add_library(${target_name} INTERFACE)
  message(STATUS "STUB ascendc_library ${target_name} ${target_type} ${ARGN}")
endfunction()
function(ascendc_include_directories target_name scope)
  message(STATUS "STUB ascendc_include_directories ${ARGN}")
endfunction()
function(ascendc_compile_definitions target_name scope)
  message(STATUS "STUB ascendc_compile_definitions ${ARGN}")
endfunction()
"""


def make_stub_cann(root: Path) -> Path:
    """A CANN package directory under `root` with the CANN 8.x layout of ascendc.cmake."""
    cmake_dir = root / "cann" / "compiler" / "tikcpp" / "ascendc_kernel_cmake"
    cmake_dir.mkdir(parents=True)
    (cmake_dir / "ascendc.cmake").write_text(STUB_ASCENDC_CMAKE)
    return root / "cann"


def kernel_params(path: Path) -> tuple[str, list[str]]:
    """The name and parameter names of the Ascend C kernel entry in `path` (the forward's carries
    the BCE_BATCH_SCHEDULE qualifier)."""
    match = re.search(r'extern "C" (?:BCE_BATCH_SCHEDULE )?__global__ __aicore__ void (\w+)\(([^)]*)\)',
                      path.read_text())
    assert match, f"no kernel entry in {path}"
    return match.group(1), [p.split()[-1] for p in match.group(2).split(",")]
