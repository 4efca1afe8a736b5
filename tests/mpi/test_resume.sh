#!/usr/bin/env bash
# Resume under MPI: on the same 3 ranks (1G+2D) 20 + resume + 20 steps equal 40 straight
# bitwise; on a different rank count (2 ranks, 1G+1D, same global batch) the first resumed step's
# losses equal the straight run's within 1e-6 relative and the parameters after 20 more plain-SGD
# steps within rtol 1e-4 (the data order and noise are keyed by global position, not by rank).
# A SIGUSR1 to one discriminator rank stops every rank with a checkpoint (exit 75).
. "$(dirname "$0")/lib.sh"
CFG="$SRC/tests/mpi/tiny-dcgan.ini"
check "import Fashion-MNIST" fashion "$WORK/f.h5"
common=(--set data.path="$WORK/f.h5" --set output.checkpoint_every=10 --set cluster.generator_ranks=1)

check "3 ranks, 40 straight" train_np 3 "$WORK/a" "$CFG" "${common[@]}" --set train.steps=40
check "3 ranks, 20" train_np 3 "$WORK/b" "$CFG" "${common[@]}" --set train.steps=20
check "3 ranks, resume to 40" train_np 3 "$WORK/b" "$CFG" "${common[@]}" --set train.steps=40 --resume auto
check "same ranks: identical final checkpoint" h5diff "$WORK/a/ckpt/step_00000040.h5" "$WORK/b/ckpt/step_00000040.h5"
strip() { cut -d, -f1-10 "$1"; }
check "same ranks: identical loss log" cmp <(strip "$WORK/a/metrics.csv") <(strip "$WORK/b/metrics.csv")

check "3 ranks, 20 (for 2)" train_np 3 "$WORK/c" "$CFG" "${common[@]}" --set train.steps=20
check "2 ranks resume to 40" train_np 2 "$WORK/c" "$CFG" "${common[@]}" --set train.steps=40 --resume auto
row() { awk -F, -v s="$2" '$1 == s { print $3 "," $4 }' "$1"; }
check "other rank count: step 21 losses within 1e-6 ($(row "$WORK/c/metrics.csv" 21) vs $(row "$WORK/a/metrics.csv" 21))" \
    awk -F, -v a="$(row "$WORK/c/metrics.csv" 21)" -v b="$(row "$WORK/a/metrics.csv" 21)" 'BEGIN {
        split(a, x, ","); split(b, y, ","); if (x[1] == "" || y[1] == "") exit 1
        for (k = 1; k <= 2; k++) if ((x[k] - y[k])^2 > (1e-6 * y[k])^2) exit 1 }'
check "other rank count: parameters after 40 within rtol 1e-4" /usr/bin/python3 "$SRC/tests/mpi/compare_weights.py" \
    "$WORK/c/weights.h5" "$WORK/a/weights.h5" 1e-4 1e-6

# a signal to one discriminator rank stops all of them
"${MPIRUN[@]}" -n 3 "$NASH" train "$CFG" "${common[@]}" --set train.steps=100000 --run-dir "$WORK/s" >"$WORK/s.log" 2>&1 &
launcher=$!
for _ in $(seq 600); do [ "$( { wc -l <"$WORK/s/metrics.csv"; } 2>/dev/null || echo 0)" -gt 3 ] && break; sleep 0.1; done
for pid in $(pgrep -P "$launcher"); do
    tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=2" && kill -USR1 "$pid"
done
for _ in $(seq 300); do kill -0 "$launcher" 2>/dev/null || break; sleep 0.1; done
kill -0 "$launcher" 2>/dev/null && { fail "still running 30 s after SIGUSR1"; kill -KILL "$launcher"; }
wait "$launcher"
code=$?
check "SIGUSR1 to rank 2: mpirun exits 75 (got $code)" test "$code" -eq 75
check "SIGUSR1 to rank 2: a checkpoint" sh -c "ls '$WORK/s'/ckpt/step_*.h5 >/dev/null"
finish
