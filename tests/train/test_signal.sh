#!/usr/bin/env bash
# SIGUSR1, SIGTERM and Ctrl-C (SIGINT) only set a flag: the run saves a checkpoint at the next step
# boundary and exits 75 ("checkpointed, requeue me"); --resume auto then continues to the end. A
# second SIGINT stops at once: exit 130, no checkpoint.
. "$(dirname "$0")/lib.sh"
CFG="$SRC/tests/mpi/tiny-dcgan.ini"
check "import Fashion-MNIST" "$NASH" data fashion-mnist --out "$WORK/f.h5"
for sig in USR1 TERM INT; do
    run="$WORK/$sig"
    "$NASH" train "$CFG" --set data.path="$WORK/f.h5" --set train.steps=100000 --run-dir "$run" >"$run.log" 2>&1 &
    pid=$!
    for _ in $(seq 300); do [ "$( { wc -l <"$run/metrics.csv"; } 2>/dev/null || echo 0)" -gt 3 ] && break; sleep 0.1; done
    kill -"$sig" "$pid"
    wait "$pid"
    code=$?
    check "SIG$sig: exit 75 (got $code)" test "$code" -eq 75
    check "SIG$sig: says how to continue" grep -q "resume auto" "$run.log"
    ckpt=$(ls "$run"/ckpt/step_*.h5 2>/dev/null | tail -1)
    check "SIG$sig: a checkpoint ($ckpt)" test -n "$ckpt"
    step=$(basename "$ckpt" .h5 | sed 's/step_0*//')
    check "SIG$sig: resume finishes" "$NASH" train "$CFG" --set data.path="$WORK/f.h5" --set train.steps=$((step + 5)) \
        --run-dir "$run" --resume auto --quiet
    check "SIG$sig: weights written after resume" test -s "$run/weights.h5"
done
check "SIGINT: says it is stopping with a checkpoint" grep -q "stopping after this step with a checkpoint" "$WORK/INT.log"

# Ctrl-C twice: out at once, exit 130, no checkpoint. The reference DCGAN at a batch of 512 makes
# a step take seconds here; the second signal goes as soon as the first has been handled (its
# message is on stderr), well inside the step the run would otherwise finish and checkpoint.
run="$WORK/INT2"
"$NASH" train "$SRC/configs/fashion-dcgan.ini" --set data.path="$WORK/f.h5" --set train.steps=100000 \
    --set train.batch=512 --set train.log_every=1 --set monitor.enabled=false --run-dir "$run" >"$run.log" 2>&1 &
pid=$!
for _ in $(seq 600); do [ "$( { wc -l <"$run/metrics.csv"; } 2>/dev/null || echo 0)" -gt 1 ] && break; sleep 0.1; done
kill -INT "$pid"
for _ in $(seq 200); do grep -q "stopping after this step" "$run.log" && break; sleep 0.01; done
kill -INT "$pid"
wait "$pid"
code=$?
check "SIGINT twice: exit 130 at once (got $code)" test "$code" -eq 130
check "SIGINT twice: no checkpoint" test -z "$(ls "$run"/ckpt/step_*.h5 2>/dev/null)"
finish
