#!/usr/bin/env bash
# Training on the best OpenBLAS kernel (core/blas.h, cli/blas_select.h): when OpenBLAS falls back
# below the CPU, every process re-executes itself with OPENBLAS_CORETYPE set before MPI_Init, and
# one line says so, on rank 0 only under mpirun; the run trains as usual. The fallback is
# simulated with NASH_TEST_BLAS_CORENAME=Prescott. (A user's OPENBLAS_CORETYPE, never overridden:
# tests/long/blas-user-choice.sh.) (nash info's side: tests/cli/test_blas_select.sh.)
. "$(dirname "$0")/lib.sh"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
unset OPENBLAS_CORETYPE NASH_BLAS_CHOSE NASH_BLAS_TRIED NASH_BLAS_FROM NASH_TEST_BLAS_CORENAME
tmp=$WORK
pass() { ok "$ran"; }
expect_code() { if [ "$code" -eq "$1" ]; then pass; else fail "$ran: exit code $code, expected $1 (stderr: ${err:-<empty>})"; fi; }
"$NASH" data toy ring8 --n 2000 --seed 1 --out "$tmp/r.h5" >/dev/null || fail "nash data toy ring8"
train_args=(train "$SRC/configs/ring8-gan.ini" --set data.path="$tmp/r.h5" --set train.steps=20
    --set train.batch=64 --set output.sample_every=0 --set output.checkpoint_every=0 --quiet)

ran="NASH_TEST_BLAS_CORENAME=Prescott nash train"
NASH_TEST_BLAS_CORENAME=Prescott OPENBLAS_VERBOSE=2 "$NASH" "${train_args[@]}" --run-dir "$tmp/one" \
    >"$tmp/out" 2>"$tmp/err"
code=$?
err=$(cat "$tmp/err")
expect_code 0
notices=$(grep -c '^nash: OpenBLAS picked its Prescott kernels' "$tmp/err")
if [ "$notices" -eq 1 ]; then pass; else fail "expected one notice, got $notices: $err"; fi
# OPENBLAS_VERBOSE=2 prints the core at each load: once for the first process, once after the exec
cores=$(grep -o 'Core: [A-Za-z0-9_]*' "$tmp/err" | wc -l)
if [ "$cores" -eq 2 ]; then pass; else fail "expected OpenBLAS to load twice (one re-execution), saw $cores: $err"; fi
if [ -s "$tmp/one/weights.h5" ]; then pass; else fail "no weights.h5 after the re-executed run"; fi

# Under mpirun: every rank re-executes (before MPI_Init), one line in all.
ran="NASH_TEST_BLAS_CORENAME=Prescott mpirun -n 2 nash info"
out=$(timeout 120 mpirun -n 2 -x NASH_TEST_BLAS_CORENAME=Prescott "$NASH" info 2>"$tmp/err")
code=$?
expect_code 0
chosen=$(grep -c 'chosen by nash: OpenBLAS picked Prescott' <<<"$out")
if [ "$chosen" -eq 2 ]; then pass; else fail "expected both ranks on nash's kernel, got $chosen: $out"; fi
ran="NASH_TEST_BLAS_CORENAME=Prescott mpirun -n 2 nash train"
timeout 300 mpirun -n 2 -x NASH_TEST_BLAS_CORENAME=Prescott -x OPENBLAS_NUM_THREADS=1 "$NASH" "${train_args[@]}" \
    --set cluster.layout=colocated --run-dir "$tmp/two" >"$tmp/out" 2>"$tmp/err"
code=$?
err=$(cat "$tmp/err")
expect_code 0
notices=$(grep -c '^nash: OpenBLAS picked its Prescott kernels' "$tmp/err")
if [ "$notices" -eq 1 ]; then pass; else fail "expected one notice from rank 0, got $notices: $err"; fi
if [ -s "$tmp/two/weights.h5" ]; then pass; else fail "no weights.h5 after the 2-rank run"; fi

finish
