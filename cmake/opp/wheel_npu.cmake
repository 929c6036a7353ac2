# The NPU branch of `pip install .` (included by the top-level CMakeLists.txt when the CANN
# environment is set: $ASCEND_HOME_PATH or $ASCEND_CANN_PACKAGE_PATH, as CANN's set_env.sh sets).
# Builds, next to the CPU extension:
#   1. the op package (scripts/build_opp.sh), installed into <build>/npu/opp_install, whose
#      vendors/ascend_bce goes into the wheel as ascend_bce/_opp/vendors/ascend_bce (found at
#      import by ascend_bce.opp);
#   2. when the build's Python imports torch_npu: the torch_npu kernel-launch adapter
#      (scripts/build_npu.sh), installed as ascend_bce/libascend_bce_npu.so, where
#      ascend_bce.torch.load_npu_library() looks.
# ASCEND_BCE_NPU_DRY_RUN=1 prints these commands (at configure time, and when the target runs:
# build_opp.sh --dry-run then prints its own cmake and install commands) instead of running them,
# and installs nothing: what CI checks without CANN.
# Expects Python_EXECUTABLE.
get_filename_component(BCE_ROOT "${CMAKE_CURRENT_LIST_DIR}/../.." ABSOLUTE)
set(BCE_NPU_DIR "${CMAKE_BINARY_DIR}/npu")
set(BCE_OPP_INSTALL "${BCE_NPU_DIR}/opp_install")
set(BCE_NPU_SOC "Ascend910B1" CACHE STRING "SoC of the torch_npu kernel-launch adapter (Ascend910B1..B4)")
if(DEFINED ENV{ASCEND_BCE_SOC})
  set(BCE_NPU_SOC "$ENV{ASCEND_BCE_SOC}")
endif()
set(BCE_NPU_DRY_RUN OFF)
if("$ENV{ASCEND_BCE_NPU_DRY_RUN}" STREQUAL "1")
  set(BCE_NPU_DRY_RUN ON)
endif()

set(BCE_NPU_STEP_OPP bash "${BCE_ROOT}/scripts/build_opp.sh" --build-dir "${BCE_NPU_DIR}/opp"
                     --install-path "${BCE_OPP_INSTALL}")
set(BCE_NPU_STEPS BCE_NPU_STEP_OPP)

execute_process(COMMAND "${Python_EXECUTABLE}" -c "import torch_npu"
                RESULT_VARIABLE _bce_no_torch_npu OUTPUT_QUIET ERROR_QUIET)
if(_bce_no_torch_npu EQUAL 0)
  set(BCE_NPU_STEP_TORCH bash "${BCE_ROOT}/scripts/build_npu.sh" --soc "${BCE_NPU_SOC}"
                         --build-dir "${BCE_NPU_DIR}/torch" --python "${Python_EXECUTABLE}")
  list(APPEND BCE_NPU_STEPS BCE_NPU_STEP_TORCH)
else()
  message(STATUS "ascend_bce NPU: ${Python_EXECUTABLE} cannot import torch_npu: no torch_npu adapter "
                 "(the op package's aclnn API still serves torch_npu and MindSpore)")
endif()

set(_bce_commands)
foreach(step IN LISTS BCE_NPU_STEPS)
  list(JOIN ${step} " " _bce_line)
  if(BCE_NPU_DRY_RUN)
    message(STATUS "ascend_bce NPU (dry run): ${_bce_line}")
    list(APPEND _bce_commands COMMAND "${CMAKE_COMMAND}" -E echo "ascend_bce NPU (dry run): ${_bce_line}")
    if(step STREQUAL "BCE_NPU_STEP_OPP")
      list(APPEND _bce_commands COMMAND ${${step}} --dry-run)
    endif()
  else()
    message(STATUS "ascend_bce NPU: ${_bce_line}")
    list(APPEND _bce_commands COMMAND ${${step}})
  endif()
endforeach()
add_custom_target(ascend_bce_npu_parts ALL ${_bce_commands} WORKING_DIRECTORY "${BCE_ROOT}" VERBATIM)

if(NOT BCE_NPU_DRY_RUN)
  install(DIRECTORY "${BCE_OPP_INSTALL}/vendors/ascend_bce" DESTINATION ascend_bce/_opp/vendors
          USE_SOURCE_PERMISSIONS)
  if(BCE_NPU_STEP_TORCH)
    install(FILES "${BCE_NPU_DIR}/torch/lib/libascend_bce_npu.so" DESTINATION ascend_bce)
  endif()
endif()
