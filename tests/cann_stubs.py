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


# What the adapters take from CANN's acl_base.h / acl_rt.h, as documented: aclrtStream is `void *`,
# `const char *aclrtGetSocName()`, `aclError aclrtGetDeviceInfo(uint32_t, aclrtDevAttr, int64_t *)`
# (ACL_DEV_ATTR_VECTOR_CORE_NUM = 201), `aclError aclrtGetStreamResLimit(aclrtStream,
# aclrtDevResLimitType, uint32_t *)`.
ACL_RUNTIME_STUB = """
    #pragma once
    #include <cstdint>
    typedef void* aclrtStream;
    extern "C" const char* aclrtGetSocName();
    typedef int aclError;
    #define ACL_SUCCESS 0
    typedef enum { ACL_DEV_ATTR_AICPU_CORE_NUM = 1, ACL_DEV_ATTR_AICORE_CORE_NUM = 101,
                   ACL_DEV_ATTR_VECTOR_CORE_NUM = 201 } aclrtDevAttr;
    extern "C" aclError aclrtGetDevice(int32_t* deviceId);
    extern "C" aclError aclrtGetDeviceInfo(uint32_t deviceId, aclrtDevAttr attr, int64_t* value);
    typedef enum { ACL_RT_DEV_RES_CUBE_CORE = 0, ACL_RT_DEV_RES_VECTOR_CORE } aclrtDevResLimitType;
    extern "C" aclError aclrtGetStreamResLimit(aclrtStream stream, aclrtDevResLimitType type, uint32_t* value);
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
