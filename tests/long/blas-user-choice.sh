#!/usr/bin/env bash
# A user's OPENBLAS_CORETYPE is never overridden (cli/blas_select.h): nash runs that kernel, runs
# itself once only, prints no line, and nash info says it is the user's choice. Not in the suite:
# tests and CI run as a user would, with nash choosing the kernel; this sets the variable on
# purpose, like tests/long/suite-per-kernel.sh.
#   bash tests/long/blas-user-choice.sh [NASH] [SOURCE_DIR]
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
set -- "${1:-$ROOT/build/src/nash}" "${2:-$ROOT}"
. "$ROOT/tests/train/lib.sh"
unset OPENBLAS_CORETYPE NASH_BLAS_CHOSE NASH_BLAS_TRIED NASH_BLAS_FROM NASH_TEST_BLAS_CORENAME
tmp=$WORK
pass() { ok "$ran"; }
expect_code() { if [ "$code" -eq "$1" ]; then pass; else fail "$ran: exit code $code, expected $1 (stderr: ${err:-<empty>})"; fi; }
expect_out_contains() { if [[ "$out" == *"$1"* ]]; then pass; else fail "$ran: stdout lacks '$1' (stdout: ${out:-<empty>})"; fi; }
"$NASH" data toy ring8 --n 2000 --seed 1 --out "$tmp/r.h5" >/dev/null || fail "nash data toy ring8"
train_args=(train "$SRC/configs/ring8-gan.ini" --set data.path="$tmp/r.h5" --set train.steps=20
    --set train.batch=64 --set output.sample_every=0 --set output.checkpoint_every=0 --quiet)
# The user's choice stands: no re-execution, no line.
ran="OPENBLAS_CORETYPE=Prescott nash train"
OPENBLAS_CORETYPE=Prescott OPENBLAS_VERBOSE=2 "$NASH" "${train_args[@]}" --run-dir "$tmp/user" >"$tmp/out" 2>"$tmp/err"
code=$?
err=$(cat "$tmp/err")
expect_code 0
cores=$(grep -o 'Core: [A-Za-z0-9_]*' "$tmp/err" | sort -u | tr '\n' ' ')
if [ "$cores" = "Core: Prescott " ] && [ "$(grep -c 'Core:' "$tmp/err")" -eq 1 ]; then pass; else fail "the user's Prescott was overridden: $cores"; fi
if grep -q '^nash: OpenBLAS' "$tmp/err"; then fail "a notice for the user's own choice: $err"; else pass; fi
ran="OPENBLAS_CORETYPE=Haswell nash info"
out=$(OPENBLAS_CORETYPE=Haswell "$NASH" info 2>/dev/null)
expect_out_contains "kernel      Haswell (AVX2"
expect_out_contains "the user's choice"
finish
