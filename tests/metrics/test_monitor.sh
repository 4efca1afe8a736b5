#!/usr/bin/env bash
# `nash monitor` end to end over a real ZeroMQ socket on loopback: a Python publisher (PUB,
# connect) sends valid messages of every kind with malformed, oversized and multipart frames
# between them, then a run_end. The monitor must exit 0 (--once), its JSONL must hold exactly the
# valid messages, its CSV the step rows, and its output the skipped-frame counts. Also: a
# non-loopback --bind is refused (exit 2), --timeout ends a wait, SIGTERM stops it promptly.
# Every process is ended by PID.
. "$(dirname "$0")/lib.sh"

cat >"$WORK/publish.py" <<'EOF'
import json, sys, time, zmq
endpoint = sys.argv[1]
ctx = zmq.Context()
pub = ctx.socket(zmq.PUB)
pub.setsockopt(zmq.LINGER, 2000)
pub.connect(endpoint)
time.sleep(0.8)  # let the subscription reach the publisher
seq = 0
def msg(kind, **fields):
    global seq
    m = {"schema": 1, "kind": kind, "run": "test-run", "rank": 0, "role": "GD", "seq": seq,
         "time": time.time(), "dropped": 0}
    m.update(fields)
    seq += 1
    return json.dumps(m).encode()
split = {k: 0.001 for k in ("g_compute", "g_exchange", "g_allreduce", "d_compute", "d_exchange",
                            "d_allreduce", "d_data")}
def step(n):
    return msg("step", step=n, epoch=0, steps=3, loss_d=1.38, loss_g=0.69, d_real=0.5, d_fake=0.5,
               d_real_gap=0.0, d_fake_gap=0.0, grad_norm_d=1.0, grad_norm_g=1.0, images_per_s=1000.0,
               time_split=split)
bad = [b"{not json", b"\xff\xfe\x00garbage", b"[1, 2, 3]",
       json.dumps({"schema": 2, "kind": "warning", "run": "x", "rank": 0, "role": "G", "seq": 0,
                   "time": 1.0, "dropped": 0, "text": "future"}).encode(),
       json.dumps({"schema": 1, "kind": "step", "run": "x", "rank": "zero", "role": "G", "seq": 0,
                   "time": 1.0, "dropped": 0}).encode()]
frames = [msg("run_start", config="[train]\nsteps = 3\n", layout="split 1G+2D", steps=3, batch=64,
              resumed_from=0),
          bad[0], step(1), bad[1], step(2), bad[2], b"{" + b" " * 70000 + b"}",
          msg("checkpoint", step=2, path="run/ckpt/step_2.h5"), bad[3],
          msg("samples", step=2, path="run/samples/step_2.png"), bad[4], step(3)]
for f in frames:
    pub.send(f)
    time.sleep(0.02)
pub.send_multipart([b"{}", b"{}"])
time.sleep(0.02)
pub.send(msg("run_end", status="done", reason="all 3 steps", step=3))
time.sleep(0.3)
pub.close()
ctx.term()
EOF

# --- the main test: valid and malformed frames, --once ends it -------------------------------
port=$(free_port)
"$NASH" monitor --bind "tcp://127.0.0.1:$port" --jsonl "$WORK/m.jsonl" --csv "$WORK/m.csv" --once --timeout 20 \
    >"$WORK/mon.out" 2>"$WORK/mon.err" &
mon=$!
sleep 0.5 # the monitor binds
check "the publisher ran" "$PY" "$WORK/publish.py" "tcp://127.0.0.1:$port"
if wait_gone "$mon" 20; then
    wait "$mon"
    code=$?
else
    fail "the monitor did not exit after run_end"
    kill "$mon"
    wait "$mon"
    code=99
fi
echo "--- monitor output"
cat "$WORK/mon.out" "$WORK/mon.err"
check "the monitor exits 0 after run_end (got $code)" test "$code" -eq 0
check "JSONL: the 7 valid messages only" test "$(wc -l <"$WORK/m.jsonl")" -eq 7
check "JSONL: each line a schema-1 message, in order" "$PY" -c '
import json, sys
msgs = [json.loads(line) for line in open(sys.argv[1])]
kinds = [m["kind"] for m in msgs]
assert kinds == ["run_start", "step", "step", "checkpoint", "samples", "step", "run_end"], kinds
assert all(m["schema"] == 1 and m["run"] == "test-run" for m in msgs)
assert [m["seq"] for m in msgs] == list(range(7))
' "$WORK/m.jsonl"
check "CSV: a header and 3 step rows" test "$(wc -l <"$WORK/m.csv")" -eq 4
check "CSV: header names the columns" grep -q '^run,rank,role,time,step,steps,epoch,loss_d,loss_g,' "$WORK/m.csv"
check "CSV: rows for steps 1, 2, 3" test "$(cut -d, -f5 "$WORK/m.csv" | tail -3 | tr '\n' ' ')" = "1 2 3 "
check "output: 6 malformed (5 bad + 1 multipart)" grep -q "malformed 6" "$WORK/mon.out"
check "output: 1 oversized" grep -q "oversized 1" "$WORK/mon.out"
check "output: no message lost" grep -q "lost 0" "$WORK/mon.out"
check "output: one line per step message" test "$(grep -c ' step [0-9]*/3 ' "$WORK/mon.out")" -eq 3
check "output: the run_end line" grep -q "run_end done step 3" "$WORK/mon.out"

# --- refusals and the other ways out --------------------------------------------------------
"$NASH" monitor --bind tcp://0.0.0.0:5555 >"$WORK/remote.out" 2>&1
code=$?
check "a non-loopback bind is refused with exit 2 (got $code)" test "$code" -eq 2
check "the refusal names --allow-remote" grep -q -- "--allow-remote" "$WORK/remote.out"
"$NASH" monitor --timeout nope >/dev/null 2>&1
check "a bad --timeout is a usage error" test $? -eq 2
port=$(free_port)
start=$(date +%s)
"$NASH" monitor --bind "tcp://127.0.0.1:$port" --timeout 1 >"$WORK/idle.out" 2>&1
code=$?
check "--timeout 1 with nothing sent exits 0 (got $code) within 5 s" test "$code" -eq 0 -a $(($(date +%s) - start)) -le 5
"$NASH" monitor --bind "tcp://127.0.0.1:$port" --timeout 1 --once >/dev/null 2>&1
check "--once that times out without run_end exits 1" test $? -eq 1
"$NASH" monitor --bind "tcp://127.0.0.1:$port" >"$WORK/term.out" 2>&1 &
mon=$!
sleep 0.5
kill -TERM "$mon"
if wait_gone "$mon" 2; then
    wait "$mon"
    check "SIGTERM: exits 0 within 2 s (got $?)" test $? -eq 0
else
    fail "SIGTERM: still running after 2 s"
    kill -KILL "$mon"
    wait "$mon"
fi
check "SIGTERM: prints the summary" grep -q "frames 0" "$WORK/term.out"
finish
