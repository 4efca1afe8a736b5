#!/usr/bin/env bash
# The metrics channel end to end: a real subscriber written in Python from docs/metrics.md alone
# (subscriber.py) reads a short run's stream and validates every message; with no monitor at all
# the run still finishes and exits 0. Loopback only; every process is ended by PID.
. "$(dirname "$0")/lib.sh"
check "import ring8" "$NASH" data toy ring8 --n 4000 --out "$WORK/r.h5"
port=$(free_port)
/usr/bin/python3 "$SRC/tests/metrics/subscriber.py" "tcp://127.0.0.1:$port" 60 >"$WORK/sub.log" 2>&1 &
sub=$!
sleep 1 # the subscriber binds before the trainer publishes
check "train publishing to the subscriber" "$NASH" train "$SRC/configs/ring8-gan.ini" --set data.path="$WORK/r.h5" \
    --set train.steps=300 --set train.log_every=10 --set output.sample_every=100 --set output.checkpoint_every=100 \
    --set monitor.endpoint="tcp://127.0.0.1:$port" --run-dir "$WORK/run" --quiet
for _ in $(seq 100); do kill -0 "$sub" 2>/dev/null || break; sleep 0.1; done
kill -0 "$sub" 2>/dev/null && { fail "subscriber still waiting"; kill "$sub"; }
wait "$sub"
check "the subscriber validated the stream (exit $?)" test $? -eq 0
cat "$WORK/sub.log"
check "it saw steps, samples, checkpoints and the end" sh -c "grep -q 'step=' '$WORK/sub.log' && grep -q 'run_end=1' '$WORK/sub.log' && grep -q 'checkpoint=' '$WORK/sub.log' && grep -q 'samples=' '$WORK/sub.log'"

port=$(free_port) # nobody listens here
start=$(date +%s)
check "no monitor: the run finishes" "$NASH" train "$SRC/configs/ring8-gan.ini" --set data.path="$WORK/r.h5" \
    --set train.steps=300 --set train.log_every=1 --set monitor.endpoint="tcp://127.0.0.1:$port" --run-dir "$WORK/alone" --quiet
check "no monitor: weights written" test -s "$WORK/alone/weights.h5"
refused=$("$NASH" train "$SRC/configs/ring8-gan.ini" --set data.path="$WORK/r.h5" --set monitor.endpoint=tcp://10.1.2.3:5555 \
    --run-dir "$WORK/remote" --quiet 2>&1)
check "a non-loopback endpoint is refused (exit $?)" test $? -eq 2
if grep -q "monitor.allow_remote" <<<"$refused"; then ok "names monitor.allow_remote"; else fail "message: $refused"; fi
check "refused: nothing written" test ! -e "$WORK/remote"
finish
