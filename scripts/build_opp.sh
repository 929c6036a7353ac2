#!/usr/bin/env bash
# Builds the CANN operator package of ascend_bce (cmake/opp) into an installable .run, and
# optionally installs it.
set -euo pipefail

usage() {
    cat <<'EOF_USAGE'
Usage: scripts/build_opp.sh [--build-dir DIR] [--jobs N] [--install-path DIR] [--clean] [--dry-run]

Builds the CANN custom operator package of ascend_bce (vendor "ascend_bce", Atlas A2 / ascend910b):
OpTypes BceWithLogits and BceWithLogitsGrad, their generated aclnnBceWithLogits* API
(op_api/lib/libcust_opapi.so), tiling library, op proto and kernel binaries, packed as
<build-dir>/custom_opp_<os>_<arch>.run (cmake/opp/CMakeLists.txt).

Options:
  --build-dir DIR     build directory (default: <repo>/build/opp)
  --jobs N            parallel build jobs (default: number of CPUs)
  --install-path DIR  after the build, install the package into DIR/vendors/ascend_bce
                      (then: source DIR/vendors/ascend_bce/bin/set_env.bash). Without it the .run
                      is only built; run it without arguments to install into $ASCEND_OPP_PATH.
  --clean             remove the build directory first
  --dry-run           print the commands instead of running them (also ASCEND_BCE_NPU_DRY_RUN=1)
  -h, --help          show this help

Environment:
  ASCEND_HOME_PATH or ASCEND_CANN_PACKAGE_PATH must point to the CANN toolkit
  (e.g. /usr/local/Ascend/ascend-toolkit/latest); CANN's set_env.sh sets ASCEND_HOME_PATH.
EOF_USAGE
}

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=lib_cann.sh
source "$ROOT/scripts/lib_cann.sh"
BUILD_DIR="$ROOT/build/opp"
JOBS="$(default_jobs)"
INSTALL_PATH=""
CLEAN=0
DRY_RUN="${ASCEND_BCE_NPU_DRY_RUN:-0}"

while [[ $# -gt 0 ]]; do
    case "$1" in
        -h | --help)
            usage
            exit 0
            ;;
        --build-dir | --jobs | --install-path)
            set_option_value "$@"
            shift 2
            ;;
        --clean)
            CLEAN=1
            shift
            ;;
        --dry-run)
            DRY_RUN=1
            shift
            ;;
        *)
            usage >&2
            die "unknown argument '$1'"
            ;;
    esac
done

# The .run's installer takes only absolute paths.
if [[ -n "$INSTALL_PATH" && "$INSTALL_PATH" != /* ]]; then
    INSTALL_PATH="$PWD/$INSTALL_PATH"
fi
require_positive_jobs "$JOBS"
require_dry_run_flag "$DRY_RUN"

CANN_PATH="$(cann_toolkit_path)"
ASC_CMAKE_DIR="$CANN_PATH/compiler/tikcpp/ascendc_kernel_cmake"
[[ -d "$ASC_CMAKE_DIR" ]] || die "'$ASC_CMAKE_DIR' is missing: this CANN has no ASC CMake modules (npu_op_package)"

# A dry run only prints commands: it needs none of the toolkit's environment.
[[ "$DRY_RUN" == 1 ]] || source_cann_set_env "$CANN_PATH"

command -v cmake >/dev/null 2>&1 || die "cmake is not on PATH"

if [[ "$CLEAN" -eq 1 ]]; then
    run rm -rf "$BUILD_DIR"
fi

echo "build_opp.sh: CANN=$CANN_PATH build=$BUILD_DIR"
run cmake -S "$ROOT/cmake/opp" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DASCEND_CANN_PACKAGE_PATH="$CANN_PATH"
run cmake --build "$BUILD_DIR" --target binary package -j "$JOBS"

if [[ "$DRY_RUN" == 1 ]]; then
    RUN_PACKAGE="$BUILD_DIR/custom_opp_$(uname -s | tr '[:upper:]' '[:lower:]')_$(uname -m).run"
else
    shopt -s nullglob
    packages=("$BUILD_DIR"/custom_opp_*.run)
    shopt -u nullglob
    [[ ${#packages[@]} -eq 1 ]] || die "expected one custom_opp_*.run in $BUILD_DIR, found ${#packages[@]}" 1
    RUN_PACKAGE="${packages[0]}"
    echo "build_opp.sh: built $RUN_PACKAGE"
fi

if [[ -n "$INSTALL_PATH" ]]; then
    run mkdir -p "$INSTALL_PATH"
    run bash "$RUN_PACKAGE" --quiet --install-path="$INSTALL_PATH"
    if [[ "$DRY_RUN" == 0 ]]; then
        echo "build_opp.sh: installed into $INSTALL_PATH/vendors/ascend_bce"
        echo "build_opp.sh: before use: source $INSTALL_PATH/vendors/ascend_bce/bin/set_env.bash"
    fi
else
    echo "build_opp.sh: install with: bash $RUN_PACKAGE [--install-path=<dir>]"
fi
