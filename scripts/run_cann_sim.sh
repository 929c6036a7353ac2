#!/usr/bin/env bash
# Runs the bce_with_logits kernels on CANN's camodel simulator (Atlas A2, dav-2201) for a fixed
# list of cases and compares every result with the float64 reference; exits 1 on a mismatch.
set -euo pipefail

usage() {
    cat <<'EOF_USAGE'
Usage: scripts/run_cann_sim.sh [--soc SOC] [--build-dir DIR] [--cases a,b] [--jobs N] [--python PY]
                               [--list] [--dry-run]

Builds cmake/cann_sim (both kernels with ascendc_library in RUN_MODE=sim, linked against CANN's
camodel runtime, and scripts/cann_sim/launcher.cpp), writes the cases' inputs
(scripts/cann_sim/golden.py gen), runs the launcher on each case in the simulator, and compares
every output with the float64 reference (golden.py compare).

Options:
  --soc SOC        simulated SoC: Ascend910B1 (default) .. Ascend910B4
  --build-dir DIR  build directory (default: <repo>/build/cann_sim)
  --cases a,b      only these cases (default: all; see --list)
  --jobs N         parallel build jobs (default: number of CPUs)
  --python PY      Python with numpy and ml_dtypes (default: $PYTHON or python3)
  --list           print the case names and exit
  --dry-run        print the commands instead of running them (also ASCEND_BCE_NPU_DRY_RUN=1)
  -h, --help       show this help

Environment: ASCEND_HOME_PATH (CANN's set_env.sh) with the simulator installed under
$ASCEND_HOME_PATH/tools/simulator/<SOC>/lib.
Exit status: 0 all cases match, 1 a mismatch or a failed run, 2 a usage or setup error.
EOF_USAGE
}

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=lib_cann.sh
source "$ROOT/scripts/lib_cann.sh"
SOC="Ascend910B1"
BUILD_DIR="$ROOT/build/cann_sim"
CASES=""
JOBS="$(default_jobs)"
PYTHON_BIN="${PYTHON:-python3}"
LIST=0
DRY_RUN="${ASCEND_BCE_NPU_DRY_RUN:-0}"

while [[ $# -gt 0 ]]; do
    case "$1" in
        -h | --help)
            usage
            exit 0
            ;;
        --soc | --build-dir | --cases | --jobs | --python)
            set_option_value "$@"
            shift 2
            ;;
        --list)
            LIST=1
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

require_a2_soc "$SOC"
require_positive_jobs "$JOBS"
require_dry_run_flag "$DRY_RUN"

GOLDEN=("$PYTHON_BIN" "$ROOT/scripts/cann_sim/golden.py")
CASE_ARGS=()
[[ -z "$CASES" ]] || CASE_ARGS=(--cases "$CASES")

if [[ "$LIST" -eq 1 ]]; then
    exec "${GOLDEN[@]}" list "${CASE_ARGS[@]}"
fi

[[ -n "${ASCEND_HOME_PATH:-}" ]] || die "ASCEND_HOME_PATH is not set; run 'source <CANN>/set_env.sh' first"
[[ -d "$ASCEND_HOME_PATH" ]] || die "CANN directory '$ASCEND_HOME_PATH' does not exist"
# The legacy kernel-launch layout names the simulator folder after the SoC, the ASC one after the
# architecture (asc-devkit cmake/asc/legacy_modules/function.cmake, CMakeASCInformation.cmake).
SIM_LIB=""
for candidate in "$ASCEND_HOME_PATH/tools/simulator/$SOC/lib" "$ASCEND_HOME_PATH/tools/simulator/dav_2201/lib"; do
    if [[ -d "$candidate" ]]; then
        SIM_LIB="$candidate"
        break
    fi
done
[[ -n "$SIM_LIB" ]] || die "no simulator under $ASCEND_HOME_PATH/tools/simulator/{$SOC,dav_2201}/lib (install CANN's simulator)"

CASE_DIR="$BUILD_DIR/cases"
run cmake -S "$ROOT/cmake/cann_sim" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release \
    -DASCEND_CANN_PACKAGE_PATH="$ASCEND_HOME_PATH" -DSOC_VERSION="$SOC" -DRUN_MODE=sim
run cmake --build "$BUILD_DIR" -j "$JOBS"
run "${GOLDEN[@]}" gen --out "$CASE_DIR" "${CASE_ARGS[@]}"

mapfile -t NAMES < <("${GOLDEN[@]}" list "${CASE_ARGS[@]}")
[[ ${#NAMES[@]} -gt 0 ]] || die "no cases selected"
FAILED_RUNS=0
for name in "${NAMES[@]}"; do
    if ! run env LD_LIBRARY_PATH="$SIM_LIB${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
        "$BUILD_DIR/bce_cann_sim_launcher" "$CASE_DIR/$name" "$SOC"; then
        echo "run_cann_sim.sh: the launcher failed on $name" >&2
        FAILED_RUNS=$((FAILED_RUNS + 1))
    fi
done

status=0
run "${GOLDEN[@]}" compare --out "$CASE_DIR" "${CASE_ARGS[@]}" || status=1
[[ "$FAILED_RUNS" -eq 0 ]] || status=1
exit "$status"
