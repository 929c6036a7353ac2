# Shared by the A2 builds (cmake/npu, cmake/mindspore_ascend): the SoC check, the CANN toolkit's
# ascendc.cmake, and bce_add_kernels(<target>), the static library of both Ascend C kernels with
# their generated launch functions aclrtlaunch_<kernel>() and headers aclrtlaunch_<kernel>.h.
# Expects BCE_ROOT (the repository root).
set(SOC_VERSION "Ascend910B1" CACHE STRING "SoC the kernels are compiled for (Ascend910B1..Ascend910B4)")
set(RUN_MODE "npu" CACHE STRING "ascendc_library run mode: npu, or sim (CANN's camodel simulator, cmake/cann_sim)")
if(NOT RUN_MODE MATCHES "^(npu|sim)$")
  message(FATAL_ERROR "RUN_MODE=${RUN_MODE}: use npu or sim")
endif()
if(NOT CMAKE_BUILD_TYPE)
  set(CMAKE_BUILD_TYPE Release CACHE STRING "Build type" FORCE)
endif()
set(CMAKE_POSITION_INDEPENDENT_CODE ON)

# Only A2: the kernels' UB plan, vector-core presets and SyncAll use are made for dav-2201.
set(BCE_A2_SOCS Ascend910B1 Ascend910B2 Ascend910B3 Ascend910B4)
if(NOT SOC_VERSION IN_LIST BCE_A2_SOCS)
  message(FATAL_ERROR "SOC_VERSION=${SOC_VERSION} is not an Atlas A2 SoC; use one of: ${BCE_A2_SOCS}")
endif()

include("${CMAKE_CURRENT_LIST_DIR}/cann_package_path.cmake")
bce_find_cann_package_path()

# ascendc.cmake lives in compiler/tikcpp/ascendc_kernel_cmake (CANN 8.x) or tools/tikcpp/ascendc_kernel_cmake
# (earlier layouts), as in CANN's own kernel-launch samples.
if(EXISTS "${ASCEND_CANN_PACKAGE_PATH}/compiler/tikcpp/ascendc_kernel_cmake")
  set(ASCENDC_CMAKE_DIR "${ASCEND_CANN_PACKAGE_PATH}/compiler/tikcpp/ascendc_kernel_cmake")
elseif(EXISTS "${ASCEND_CANN_PACKAGE_PATH}/tools/tikcpp/ascendc_kernel_cmake")
  set(ASCENDC_CMAKE_DIR "${ASCEND_CANN_PACKAGE_PATH}/tools/tikcpp/ascendc_kernel_cmake")
else()
  message(FATAL_ERROR "ascendc_kernel_cmake not found under ${ASCEND_CANN_PACKAGE_PATH}; "
                      "is the CANN toolkit installed there?")
endif()
include("${ASCENDC_CMAKE_DIR}/ascendc.cmake")

# One static library with both kernels; ascendc_library() names each generated launch header
# after the kernel (exported through the target's INTERFACE include directories).
function(bce_add_kernels target)
  ascendc_library(${target} STATIC
    "${BCE_ROOT}/op_kernel/bce_with_logits.cpp"
    "${BCE_ROOT}/op_kernel/bce_with_logits_grad.cpp"
  )
  # op_kernel/ only: op_host/ has a bce_with_logits_tiling.h of its own.
  ascendc_include_directories(${target} PRIVATE "${BCE_ROOT}/op_kernel")
  # The forward calls AscendC::GetUserWorkspace(workspace), which on A2 returns the *system*
  # workspace pointer + 16 MiB and ignores its argument. In kernel-launch style nothing sets that
  # pointer unless the generated wrapper does: HAVE_WORKSPACE makes it call
  # SetSysWorkspaceForce(<workspace argument>), and HAVE_TILING says the workspace is the
  # second-to-last kernel argument (the tiling pointer is the last). The host then passes
  # 16 MiB + the user bytes (see LaunchWorkspaceBytes in op_host/cann/npu_request.h).
  # BCE_BATCH_SCHEDULE: the forward's SyncAll needs batch scheduling, which a kernel-launch
  # kernel requests with the __schedmode__(1) qualifier (asc-devkit SIMD built-in keywords).
  ascendc_compile_definitions(${target} PRIVATE HAVE_WORKSPACE HAVE_TILING
                              "BCE_BATCH_SCHEDULE=__schedmode__(1)")
  # ReduceRepeat exists from CANN 9.1.0 on (9.0.0 and before: WholeReduceSum, op_kernel/bce_with_logits_reduce_compat.h):
  # the toolkit's reduce interface header says which name it has.
  file(GLOB_RECURSE BCE_REDUCE_INTF "${ASCEND_CANN_PACKAGE_PATH}/*/kernel_operator_vec_reduce_intf.h")
  set(BCE_HAS_REDUCE_REPEAT FALSE)
  foreach(header IN LISTS BCE_REDUCE_INTF)
    file(STRINGS "${header}" declared REGEX "void ReduceRepeat\\(")
    if(declared)
      set(BCE_HAS_REDUCE_REPEAT TRUE)
    endif()
  endforeach()
  if(BCE_REDUCE_INTF AND NOT BCE_HAS_REDUCE_REPEAT)
    ascendc_compile_definitions(${target} PRIVATE BCE_ASCENDC_WHOLE_REDUCE_SUM)
  endif()
endfunction()
