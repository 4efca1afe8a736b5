#!/usr/bin/env bash
# bench_monitor.sh — what the metrics channel costs a training run, and what the monitor keeps up
# with (a benchmark, not a test: it prints tables; run it on a quiet machine).
#
#     bash tests/bench/bench_monitor.sh [build dir] [rounds]     (defaults: build, 3)
#
# 1. Step time of configs/ring8-gan.ini with a message every step (train.log_every = 1: the worst
#    case, ~3 ms steps) for 3000 steps, one process, under four conditions, alternating, `rounds`
#    times: no monitor listening; a monitor receiving; a monitor SIGSTOPped for the whole run
#    (after it joined); a monitor killed after it joined (the queue fills, then messages drop).
#    Prints the median seconds and ms/step of each and the difference from "no monitor".
# 2. tests/bench/bench_publish against a live `nash monitor`: messages/s at paced rates and flat
#    out, the publisher's cost per message, drops; then the monitor's own count.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
ROUNDS=${2:-3}
NASH="$BUILD/src/nash"
WORK=$(mktemp -d /tmp/nash-bench.XXXXXX)
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT
export OPENBLAS_NUM_THREADS=1
free_port() { /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

"$NASH" data toy ring8 --n 20000 --out "$WORK/r.h5" >/dev/null
STEPS=3000
# run CONDITION: train once, print the wall seconds of the training loop
run() {
    local port mon="" secs
    port=$(free_port)
    if [ "$1" != none ]; then
        "$NASH" monitor --bind "tcp://127.0.0.1:$port" >/dev/null 2>&1 &
        mon=$!
        PIDS+=("$mon")
        sleep 0.3
    fi
    if [ "$1" = stopped ] || [ "$1" = killed ]; then
        # after metrics_open's join wait (250 ms), stop or kill the monitor
        (sleep 1.0; if [ "$1" = stopped ]; then kill -STOP "$mon"; else kill -KILL "$mon"; fi) &
    fi
    "$NASH" train "$ROOT/configs/ring8-gan.ini" --set data.path="$WORK/r.h5" --set train.steps=$STEPS \
        --set train.log_every=1 --set output.sample_every=0 --set output.checkpoint_every=0 \
        --set monitor.endpoint="tcp://127.0.0.1:$port" --run-dir "$WORK/run-$1" >"$WORK/train.log" 2>&1
    secs=$(sed -n 's/^trained [0-9]* steps in \([0-9.]*\) s.*/\1/p' "$WORK/train.log")
    dropped=$(sed -n 's/.* \([0-9]*\) dropped.*/\1/p' "$WORK/train.log")
    if [ -n "$mon" ]; then kill -CONT "$mon" 2>/dev/null || true; kill -KILL "$mon" 2>/dev/null || true; wait "$mon" 2>/dev/null || true; fi
    rm -rf "$WORK/run-$1"
    echo "$secs $dropped"
}

CONDITIONS=(none live stopped killed)
declare -A TIMES DROPS
for r in $(seq "$ROUNDS"); do
    for c in "${CONDITIONS[@]}"; do
        read -r secs dropped < <(run "$c")
        TIMES[$c]+="$secs "
        DROPS[$c]=$dropped
        echo "round $r: $c ${secs} s (dropped $dropped)" >&2
    done
done
echo
echo "Step time, configs/ring8-gan.ini, $STEPS steps, a message every step, median of $ROUNDS"
printf '%-10s %10s %10s %10s %10s\n' monitor seconds ms/step "vs none" dropped
median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
base=$(median <<<"${TIMES[none]}")
for c in "${CONDITIONS[@]}"; do
    m=$(median <<<"${TIMES[$c]}")
    awk -v m="$m" -v b="$base" -v n=$STEPS -v c="$c" -v d="${DROPS[$c]}" \
        'BEGIN { printf "%-10s %10.2f %10.3f %+9.1f%% %10s\n", c, m, 1000 * m / n, 100 * (m - b) / b, d }'
done

echo
echo "Messages/s into one nash monitor (step messages with 4 per-rank entries, ~900 bytes)"
port=$(free_port)
"$NASH" monitor --bind "tcp://127.0.0.1:$port" --once >"$WORK/mon.out" 2>&1 &
mon=$!
PIDS+=("$mon")
sleep 0.3
"$BUILD/tests/bench/bench_publish" "tcp://127.0.0.1:$port" 2
wait "$mon" || true
grep '^nash monitor: frames' "$WORK/mon.out"
