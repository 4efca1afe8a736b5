#!/usr/bin/env bash
# bench_dcgan.sh — nash against its PyTorch peer and the machine's sgemm on the reference workload
# (configs/fashion-dcgan.ini, docs/benchmarks.md). A benchmark, not a test: it prints one table and
# fails only when a run fails. Run it on a quiet machine; it says how loaded the machine was.
#
#     bash tests/bench/bench_dcgan.sh [build dir] [steps] [rounds]     (defaults: build, 60, 2)
#
# Every round runs, one after the other (the order reversed in every other round, so a slow
# patch of the machine does not hit one configuration only):
#   nash  1 rank (1 BLAS thread), alternating and simultaneous; 1 rank with 2 BLAS threads;
#         2 ranks split (1 G + 1 D) and 2 ranks colocated, each alternating and simultaneous
#         (mpirun, 1 BLAS thread per rank);
#   torch tests/bench/torch_peer.py: 1 thread, 2 threads, DDP (gloo) with 2 processes;
#   sgemm build/tests/bench/bench_sgemm (the roof), once per round.
# Each run does `steps` steps; the first 10 are warm-up and not timed. nash's time per step comes
# from its own metrics.csv (images_per_s is cumulative, so the time to step s is s*B/rate_s; the
# step time is the difference between the last log and step 10), its data wait from the d_data
# column, peak RSS per rank from /usr/bin/time -f %M. The peer times itself (torch_peer.py).
# The table (tests/bench/bench_dcgan_table.py) shows the median over the rounds of each figure;
# the raw results (results.txt, sgemm.*.txt, each run's metrics.csv) stay in the work
# directory, whose path is printed at the end.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
STEPS=${2:-60}
ROUNDS=${3:-2}
NASH="$BUILD/src/nash"
SGEMM="$BUILD/tests/bench/bench_sgemm"
PY=/usr/bin/python3
CONFIG="$ROOT/configs/fashion-dcgan.ini"
WARMUP=10
[ "$STEPS" -gt $((WARMUP + 10)) ] || { echo "bench_dcgan.sh: steps must be > $((WARMUP + 10))" >&2; exit 2; }
for f in "$NASH" "$SGEMM" /usr/bin/time; do
    [ -x "$f" ] || { echo "bench_dcgan.sh: $f is missing (build the tests; apt install time)" >&2; exit 2; }
done
WORK=$(mktemp -d /tmp/nash-bench-dcgan.XXXXXX)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl_tcp_if_include=lo \
    OMPI_MCA_oob_tcp_if_include=lo OMPI_MCA_btl=self,vader,tcp
MPIRUN=(mpirun --oversubscribe --bind-to none)
RESULTS="$WORK/results.txt"
: >"$RESULTS"

"$NASH" data fashion-mnist --out "$WORK/fashion.h5" >/dev/null
echo "load before: $(cat /proc/loadavg)" | tee "$WORK/load.txt"

# nash_run NAME NP THREADS LAYOUT SCHEDULE ROUND: one timed nash run, a result line appended
nash_run() {
    local name=$1 np=$2 threads=$3 layout=$4 schedule=$5 round=$6
    local dir="$WORK/$name.$round"
    local args=(train "$CONFIG" --set "data.path=$WORK/fashion.h5" --set "train.steps=$STEPS"
        --set "train.log_every=$WARMUP" --set output.sample_every=0 --set monitor.enabled=false
        --set "cluster.layout=$layout" --set "cluster.schedule=$schedule" --set cluster.generator_ranks=1
        --run-dir "$dir" --quiet)
    mkdir -p "$dir"
    if [ "$np" = 1 ]; then
        OPENBLAS_NUM_THREADS=$threads /usr/bin/time -f %M -o "$dir/rss.0" "$NASH" "${args[@]}" >"$dir/log" 2>&1
    else
        # each rank under /usr/bin/time, its peak RSS (KiB) in rss.RANK (the rank expands in sh -c)
        # shellcheck disable=SC2016
        OPENBLAS_NUM_THREADS=$threads "${MPIRUN[@]}" -x OPENBLAS_NUM_THREADS -n "$np" \
            sh -c 'exec /usr/bin/time -f %M -o "$0/rss.$OMPI_COMM_WORLD_RANK" "$@"' "$dir" \
            "$NASH" "${args[@]}" >"$dir/log" 2>&1
    fi
    "$PY" "$ROOT/tests/bench/bench_dcgan_table.py" nash-result "$name" "$round" "$np" "$threads" "$schedule" \
        "$dir" "$WARMUP" >>"$RESULTS"
}

# torch_run NAME ROUND ARGS...: one timed run of the peer
torch_run() {
    local name=$1 round=$2; shift 2
    local port line
    port=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    line=$("$PY" "$ROOT/tests/bench/torch_peer.py" "$CONFIG" "$WORK/fashion.h5" --steps $((STEPS - WARMUP)) \
        --warmup $WARMUP --port "$port" "$@" 2>"$WORK/$name.$round.err" | grep '^torch ')
    echo "$name $round $line" >>"$RESULTS"
}

CONFIGS=(nash-1 torch-1t nash-1-2t torch-2t nash-split nash-coloc torch-ddp2 nash-split-sim nash-coloc-sim
    nash-1-sim)
run_config() {
    case $1 in
    nash-1) nash_run "$1" 1 1 split alternating "$2" ;;
    nash-1-sim) nash_run "$1" 1 1 split simultaneous "$2" ;;
    nash-1-2t) nash_run "$1" 1 2 split alternating "$2" ;;
    nash-split) nash_run "$1" 2 1 split alternating "$2" ;;
    nash-split-sim) nash_run "$1" 2 1 split simultaneous "$2" ;;
    nash-coloc) nash_run "$1" 2 1 colocated alternating "$2" ;;
    nash-coloc-sim) nash_run "$1" 2 1 colocated simultaneous "$2" ;;
    torch-1t) torch_run "$1" "$2" --threads 1 ;;
    torch-2t) torch_run "$1" "$2" --threads 2 ;;
    torch-ddp2) torch_run "$1" "$2" --ddp 2 ;;
    esac
}

for round in $(seq 1 "$ROUNDS"); do
    order=("${CONFIGS[@]}")
    if [ $((round % 2)) = 0 ]; then
        order=()
        for ((i = ${#CONFIGS[@]} - 1; i >= 0; i--)); do order+=("${CONFIGS[i]}"); done
    fi
    "$SGEMM" 0.3 >"$WORK/sgemm.$round.txt"
    for c in "${order[@]}"; do
        echo "round $round/$ROUNDS: $c" >&2
        run_config "$c" "$round"
    done
done
echo "load after: $(cat /proc/loadavg)" | tee -a "$WORK/load.txt"

"$PY" "$ROOT/tests/bench/torch_peer.py" "$CONFIG" --flops >"$WORK/flops.txt"
"$PY" "$ROOT/tests/bench/bench_dcgan_table.py" table "$WORK" "$STEPS" "$ROUNDS"
# keep the figures (results.txt, sgemm.*.txt, each run's metrics.csv and log), not the data and weights
rm -rf "$WORK/fashion.h5" "$WORK"/*/weights.h5 "$WORK"/*/ckpt "$WORK"/*/samples
echo "raw results: $WORK"
