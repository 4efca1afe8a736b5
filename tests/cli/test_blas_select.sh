#!/usr/bin/env bash
# nash info reports the BLAS kernel at the CPU's own level, whoever chose it (core/blas.h,
# cli/blas_select.h), and the libraries' versions. A fallback below the CPU is simulated with
# NASH_TEST_BLAS_CORENAME=Prescott (nash then acts as if OpenBLAS had picked Prescott, since a CPU
# OpenBLAS does not know cannot be had on demand): nash runs again on the CPU's level and says it
# chose. (That a user's OPENBLAS_CORETYPE is never overridden: tests/long/blas-user-choice.sh,
# since tests and CI run as a user would, with nash choosing the kernel.) Training and mpirun with the same
# re-execution: tests/train/test_blas_select.sh (they start Open MPI, whose own leaks the
# sanitizer build of the unit tests would report).
#   bash tests/cli/test_blas_select.sh build/src/nash
NASH=$1
. "$(dirname "$0")/../support/cli.sh"
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


# Threads: one per process unless the user says otherwise (OpenBLAS's one per core fights every
# other process for the cores).
ran="nash info (OPENBLAS_NUM_THREADS unset)"
out=$(env -u OPENBLAS_NUM_THREADS -u GOTO_NUM_THREADS -u OMP_NUM_THREADS "$NASH" info 2>"$tmp/err")
code=$?
expect_code 0
expect_out_contains "threads     1 (nash's default, one per process"
ran="OPENBLAS_NUM_THREADS=2 nash info"
out=$(OPENBLAS_NUM_THREADS=2 "$NASH" info 2>"$tmp/err")
code=$?
expect_code 0
expect_out_contains "threads     2 (OPENBLAS_NUM_THREADS=2)"

finish
