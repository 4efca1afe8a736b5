#!/usr/bin/env bash
# A training run outlives its monitor: the monitor is SIGSTOPped for 3 s, continued, killed, and
# a new one started only after the run has made more than the publisher's queue (1000 messages)
# without it. The run must finish (exit 0) and account for every message:
#   - the first monitor got run_start and a gap-free stream up to its death (the stop only
#     delayed it: ZeroMQ queues while a monitor is stalled);
#   - the second monitor reconnected: it got run_start again (re-sent when it joined), usually the
#     steps queued for it, then the live ones, and run_end; the gap in its stream equals the messages
#     the trainer reports as dropped, and run_end carries the same count;
#   - received by a monitor + dropped = sent, up to what dies with the killed monitor: what its own
#     ZeroMQ socket held unread (at most its 1000-message receive queue, MONITOR_RCVHWM), the
#     socket buffers, half a JSONL line, and what the trainer had queued for it (at most the
#     1000-message send queue, when ZeroMQ closes the dead connection before the new monitor takes
#     the queue over); those all fall between the two monitors' streams (printed). A monitor
#     killed while it still works through the backlog of its SIGSTOP holds most of both queues.
# Step time is not asserted here (tests must not depend on the machine's speed): see
# tests/bench/bench_monitor.sh for the overhead figures. Loopback only; processes ended by PID.
. "$(dirname "$0")/lib.sh"

check "import ring8" "$NASH" data toy ring8 --n 8000 --out "$WORK/r.h5"
port=$(free_port)
EP="tcp://127.0.0.1:$port"
"$NASH" monitor --bind "$EP" --jsonl "$WORK/j1" >"$WORK/m1.out" 2>&1 &
m1=$!
STARTED+=("$m1")
sleep 0.5
"$NASH" train "$SRC/configs/ring8-gan.ini" --set data.path="$WORK/r.h5" --set train.steps=8000 --set train.log_every=1 \
    --set output.sample_every=0 --set output.checkpoint_every=0 --set monitor.endpoint="$EP" \
    --run-dir "$WORK/run" >"$WORK/train.log" 2>&1 &
trainer=$!
STARTED+=("$trainer")
lines() { [ -f "$1" ] && [ "$(wc -l <"$1")" -ge "$2" ]; }
# the step the trainer has logged (metrics.csv: one row per step). The trainer is writing the file:
# its last line may be cut anywhere ("16" of "1650,1,..."), so only a row whose first field is
# followed by a comma counts. (Reading a cut "16" once made the test wait for step 1516, long past:
# the second monitor started at once, before the queue could overflow, and nothing was dropped.)
logged_step() { awk -F, 'NF > 1 && $1 ~ /^[0-9]+$/ { s = $1 } END { print s }' "$WORK/run/metrics.csv" 2>/dev/null; }
past_step() { local s; s=$(logged_step); [[ "$s" =~ ^[0-9]+$ ]] && [ "$s" -ge "$1" ]; }

check "monitor 1 receives 500 messages" wait_for 120 lines "$WORK/j1" 500
kill -STOP "$m1"
sleep 3
kill -CONT "$m1"
before=$(wc -l <"$WORK/j1")
check "monitor 1 resumes after SIGSTOP/SIGCONT" wait_for 60 lines "$WORK/j1" $((before + 300))
kill -KILL "$m1"
wait "$m1" 2>/dev/null
killed_at=$(logged_step)
check "the run goes on 1500 steps without a monitor" wait_for 180 past_step $((killed_at + 1500))
started=$(date +%s.%N)
"$NASH" monitor --bind "$EP" --jsonl "$WORK/j2" --once --timeout 120 >"$WORK/m2.out" 2>&1 &
m2=$!
STARTED+=("$m2")
# reconnection: the time until monitor 2 has written its first message (docs/reliability.md: 2 s)
for _ in $(seq 400); do [ -s "$WORK/j2" ] && break; sleep 0.025; done
latency=$(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }')
echo "monitor 2 received its first message $latency s after it started"
check "reconnection within 10 s (a generous bound for a loaded machine; measured $latency s)" \
    awk -v l="$latency" 'BEGIN { exit !(l < 10) }'
wait "$trainer"
check "the run finishes (exit $?)" test $? -eq 0
check "weights written" test -s "$WORK/run/weights.h5"
if wait_gone "$m2" 30; then
    wait "$m2"
    check "monitor 2 exits 0 after run_end (got $?)" test $? -eq 0
else
    fail "monitor 2 did not see run_end"
fi
cat "$WORK/train.log" | tail -3
tail -1 "$WORK/m2.out"
summary=$(grep '^metrics: ' "$WORK/train.log")
sent=$(sed -E 's/^metrics: ([0-9]+) messages.*/\1/' <<<"$summary")
dropped=$(sed -E 's/.* ([0-9]+) dropped.*/\1/' <<<"$summary")
joins=$(sed -E 's/.* ([0-9]+) monitor joins.*/\1/' <<<"$summary")
echo "sent $sent, dropped $dropped, joins $joins"
check "the trainer reports its messages" test -n "$sent" -a -n "$dropped" -a -n "$joins"
check "two monitors joined (got $joins)" test "$joins" -eq 2
check "messages were dropped while no monitor listened (got $dropped)" test "$dropped" -gt 0
check "every message is accounted for" "$PY" -c '
import json, sys
def load(path, killed):
    lines = [l for l in open(path).read().split("\n") if l]
    try:
        return [json.loads(l) for l in lines]
    except ValueError:
        # a monitor killed while writing leaves half a line at the end of its file, nowhere else
        assert killed, path
        return [json.loads(l) for l in lines[:-1]]
j1, j2 = load(sys.argv[1], True), load(sys.argv[2], False)
sent, dropped = int(sys.argv[3]), int(sys.argv[4])
s1, s2 = [m["seq"] for m in j1], [m["seq"] for m in j2]
assert j1[0]["kind"] == "run_start" and s1[0] == 0, j1[0]
assert s1 == list(range(len(s1))), "monitor 1: a gap before it was killed"
assert j2[-1]["kind"] == "run_end" and j2[-1]["status"] == "done", j2[-1]
assert j2[-1]["dropped"] == dropped, (j2[-1]["dropped"], dropped)
assert any(m["kind"] == "run_start" for m in j2), "run_start was not sent again to monitor 2"
assert s2 == sorted(s2) and len(set(s2)) == len(s2), "monitor 2: seq not increasing"
gaps = sum(b - a - 1 for a, b in zip(s2, s2[1:]))
assert gaps == dropped, ("monitor 2 gaps", gaps, "dropped", dropped)
vanished = sent - dropped - len(j1) - len(j2)
print(f"received {len(j1)} + {len(j2)}, dropped {dropped}, sent {sent}: {vanished} lost with the killed monitor")
# What the dead monitor held unread dies with it (its receive queue, 1000), and what was queued
# for it is either delivered to the next one or, when ZeroMQ closes the dead connection first,
# discarded with it (the send queue, 1000); plus socket buffers. All of it falls between the
# streams of the two monitors: never a gap while a monitor listens.
assert 0 <= vanished <= 1000 + 1000 + 200 and s2[0] - s1[-1] - 1 == vanished, (vanished, s1[-1], s2[0])
' "$WORK/j1" "$WORK/j2" "$sent" "$dropped"
finish
