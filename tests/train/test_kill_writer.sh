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
newest_step() { ls "$run"/ckpt/step_*.h5 2>/dev/null | tail -1 | sed 's/.*step_0*//; s/\.h5$//'; }
for trial in $(seq "$TRIALS"); do
    before=$(newest_step)
    "$NASH" train "$CFG" "${args[@]}" --set train.steps=100000 --resume auto &
    pid=$!
    # the kill lands at a random moment after this run's first save (a loaded machine takes
    # longer to get there; at most 60 s), while it saves every step
    for _ in $(seq 600); do [ "$(newest_step)" != "$before" ] && break; sleep 0.1; done
    sleep "$(awk -v s="$trial" 'BEGIN { srand(s); printf "%.2f", rand() }')"
    kill -KILL "$pid"
    wait "$pid" 2>/dev/null
    newest=$(ls "$run"/ckpt/step_*.h5 2>/dev/null | tail -1)
    [ -n "$newest" ] || continue
    if "$NASH" inspect "$newest" --no-config >/dev/null 2>&1; then
        verified=$((verified + 1))
    else
        fail "trial $trial: newest checkpoint $newest does not verify"
    fi
done
check "the newest checkpoint verified after $verified of $TRIALS kills" test "$verified" -eq "$TRIALS"
newest=$(ls "$run"/ckpt/step_*.h5 | tail -1)
step=$(basename "$newest" .h5 | sed 's/step_0*//')
out=$("$NASH" train "$CFG" "${loud[@]}" --set train.steps=$((step + 1)) --resume auto 2>&1)
check "resume after $TRIALS kills (exit $?)" test $? -eq 0
if grep -q "resuming from .*step_0*$step.h5" <<<"$out"; then ok "resumed from the newest, step $step"; else fail "$out"; fi
left=$(ls -A "$run/ckpt" | grep -c '\.tmp\.' || true)
check "no temporary file left after a good save ($left)" test "$left" -eq 0
finish
