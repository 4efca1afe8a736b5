#!/usr/bin/env bash
# Runs the whole CTest suite once under each OpenBLAS kernel that this OpenBLAS has and this CPU
# can run, and prints one line per kernel: passed and failed counts, and the failed tests' names.
#   bash tests/long/suite-per-kernel.sh [BUILD] [KERNEL...]
# BUILD defaults to build/ (configured and built already, e.g. by tests/run.sh). The kernels
# default to Prescott, Haswell, SkylakeX and Cooperlake, skipping any the CPU cannot run.
# OPENBLAS_CORETYPE is set here on purpose: this script is the one place that forces a kernel,
# to show the suite does not depend on which one nash runs (the default suite never sets it).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
shift || true
KERNELS=("$@")
[ ${#KERNELS[@]} -gt 0 ] || KERNELS=(Prescott Haswell SkylakeX Cooperlake)

flags=$(grep -m1 '^flags' /proc/cpuinfo)
can_run() {
    case $1 in
    Prescott) true ;;
    Haswell | Zen) [[ $flags == *" avx2 "* && $flags == *" fma "* ]] ;;
    SkylakeX) [[ $flags == *" avx512f "* && $flags == *" avx512bw "* && $flags == *" avx512vl "* ]] ;;
    Cooperlake) [[ $flags == *" avx512f "* && $flags == *" avx512_bf16 "* ]] ;;
    *) return 1 ;;
    esac
}

printf 'CPU: %s\n' "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
for kernel in "${KERNELS[@]}"; do
    if ! can_run "$kernel"; then
        printf '%-11s skipped: this CPU cannot run it\n' "$kernel"
        continue
    fi
    log="$BUILD/suite-$kernel.log"
    start=$SECONDS
    rc=0
    (cd "$BUILD" && OPENBLAS_CORETYPE=$kernel OPENBLAS_NUM_THREADS=1 ctest --no-tests=error -j2 >"$log" 2>&1) || rc=$?
    ran=$(OPENBLAS_CORETYPE=$kernel OPENBLAS_VERBOSE=2 "$BUILD/src/nash" --version 2>&1 | grep -o 'Core: [A-Za-z0-9_]*' | cut -d' ' -f2)
    summary=$(grep -E 'tests passed, [0-9]+ tests failed' "$log" || echo "no summary (exit $rc)")
    failed=$(sed -n 's/^[[:space:]]*[0-9]* - \([^ ]*\).*/\1/p' "$log" | tr '\n' ' ')
    printf '%-11s (OpenBLAS ran %s) %s in %ds %s\n' "$kernel" "${ran:-?}" "$summary" $((SECONDS - start)) "$failed"
done
