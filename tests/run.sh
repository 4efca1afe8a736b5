#!/usr/bin/env bash
# run.sh — build nash with warnings as errors and run every test (the README's test command).
#
#   bash tests/run.sh            (from any directory; needs cluster/install-deps.sh done first)
#
# Configures build/ at the repository root with -DNASH_WERROR=ON, builds with two jobs and runs
# all CTest tests with one OpenBLAS thread. Exits non-zero on a build error or any failed test,
# and when no test at all was found.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD="$ROOT/build"

cmake -S "$ROOT" -B "$BUILD" -DNASH_WERROR=ON -DNASH_SANITIZE=OFF
cmake --build "$BUILD" -j2
cd "$BUILD"
OPENBLAS_NUM_THREADS=1 ctest --output-on-failure --no-tests=error -j2
