#!/usr/bin/env bash
# The monitor-resilience test (tests/metrics/test_resilience.sh) N times in a row (default 20);
# stops at the first failure and keeps its output. Prints one line per run with what it measured.
#   bash tests/long/resilience-20.sh [NASH] [SOURCE_DIR] [N]      (about 30 s a run)
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
NASH=${1:-$ROOT/build/src/nash}
SRC=${2:-$ROOT}
N=${3:-20}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for i in $(seq "$N"); do
    start=$SECONDS
    if bash "$ROOT/tests/metrics/test_resilience.sh" "$NASH" "$SRC" >"$log" 2>&1; then
        printf 'run %2d/%d passed in %3ds: %s; %s\n' "$i" "$N" $((SECONDS - start)) \
            "$(grep -m1 '^received ' "$log")" "$(grep -m1 'first message' "$log" | sed 's/^monitor 2 //')"
    else
        printf 'run %2d/%d FAILED after %ds; its output:\n' "$i" "$N" $((SECONDS - start))
        cat "$log"
        exit 1
    fi
done
printf '%d of %d runs passed\n' "$N" "$N"
