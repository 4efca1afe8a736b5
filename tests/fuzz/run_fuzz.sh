#!/usr/bin/env bash
# run_fuzz.sh — the CTest test fuzz_<name> (tests/fuzz/CMakeLists.txt): a bounded libFuzzer run.
#
#   bash run_fuzz.sh FUZZER NAME SOURCE_DIR SECONDS
#
# 1. Every committed input of corpus/NAME/ and regressions/NAME/ is run once: each regression
#    input once crashed a parser, so this fails at once if that bug comes back.
# 2. The fuzzer runs for SECONDS on a copy of corpus/NAME/ (new inputs it finds go to the copy,
#    not to the repository), with libFuzzer's per-input timeout and memory limit.
# A crash, leak, sanitizer report, timeout or memory blow-up fails the test; the input that did
# it is kept in fuzz-artifacts/NAME/ under the build folder (see docs/building.md, "Fuzzing").
set -euo pipefail

FUZZER=$1
NAME=$2
SRC=$3
SECONDS_BUDGET=$4
ARTIFACTS="$PWD/fuzz-artifacts/$NAME"
mkdir -p "$ARTIFACTS"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/nash_fuzz_${NAME}_XXXXXX")
trap 'rm -rf "$WORK"' EXIT

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
LIMITS=(-rss_limit_mb=2048 -timeout=10 -artifact_prefix="$ARTIFACTS/")

inputs=()
for dir in "$SRC/corpus/$NAME" "$SRC/regressions/$NAME"; do
    for f in "$dir"/*; do
        [ -f "$f" ] && inputs+=("$f")
    done
done
echo "== $NAME: ${#inputs[@]} committed inputs, each once"
if [ "${#inputs[@]}" -gt 0 ]; then
    if ! "$FUZZER" "${LIMITS[@]}" "${inputs[@]}" >"$WORK/once" 2>&1; then
        tail -n 80 "$WORK/once"
        echo "FAIL: a committed input of $NAME crashes fuzz_$NAME (see above)"
        exit 1
    fi
    echo "$(grep -c '^Executed ' "$WORK/once") inputs ran clean"
fi

echo "== $NAME: fuzzing for ${SECONDS_BUDGET}s"
cp -R "$SRC/corpus/$NAME" "$WORK/corpus"
if ! "$FUZZER" "${LIMITS[@]}" -max_total_time="$SECONDS_BUDGET" -print_final_stats=1 "$WORK/corpus" \
    >"$WORK/log" 2>&1; then
    tail -n 80 "$WORK/log"
    echo "FAIL: fuzz_$NAME found a crash; the input is in $ARTIFACTS/. Fix it and commit the input"
    echo "under tests/fuzz/regressions/$NAME/ (docs/building.md, \"Fuzzing\")."
    exit 1
fi
grep -E '^#[0-9]+[[:space:]]+(INITED|DONE)|^stat::' "$WORK/log" || tail -n 5 "$WORK/log"
