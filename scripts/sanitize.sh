#!/usr/bin/env bash
# Builds ascend_bce._C with AddressSanitizer + UndefinedBehaviorSanitizer and runs the forged-tiling
# fuzz and the robustness tests against it (pass other pytest arguments to run more, e.g. `tests`).
# Usage: scripts/sanitize.sh [pytest args...]   (from the repository root; needs g++ with libasan)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="${BUILD_DIR:-$ROOT/build-asan}"
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g"
cmake -S "$ROOT" -B "$BUILD" -DBUILD_PYTHON_EXTENSION=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS="$SAN" -DCMAKE_MODULE_LINKER_FLAGS="$SAN" -DCMAKE_SHARED_LINKER_FLAGS="$SAN" \
  -Dpybind11_DIR="$(python -m pybind11 --cmakedir)" >/dev/null
cmake --build "$BUILD" -j"$(nproc)" >/dev/null
# A private copy of the package with the sanitized extension, so the normal build stays untouched.
PKG="$(mktemp -d)"
trap 'rm -rf "$PKG"' EXIT
cp -r "$ROOT/python/ascend_bce" "$PKG/"
cp "$BUILD"/_C*.so "$PKG/ascend_bce/"
# Python itself is not instrumented: the runtimes are preloaded; leak checking is off (CPython
# keeps allocations until exit), any other report aborts the run with a non-zero status.
export LD_PRELOAD="$(g++ -print-file-name=libasan.so) $(g++ -print-file-name=libubsan.so)"
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:allocator_may_return_null=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
cd "$ROOT"
if [ "$#" -eq 0 ]; then
  set -- tests/test_bce_with_logits_validate.py tests/test_bce_with_logits_robustness.py
fi
PYTHONPATH="$PKG" python -m pytest -q -p no:cacheprovider "$@"
