#!/usr/bin/env bash
# The monitor's web dashboard with two live training runs, in a real browser: `nash monitor
# --http 127.0.0.1:0` while two ring8 runs publish to it. Checks the HTTP API (/api/state,
# /events, /sample, errors), then loads the page in headless Chromium (Debian chromium) twice:
#   1. as a user sees it (server-sent events): a screenshot that must show the four curve colours
#      and the images/s curve far beyond an empty dashboard's screenshot, and not be blank (taken
#      again with more time, up to 4 times, when a loaded machine has not drawn the page yet);
#   2. with ?poll=1 and --dump-dom: the page must hold both runs, curves with points and both
#      sample pictures loaded.
# Refusals: a non-loopback --http without --allow-remote, and a malformed address.
# Loopback only; every process is ended by PID. The screenshots stay in $NASH_KEEP if set.
. "$(dirname "$0")/lib.sh"
CHROMIUM=$(command -v chromium || true)
if [ -z "$CHROMIUM" ]; then
    fail "chromium not found: run cluster/install-deps.sh (Debian package chromium)"
    finish
    exit 1
fi
# browser ARGS...: headless Chromium with a private profile, bounded in time
browser() {
    timeout 90 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-background-networking \
        --disable-dev-shm-usage --hide-scrollbars --no-first-run --user-data-dir="$WORK/chrome" "$@" 2>>"$WORK/chrome.log"
}
COLOURS=('#2f6fdf' '#e5792b' '#1f9e5a' '#d33a3a' '#7a4fd1') # loss D, loss G, D(x), D(G(z)), images/s
pngstats() { "$PY" "$SRC/tests/metrics/pngstats.py" "$1" "${COLOURS[@]}"; }

check "import ring8" "$NASH" data toy ring8 --n 8000 --out "$WORK/r.h5"
zport=$(free_port)
"$NASH" monitor --bind "tcp://127.0.0.1:$zport" --http 127.0.0.1:0 >"$WORK/mon.out" 2>"$WORK/mon.err" &
mon=$!
STARTED+=("$mon")
check "the monitor prints its dashboard URL" wait_for 10 grep -q "dashboard at http://127.0.0.1:" "$WORK/mon.err"
URL=$(sed -n 's/.*dashboard at //p' "$WORK/mon.err")
echo "dashboard: $URL"

browser --window-size=1400,1000 --timeout=2000 --screenshot="$WORK/empty.png" "$URL" >/dev/null
check "screenshot of the empty dashboard" test -s "$WORK/empty.png"

for run in a b; do
    "$NASH" train "$SRC/configs/ring8-gan.ini" --set data.path="$WORK/r.h5" --set train.steps=1000000 \
        --set train.log_every=10 --set output.sample_every=100 --set output.checkpoint_every=0 \
        --set train.seed="$([ $run = a ] && echo 1 || echo 2)" --set monitor.endpoint="tcp://127.0.0.1:$zport" \
        --run-dir "$WORK/run-$run" --quiet >"$WORK/train-$run.log" 2>&1 &
    STARTED+=("$!")
done
# both runs have published curves and a sample picture
ready() {
    curl -s "${URL}api/state" | "$PY" -c '
import json, sys
s = json.load(sys.stdin)
assert len(s["runs"]) == 2 and all(r["step"] and r["step"]["step"] >= 300 and r["samples"] for r in s["runs"])' 2>/dev/null
}
check "both runs reach step 300 with samples (within 120 s)" wait_for 120 ready
curl -s "${URL}api/state" >"$WORK/state.json"
check "/api/state: runs, series, per-rank times, config, absolute sample paths" "$PY" -c '
import json, os, sys
s = json.load(open(sys.argv[1]))
assert s["malformed"] == 0 and s["lost"] == 0, s
for r in s["runs"]:
    n = len(r["series"]["step"])
    assert n >= 30 and all(len(r["series"][k]) == n for k in ("loss_d", "loss_g", "d_real", "d_fake", "images_per_s")), r["series"]
    assert r["layout"] == "colocated 1" and r["batch"] == 512, r
    assert len(r["ranks"]) == 1 and r["ranks"][0]["role"] == "GD" and r["ranks"][0]["compute"] > 0, r["ranks"]
    assert "[train]" in r["config"], r["config"][:200]
    p = r["samples"]["path"]
    assert os.path.isabs(p) and os.path.exists(p), p
    assert 0 <= r["step"]["d_real"] <= 1 and r["end"] is None
    steps = r["sample_steps"]
    assert len(steps) >= 3 and steps == sorted(steps) and steps[-1] == r["samples"]["step"], steps
' "$WORK/state.json"
run_a=$("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["runs"][0]["id"])' "$WORK/state.json")
code() { curl -s -o "$WORK/body" -w '%{http_code} %{content_type}' "$@"; }
check "GET / is the page" test "$(code "$URL")" = "200 text/html; charset=utf-8"
check "GET /sample?run=ID is the PNG" test "$(code "${URL}sample?run=$run_a")" = "200 image/png"
check "... with the PNG signature" sh -c "head -c 8 '$WORK/body' | od -An -c | grep -q 'P   N   G'"
first=$("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["runs"][0]["sample_steps"][0])' "$WORK/state.json")
check "GET /sample?run=ID&step=$first (an earlier picture of the history) is the PNG" \
    test "$(code "${URL}sample?run=$run_a&step=$first")" = "200 image/png"
check "GET /sample?run=ID&step=7 (never announced) is 404" test "$(code "${URL}sample?run=$run_a&step=7" | cut -d' ' -f1)" = 404
check "GET /sample?run=unknown is 404" test "$(code "${URL}sample?run=nope" | cut -d' ' -f1)" = 404
check "GET /sample without a run is 400" test "$(code "${URL}sample" | cut -d' ' -f1)" = 400
check "GET /elsewhere is 404" test "$(code "${URL}etc/passwd" | cut -d' ' -f1)" = 404
check "POST / is 405" test "$(code -X POST -d x "$URL" | cut -d' ' -f1)" = 405
curl -s -m 2 "${URL}events" >"$WORK/events.txt"
check "/events streams state objects as server-sent events" "$PY" -c '
import json, sys
events = [l[6:] for l in open(sys.argv[1]) if l.startswith("data: ")]
assert len(events) >= 2, len(events)
assert all(len(json.loads(e)["runs"]) == 2 for e in events)' "$WORK/events.txt"

pngstats "$WORK/empty.png" >"$WORK/empty.json"
shows_curves() { # shows_curves STATS.json: the live page shows every curve and is not blank
    "$PY" -c '
import json, sys
empty, live = (json.load(open(p)) for p in sys.argv[1:3])
assert live["width"] == 1400 and live["colours"] > 300, live
assert live["non_background"] > empty["non_background"] + 0.1, (empty, live)
for colour, n in live["near"].items():
    assert n >= empty["near"][colour] + 400, (colour, n, empty["near"][colour])
' "$WORK/empty.json" "$1"
}
# Chromium takes the picture when --timeout runs out; on a loaded machine the page may not have
# drawn by then, so wait longer each time (the page itself is what is tested, not its speed).
shown=false
for wait_ms in 3000 6000 12000 24000; do
    browser --window-size=1400,1000 --timeout=$wait_ms --screenshot="$WORK/live.png" "$URL" >/dev/null
    pngstats "$WORK/live.png" >"$WORK/live.json"
    cat "$WORK/live.json"
    if shows_curves "$WORK/live.json" 2>"$WORK/curves.err"; then
        shown=true
        break
    fi
    echo "the page had not drawn after $wait_ms ms; trying again with more time"
done
check "screenshot of the live dashboard" test -s "$WORK/live.png"
cat "$WORK/curves.err"
check "the live page (server-sent events) shows every curve and is not blank" $shown

browser --virtual-time-budget=4000 --dump-dom "${URL}?poll=1" >"$WORK/dom.html"
check "the polled page holds both runs, curves with points and both sample pictures" "$PY" -c '
import re, sys
dom = open(sys.argv[1]).read()
assert re.search(r"data-runs=\"2\"", dom), "runs"
assert len(re.findall(r"class=\"card\"", dom)) == 2, "cards"
points = [int(p) for p in re.findall(r"data-points=\"(\d+)\"", dom)]
assert len(points) == 7 and min(points) >= 30, points  # 3 charts per run and the comparison of both
compare = re.search(r"<canvas[^>]*data-chart=\"compare\"[^>]*>", dom)
assert compare and int(re.search(r"data-points=\"(\d+)\"", compare.group(0)).group(1)) >= 120, "comparison chart"
assert dom.count("data-loaded=\"1\"") == 2, "sample pictures"
hist = [int(h) for h in re.findall(r"data-sample-history=\"(\d+)\"", dom)]
assert len(hist) == 2 and min(hist) >= 3, hist  # the slider over the sample pictures of each run
' "$WORK/dom.html"
browser --virtual-time-budget=4000 --dump-dom "${URL}?poll=1&logy=1&smooth=0.6" >"$WORK/dom-log.html"
check "?logy=1&smooth=0.6: the loss charts on a log scale, the smoothing set, curves still drawn" "$PY" -c '
import re, sys
dom = open(sys.argv[1]).read()
logs = re.findall(r"data-chart=\"loss\"[^>]*data-log=\"(\d)\"|data-log=\"(\d)\"[^>]*data-chart=\"loss\"", dom)
assert len(logs) == 2 and all("1" in pair for pair in logs), logs
assert re.search(r"id=\"smoothv\">0.60<", dom), "smoothing readout"
points = [int(p) for p in re.findall(r"data-points=\"(\d+)\"", dom)]
assert len(points) == 7 and min(points) >= 30, points
' "$WORK/dom-log.html"
[ -n "${NASH_KEEP:-}" ] && mkdir -p "$NASH_KEEP" && cp "$WORK/live.png" "$WORK/empty.png" "$WORK/dom.html" "$NASH_KEEP/"

kill -TERM "$mon"
if wait_gone "$mon" 5; then
    wait "$mon"
    check "SIGTERM: the monitor exits 0 with its event streams closed (got $?)" test $? -eq 0
else
    fail "SIGTERM: the monitor is still running after 5 s"
fi

"$NASH" monitor --bind "tcp://127.0.0.1:$(free_port)" --http 0.0.0.0:0 >"$WORK/remote.out" 2>&1
check "a non-loopback --http is refused with exit 2 (got $?)" test $? -eq 2
check "the refusal names --allow-remote" grep -q -- "--allow-remote" "$WORK/remote.out"
"$NASH" monitor --bind "tcp://127.0.0.1:$(free_port)" --http nonsense >"$WORK/bad.out" 2>&1
check "a malformed --http is refused with exit 2 (got $?)" test $? -eq 2
check "the refusal shows the expected form" grep -q "HOST:PORT" "$WORK/bad.out"
finish
