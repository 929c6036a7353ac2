#!/usr/bin/env bash
# Builds and runs the A2 Exp/Ln accuracy check, then prints its report (NPU, or cpu_sim with --sim).
set -euo pipefail

usage() {
    cat <<'EOF'
Usage: scripts/a2_exp_ln_check/run.sh [--sim] [--sim-mode MODE] [--dtype float32|float16|all]
                                      [--soc SOC] [--device N] [--build-dir DIR] [--seed S]
                                      [--python PY] [--clean]

Measures AscendC::Exp and AscendC::Ln against float64 on a fixed grid (see README.md) and
prints one report per dtype. Results are also saved under <build-dir>/results/.

Options:
  --sim            build and run against cpu_sim with g++ (no CANN, no NPU needed)
  --sim-mode MODE  cpu_sim error model: exact (default), ulp:K, ln-abs[:E]
  --dtype D        float32, float16 or all (default: all)
  --soc SOC        NPU build: Ascend910B1 (default), Ascend910B2, Ascend910B3, Ascend910B4
  --device N       NPU to run on (default: 0)
  --build-dir DIR  build directory (default: <repo>/build/a2_exp_ln_check[_sim])
  --seed S         seed of the random grid points (default: 0)
  --python PY      Python interpreter with NumPy (default: $PYTHON or python3)
  --clean          remove the build directory first
  -h, --help       show this help

Environment (NPU): ASCEND_HOME_PATH (set by CANN's set_env.sh) or ASCEND_CANN_PACKAGE_PATH.
EOF
}

die() {
    echo "run.sh: $1" >&2
    exit "${2:-2}"
}

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
SIM=0
SIM_MODE="exact"
DTYPES="all"
SOC="Ascend910B1"
DEVICE=0
BUILD_DIR=""
SEED=0
PYTHON_BIN="${PYTHON:-python3}"
CLEAN=0

while [[ $# -gt 0 ]]; do
    case "$1" in
        -h | --help) usage; exit 0 ;;
        --sim) SIM=1; shift ;;
        --clean) CLEAN=1; shift ;;
        --sim-mode | --dtype | --soc | --device | --build-dir | --seed | --python)
            [[ $# -ge 2 ]] || die "$1 needs a value"
            case "$1" in
                --sim-mode) SIM_MODE="$2" ;;
                --dtype) DTYPES="$2" ;;
                --soc) SOC="$2" ;;
                --device) DEVICE="$2" ;;
                --build-dir) BUILD_DIR="$2" ;;
                --seed) SEED="$2" ;;
                --python) PYTHON_BIN="$2" ;;
            esac
            shift 2
            ;;
        *) usage >&2; die "unknown argument '$1'" ;;
    esac
done

case "$DTYPES" in
    all) DTYPES="float32 float16" ;;
    float32 | float16) ;;
    *) die "--dtype must be float32, float16 or all, got '$DTYPES'" ;;
esac
[[ "$SIM" -eq 1 || "$SIM_MODE" == "exact" ]] || die "--sim-mode only applies with --sim"
command -v "$PYTHON_BIN" >/dev/null 2>&1 || die "Python interpreter '$PYTHON_BIN' not found (use --python)"
"$PYTHON_BIN" -c 'import numpy' 2>/dev/null || die "'$PYTHON_BIN' cannot import numpy"

if [[ -z "$BUILD_DIR" ]]; then
    BUILD_DIR="$ROOT/build/a2_exp_ln_check"
    if [[ "$SIM" -eq 1 ]]; then
        BUILD_DIR="${BUILD_DIR}_sim"
    fi
fi
if [[ "$CLEAN" -eq 1 ]]; then
    rm -rf "$BUILD_DIR"
fi
mkdir -p "$BUILD_DIR"
BIN="$BUILD_DIR/exp_ln_check"

build_sim() {
    if command -v cmake >/dev/null 2>&1; then
        cmake -S "$HERE" -B "$BUILD_DIR" -DRUN_MODE=cpu_sim -DCMAKE_CXX_COMPILER=g++ >/dev/null
        cmake --build "$BUILD_DIR" -j "$(nproc 2>/dev/null || echo 4)" >/dev/null
    else  # the same build without CMake
        command -v g++ >/dev/null 2>&1 || die "--sim needs g++ (or cmake with a C++17 compiler)"
        g++ -O1 -std=c++17 -I"$HERE" -I"$ROOT/cpu_sim/include" "$HERE/main.cpp" "$HERE/exp_ln_kernel.cpp" \
            "$ROOT"/cpu_sim/src/*.cpp -lpthread -o "$BIN"
    fi
}

build_npu() {
    case "$SOC" in
        Ascend910B1 | Ascend910B2 | Ascend910B3 | Ascend910B4) ;;
        *) die "--soc $SOC is not an Atlas A2 SoC (Ascend910B1..Ascend910B4)" ;;
    esac
    local cann="${ASCEND_CANN_PACKAGE_PATH:-${ASCEND_HOME_PATH:-}}"
    [[ -n "$cann" ]] || die "neither ASCEND_HOME_PATH nor ASCEND_CANN_PACKAGE_PATH is set; run
'source /usr/local/Ascend/ascend-toolkit/set_env.sh' first (or use --sim)"
    [[ -d "$cann" ]] || die "CANN directory '$cann' does not exist"
    command -v cmake >/dev/null 2>&1 || die "cmake is not on PATH"
    echo "run.sh: SOC_VERSION=$SOC CANN=$cann"
    cmake -S "$HERE" -B "$BUILD_DIR" -DRUN_MODE=npu -DSOC_VERSION="$SOC" -DASCEND_CANN_PACKAGE_PATH="$cann" \
        -DCMAKE_BUILD_TYPE=Release
    cmake --build "$BUILD_DIR" -j "$(nproc 2>/dev/null || echo 4)"
    # Context for whoever reads the numbers: toolkit version and the device.
    {
        echo "soc: $SOC  device: $DEVICE  cann: $cann"
        for info in "$cann"/*/ascend_toolkit_install.info "$cann"/version.cfg; do
            if [[ -f "$info" ]]; then
                echo "== $info"
                cat "$info"
            fi
        done
        if command -v npu-smi >/dev/null 2>&1; then
            npu-smi info
        fi
    } >"$RESULTS/environment.txt" 2>&1 || true
}

RESULTS="$BUILD_DIR/results"
mkdir -p "$RESULTS"
if [[ "$SIM" -eq 1 ]]; then
    build_sim
    RUN_ARGS=(--sim-mode "$SIM_MODE" --seed "$SEED")
else
    build_npu
    RUN_ARGS=(--device "$DEVICE")
fi
[[ -x "$BIN" ]] || die "build finished but $BIN is missing" 1

for dtype in $DTYPES; do
    "$PYTHON_BIN" "$HERE/grid.py" gen --dtype "$dtype" --dir "$RESULTS" --seed "$SEED"
    "$BIN" --dtype "$dtype" --input "$RESULTS/x_$dtype.bin" --exp-out "$RESULTS/exp_$dtype.bin" \
        --ln-out "$RESULTS/ln_$dtype.bin" "${RUN_ARGS[@]}"
    "$PYTHON_BIN" "$HERE/grid.py" report --dtype "$dtype" --dir "$RESULTS" --seed "$SEED" \
        --json "$RESULTS/summary_$dtype.json" | tee "$RESULTS/report_$dtype.txt"
    echo
done
echo "run.sh: reports and summaries in $RESULTS"
