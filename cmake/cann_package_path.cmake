# bce_find_cann_package_path(): where the CANN toolkit is, for every CANN build (cmake/opp and,
# through cmake/ascend_kernels.cmake, the kernel-launch builds). A macro, so that the cache entry
# and the variable it sets are the caller's.
# CANN location: -DASCEND_CANN_PACKAGE_PATH, else $ASCEND_CANN_PACKAGE_PATH, else $ASCEND_HOME_PATH
# (set by CANN's set_env.sh).
macro(bce_find_cann_package_path)
  if(NOT ASCEND_CANN_PACKAGE_PATH)
    if(DEFINED ENV{ASCEND_CANN_PACKAGE_PATH})
      set(ASCEND_CANN_PACKAGE_PATH "$ENV{ASCEND_CANN_PACKAGE_PATH}")
    elseif(DEFINED ENV{ASCEND_HOME_PATH})
      set(ASCEND_CANN_PACKAGE_PATH "$ENV{ASCEND_HOME_PATH}")
    else()
      message(FATAL_ERROR "Set ASCEND_CANN_PACKAGE_PATH or ASCEND_HOME_PATH (source <CANN>/set_env.sh)")
    endif()
  endif()
  set(ASCEND_CANN_PACKAGE_PATH "${ASCEND_CANN_PACKAGE_PATH}" CACHE PATH "CANN toolkit installation directory")
endmacro()
