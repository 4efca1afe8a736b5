#!/usr/bin/env bash
# The pipelined schedule (cluster.schedule = pipelined, docs/distributed.md):
#   - its definition, in one process: with D frozen (lr 1e-30) and plain SGD, G's step s applies
#     the gradient at the parameters of step s-2 (theta_{s-2}) to theta_{s-1}, for steps 1 to 3,
#     each gradient taken from a separate alternating run resumed with G at those parameters
#     (check_staleness.py), and the alternating schedule fails that check; with G frozen, D's
#     20 steps equal the alternating schedule's bitwise (D's side is the same);
#   - every layout computes what one process computes: 20 SGD steps with flips within rtol 1e-4
#     for 2 ranks (1G+1D), 3 (1G+2D), 4 (2G+2D), 4 (1G+3D) split and 2 colocated, as
#     test_equivalence.sh holds the alternating schedule;
#   - exact resume: on 3 ranks 10 + resume + 10 steps equal 20 straight bitwise (the checkpoint
#     keeps what made the fakes in flight, /generator_lag), and a checkpoint of the alternating
#     schedule resumes into the pipelined one.
. "$(dirname "$0")/lib.sh"
CFG="$SRC/tests/mpi/tiny-dcgan.ini"
check "import Fashion-MNIST" fashion "$WORK/f.h5"
data=(--set data.path="$WORK/f.h5")
pipe=(--set cluster.schedule=pipelined)
frozen_d=(--set optim.d.lr=1e-30 --set optim.g.lr=0.1 --set output.checkpoint_every=1 --set output.keep=5)
ck() { printf '%s/ckpt/step_%08d.h5' "$1" "$2"; }

# the definition, one process
check "theta_0" train_np 1 "$WORK/t0" "$CFG" "${data[@]}" "${frozen_d[@]}" --set optim.g.lr=1e-30 --set train.steps=1
check "pipelined, 3 steps" train_np 1 "$WORK/p" "$CFG" "${data[@]}" "${frozen_d[@]}" "${pipe[@]}" --set train.steps=3
check "alternating, 2 steps" train_np 1 "$WORK/a" "$CFG" "${data[@]}" "${frozen_d[@]}" --set train.steps=2
check "theta_0 after step 2" train_np 1 "$WORK/t0-2" "$CFG" "${data[@]}" "${frozen_d[@]}" --set train.steps=2 \
    --resume "$(ck "$WORK/t0" 1)"
check "theta_1 held to step 2" train_np 1 "$WORK/a1-2" "$CFG" "${data[@]}" "${frozen_d[@]}" --set optim.g.lr=1e-30 \
    --set train.steps=2 --resume "$(ck "$WORK/a" 1)"
check "theta_1 after step 3" train_np 1 "$WORK/a1-3" "$CFG" "${data[@]}" "${frozen_d[@]}" --set train.steps=3 \
    --resume "$(ck "$WORK/a1-2" 2)"
check "G's step s applies the gradient at theta_{s-2}" /usr/bin/python3 "$SRC/tests/mpi/check_staleness.py" 1e-5 \
    "$(ck "$WORK/p" 1)" "$(ck "$WORK/p" 2)" "$(ck "$WORK/p" 3)" "$(ck "$WORK/t0" 1)" "$(ck "$WORK/t0-2" 2)" \
    "$(ck "$WORK/a" 1)" "$(ck "$WORK/a1-3" 3)" "$(ck "$WORK/a" 2)"
check "G frozen: pipelined, 20 steps" train_np 1 "$WORK/dp" "$CFG" "${data[@]}" "${pipe[@]}" --set optim.g.lr=1e-30
check "G frozen: alternating, 20 steps" train_np 1 "$WORK/da" "$CFG" "${data[@]}" --set optim.g.lr=1e-30
check "G frozen: D's steps are the alternating schedule's, bitwise" \
    h5diff "$WORK/dp/weights.h5" "$WORK/da/weights.h5" /discriminator /discriminator

# every layout
layouts=("2 split 1" "3 split 1" "4 split 2" "4 split 1" "2 colocated 1")
run_all sgd "${pipe[@]}" --set data.flip=true
for l in "${layouts[@]}"; do
    set -- $l
    check "20 SGD steps pipelined, $1 ranks $2 ($3 G)" /usr/bin/python3 "$SRC/tests/mpi/compare_weights.py" \
        "$WORK/sgd-$1-$2-$3/weights.h5" "$WORK/sgd-1/weights.h5" 1e-4 1e-6
done
check "... and not the alternating schedule's" bash -c '! /usr/bin/python3 "$1" "$2" "$3" 1e-4 1e-6 >/dev/null' _ \
    "$SRC/tests/mpi/compare_weights.py" "$WORK/sgd-1/weights.h5" "$WORK/da/weights.h5"

# exact resume
common=("${data[@]}" "${pipe[@]}" --set output.checkpoint_every=10 --set cluster.generator_ranks=1)
check "3 ranks, 20 straight" train_np 3 "$WORK/r20" "$CFG" "${common[@]}"
check "3 ranks, 10" train_np 3 "$WORK/r10" "$CFG" "${common[@]}" --set train.steps=10
check "... its checkpoint keeps what made the fakes in flight" \
    sh -c "h5ls '$(ck "$WORK/r10" 10)' | grep -q '^generator_lag'"
check "3 ranks, resume to 20" train_np 3 "$WORK/r10" "$CFG" "${common[@]}" --resume auto
check "resumed: identical final checkpoint" h5diff "$(ck "$WORK/r20" 20)" "$(ck "$WORK/r10" 20)"
strip() { cut -d, -f1-10 "$1"; }
check "resumed: identical loss log" cmp <(strip "$WORK/r20/metrics.csv") <(strip "$WORK/r10/metrics.csv")
check "alternating, 10" train_np 3 "$WORK/x" "$CFG" "${data[@]}" --set output.checkpoint_every=10 --set train.steps=10
check "... resumed pipelined to 20" train_np 3 "$WORK/x" "$CFG" "${common[@]}" --resume auto
check "... and finished" test -s "$WORK/x/weights.h5"
finish
