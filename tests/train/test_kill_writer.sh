#!/usr/bin/env bash
# SIGKILL the trainer at random moments while it saves a checkpoint every step: the newest
# checkpoint file is always whole (it verifies) and --resume auto continues from it; no
# temporary file survives the next good save. 20 trials here (NASH_KILL_TRIALS overrides; the
# long run in tests/faults uses 100).
. "$(dirname "$0")/lib.sh"
CFG="$SRC/tests/mpi/tiny-dcgan.ini"
TRIALS=${NASH_KILL_TRIALS:-20}
check "import Fashion-MNIST" "$NASH" data fashion-mnist --out "$WORK/f.h5"
run="$WORK/run"
loud=(--set data.path="$WORK/f.h5" --set output.checkpoint_every=1 --set output.keep=2 --run-dir "$run")
args=("${loud[@]}" --quiet)
verified=0
for trial in $(seq "$TRIALS"); do
    "$NASH" train "$CFG" "${args[@]}" --set train.steps=100000 --resume auto &
    pid=$!
    sleep "$(awk -v s="$trial" 'BEGIN { srand(s); printf "%.2f", 0.6 + rand() }')"
    kill -KILL "$pid"
    wait "$pid" 2>/dev/null
    newest=$(ls "$run"/ckpt/step_*.h5 2>/dev/null | tail -1)
    [ -n "$newest" ] || continue # killed before its first save
    if "$NASH" inspect "$newest" --no-config >/dev/null 2>&1; then
        verified=$((verified + 1))
    else
        fail "trial $trial: newest checkpoint $newest does not verify"
    fi
done
check "a checkpoint existed and verified after $verified of $TRIALS kills (at least $((TRIALS - 2)))" \
    test "$verified" -ge $((TRIALS - 2))
newest=$(ls "$run"/ckpt/step_*.h5 | tail -1)
step=$(basename "$newest" .h5 | sed 's/step_0*//')
out=$("$NASH" train "$CFG" "${loud[@]}" --set train.steps=$((step + 1)) --resume auto 2>&1)
check "resume after $TRIALS kills (exit $?)" test $? -eq 0
if grep -q "resuming from .*step_0*$step.h5" <<<"$out"; then ok "resumed from the newest, step $step"; else fail "$out"; fi
left=$(ls -A "$run/ckpt" | grep -c '\.tmp\.' || true)
check "no temporary file left after a good save ($left)" test "$left" -eq 0
finish
