#!/usr/bin/env bash
# nash runs on the best OpenBLAS kernel this CPU allows (core/blas.h, cli/blas_select.h):
#   - `nash info` reports a kernel at the CPU's own level, whoever chose it;
#   - when OpenBLAS falls back below the CPU, every process re-executes itself with
#     OPENBLAS_CORETYPE set, and one line says so (rank 0 only under mpirun). The fallback is
#     simulated with NASH_TEST_BLAS_CORENAME=Prescott (nash then acts as if OpenBLAS had picked
#     Prescott), since a CPU OpenBLAS does not know cannot be had on demand;
#   - a user's OPENBLAS_CORETYPE is never overridden, and no line is printed.
#   bash tests/cli/test_blas_select.sh build/src/nash
NASH=$1
. "$(dirname "$0")/../support/cli.sh"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
unset OPENBLAS_CORETYPE NASH_BLAS_CHOSE NASH_BLAS_TRIED NASH_BLAS_FROM NASH_TEST_BLAS_CORENAME

# kernel_line: "kernel      Cooperlake (AVX-512 BF16; this CPU allows AVX-512 BF16): ..."
tiers_match() { sed -n 's/^kernel *[A-Za-z0-9_]* (\(.*\); this CPU allows \(.*\)):.*/\1|\2/p' <<<"$1" | awk -F'|' '$1 == $2 { ok = 1 } END { exit !ok }'; }

run info
expect_code 0
expect_out_contains "blas        OpenBLAS"
kernel=$(grep '^kernel' <<<"$out")
if tiers_match "$kernel"; then pass; else fail "the kernel is below what the CPU allows: $kernel"; fi
for lib in mpi hdf5 zeromq libpng inih microhttpd cjson; do
    if grep -Eq "^$lib +[0-9A-Za-z]" <<<"$out"; then pass; else fail "no $lib version in: $out"; fi
done

# A fallback to Prescott: nash runs again on the CPU's level and says it chose.
ran="NASH_TEST_BLAS_CORENAME=Prescott nash info"
out=$(NASH_TEST_BLAS_CORENAME=Prescott "$NASH" info 2>"$tmp/err")
code=$?
expect_code 0
expect_out_contains "chosen by nash: OpenBLAS picked Prescott"
if tiers_match "$(grep '^kernel' <<<"$out")"; then pass; else fail "not at the CPU's level: $(grep '^kernel' <<<"$out")"; fi

"$NASH" data toy ring8 --n 2000 --seed 1 --out "$tmp/r.h5" >/dev/null || fail "nash data toy ring8"
train_args=(train "$(dirname "$0")/../../configs/ring8-gan.ini" --set data.path="$tmp/r.h5" --set train.steps=20
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
