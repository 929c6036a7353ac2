#!/usr/bin/env bash
# Builds libascend_bce_npu.so (Atlas A2 kernels + torch_npu adapter) from cmake/npu into build/npu.
set -euo pipefail

usage() {
    cat <<'EOF'
Usage: scripts/build_npu.sh [--soc SOC] [--build-dir DIR] [--jobs N] [--python PY] [--clean]

Builds the Ascend C kernels of ascend_bce for an Atlas A2 NPU and the torch_npu adapter into
one shared library, libascend_bce_npu.so (kernel-launch style, cmake/npu/CMakeLists.txt).

Options:
  --soc SOC        SoC to compile for: Ascend910B1 (default), Ascend910B2, Ascend910B3, Ascend910B4
  --build-dir DIR  build directory (default: <repo>/build/npu)
  --jobs N         parallel build jobs (default: number of CPUs)
  --python PY      Python interpreter with torch and torch_npu (default: $PYTHON or python3)
  --clean          remove the build directory first
  -h, --help       show this help

Environment:
  ASCEND_HOME_PATH or ASCEND_CANN_PACKAGE_PATH must point to the CANN toolkit
  (e.g. /usr/local/Ascend/ascend-toolkit/latest); CANN's set_env.sh sets ASCEND_HOME_PATH.
After the build: export ASCEND_BCE_NPU_LIB=<printed path> (or ascend_bce.torch.load_npu_library(path)).
EOF
}

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=lib_cann.sh
source "$ROOT/scripts/lib_cann.sh"
SOC="Ascend910B1"
BUILD_DIR="$ROOT/build/npu"
JOBS="$(default_jobs)"
PYTHON_BIN="${PYTHON:-python3}"
CLEAN=0

while [[ $# -gt 0 ]]; do
    case "$1" in
        -h | --help)
            usage
            exit 0
            ;;
        --soc=*)
            SOC="${1#*=}"
            shift
            ;;
        --soc | --build-dir | --jobs | --python)
            set_option_value "$@"
            shift 2
            ;;
        --clean)
            CLEAN=1
            shift
            ;;
        *)
            usage >&2
            die "unknown argument '$1'"
            ;;
    esac
done

require_a2_soc "$SOC"
require_positive_jobs "$JOBS"

CANN_PATH="$(cann_toolkit_path)"
source_cann_set_env "$CANN_PATH"

command -v cmake >/dev/null 2>&1 || die "cmake is not on PATH"
command -v "$PYTHON_BIN" >/dev/null 2>&1 || die "Python interpreter '$PYTHON_BIN' not found (use --python)"

# torch's CMake package directory and torch_npu's install directory, from the same interpreter
# that will load the library.
if ! TORCH_PATHS="$("$PYTHON_BIN" -c 'import os, torch, torch_npu, torch.utils
print(os.path.join(torch.utils.cmake_prefix_path, "Torch"))
print(os.path.dirname(torch_npu.__file__))')"; then
    die "'$PYTHON_BIN' cannot import torch and torch_npu (pip install torch torch_npu matching CANN)"
fi
TORCH_DIR="$(sed -n 1p <<<"$TORCH_PATHS")"
TORCH_NPU_PATH="$(sed -n 2p <<<"$TORCH_PATHS")"

if [[ "$CLEAN" -eq 1 ]]; then
    rm -rf "$BUILD_DIR"
fi

echo "build_npu.sh: SOC_VERSION=$SOC CANN=$CANN_PATH"
echo "build_npu.sh: Torch_DIR=$TORCH_DIR TORCH_NPU_PATH=$TORCH_NPU_PATH"
cmake -S "$ROOT/cmake/npu" -B "$BUILD_DIR" \
    -DCMAKE_BUILD_TYPE=Release \
    -DSOC_VERSION="$SOC" \
    -DASCEND_CANN_PACKAGE_PATH="$CANN_PATH" \
    -DTorch_DIR="$TORCH_DIR" \
    -DTORCH_NPU_PATH="$TORCH_NPU_PATH"
cmake --build "$BUILD_DIR" -j "$JOBS"

LIB="$BUILD_DIR/lib/libascend_bce_npu.so"
[[ -f "$LIB" ]] || die "build finished but $LIB is missing" 1
echo "build_npu.sh: built $LIB"
echo "build_npu.sh: use it with: export ASCEND_BCE_NPU_LIB=$LIB"
