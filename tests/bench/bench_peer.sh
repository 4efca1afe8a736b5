#!/usr/bin/env bash
# bench_peer.sh — nash against its PyTorch peer and the machine's sgemm on one of the two benchmark
# workloads (docs/benchmarks.md). A benchmark, not a test: it prints one table and fails only when
# a run fails. Run it on a quiet machine; it says how loaded the machine was. bench_dcgan.sh and
# bench_sngan.sh are this script with their workload.
#
#     bash tests/bench/bench_peer.sh WORKLOAD [build dir] [steps] [rounds] [configurations]
#
#   dcgan  configs/fashion-dcgan.ini on Fashion-MNIST (imported into the work directory); steps
#          default 60, of which 10 warm-up; nash also runs the simultaneous schedule;
#   sngan  configs/sngan-resnet32.ini (residual G, spectrally normalised residual D, hinge loss,
#          n_critic = 2) on the coloured shapes at 32x32, data/shapes32.h5 (made with `nash data
#          toy shapes` when missing); steps default 25, of which 5 warm-up (a step is ~5x the
#          DCGAN's work); the simultaneous schedule needs n_critic = 1, so it is not run.
# rounds default to 2; configurations, comma-separated (e.g. nash-1,torch-1t), default to all.
#
# Every round runs, one after the other (the order reversed in every other round, so a slow
# patch of the machine does not hit one configuration only):
#   nash  1 rank (1 BLAS thread); 1 rank with 2 BLAS threads; 2 ranks split (1 G + 1 D) and 2
#         ranks colocated (mpirun, 1 BLAS thread per rank); alternating, and for dcgan also
#         simultaneous; 2 ranks split with the pipelined schedule;
#         where oneDNN has bf16 kernels for the CPU (nash info: "bf16: yes"), also 1 rank and 2
#         ranks colocated (for dcgan also simultaneous) with train.precision = bf16;
#   torch tests/bench/torch_peer.py: 1 thread, 2 threads, DDP (gloo) with 2 processes, and 1
#         thread under bf16 autocast where the CPU has avx512_bf16 or amx_bf16;
#   sgemm build/tests/bench/bench_sgemm (the roof), once per round.
# nash's time per step comes from its own metrics.csv (images_per_s is cumulative, so the time to
# step s is s*B/rate_s; the step time is the difference between the last log and the warm-up's),
# its data wait from the d_data column, peak RSS per rank from /usr/bin/time -f %M. The peer times
# itself. The table (tests/bench/bench_dcgan_table.py) shows the median over the rounds of each
# figure, after the CPU model (lscpu), nash's BLAS kernel and its convolution path (nash info);
# the raw results (results.txt, sgemm.*.txt, each run's metrics.csv and log) stay in the work
# directory, whose path is printed at the end.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
WORKLOAD=${1:-}
BUILD=$(cd "${2:-$ROOT/build}" && pwd)
NASH="$BUILD/src/nash"
SGEMM="$BUILD/tests/bench/bench_sgemm"
PY=/usr/bin/python3
case $WORKLOAD in
dcgan)
    CONFIG="$ROOT/configs/fashion-dcgan.ini" STEPS=${3:-60} WARMUP=10
    CONFIGS=(nash-1 torch-1t nash-1-2t torch-2t nash-split nash-coloc torch-ddp2 nash-split-sim nash-coloc-sim
        nash-1-sim nash-split-pipe) ;;
sngan)
    CONFIG="$ROOT/configs/sngan-resnet32.ini" STEPS=${3:-25} WARMUP=5
    CONFIGS=(nash-1 torch-1t nash-1-2t torch-2t nash-split nash-coloc torch-ddp2 nash-split-pipe) ;;
*) echo "usage: bench_peer.sh dcgan|sngan [build dir] [steps] [rounds] [configurations]" >&2; exit 2 ;;
esac
ROUNDS=${4:-2}
grep -qwE 'avx512_bf16|amx_bf16' /proc/cpuinfo && CONFIGS+=(torch-1t-bf16)
if "$NASH" info | grep -q '(bf16: yes)'; then
    CONFIGS+=(nash-1-bf16 nash-coloc-bf16)
    [ "$WORKLOAD" = dcgan ] && CONFIGS+=(nash-coloc-sim-bf16)
fi
if [ -n "${5:-}" ]; then
    IFS=, read -r -a CONFIGS <<<"$5"
fi
ME="bench_$WORKLOAD.sh"
[ "$STEPS" -gt $((WARMUP + 10)) ] || { echo "$ME: steps must be > $((WARMUP + 10))" >&2; exit 2; }
for f in "$NASH" "$SGEMM" /usr/bin/time; do
    [ -x "$f" ] || { echo "$ME: $f is missing (build the tests; apt install time)" >&2; exit 2; }
done
WORK=$(mktemp -d "/tmp/nash-bench-$WORKLOAD.XXXXXX")
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl_tcp_if_include=lo \
    OMPI_MCA_oob_tcp_if_include=lo OMPI_MCA_btl=self,vader,tcp
MPIRUN=(mpirun --oversubscribe --bind-to none)
RESULTS="$WORK/results.txt"
: >"$RESULTS"

if [ "$WORKLOAD" = dcgan ]; then
    DATA="$WORK/fashion.h5"
    "$NASH" data fashion-mnist --out "$DATA" >/dev/null
else
    DATA="$ROOT/data/shapes32.h5"
    if [ ! -f "$DATA" ]; then
        mkdir -p "$(dirname "$DATA")"
        "$NASH" data toy shapes --size 32 --n 20000 --seed 1 --out "$DATA" >/dev/null
    fi
fi
{
    echo "cpu: $(lscpu | sed -n 's/^Model name:[[:space:]]*//p') ($(nproc) cores)"
    "$NASH" info | grep -E '^(cpu|blas|kernel|convolution) '
} | tee "$WORK/machine.txt"
echo "load before: $(cat /proc/loadavg)" | tee "$WORK/load.txt"

# nash_run NAME NP THREADS LAYOUT SCHEDULE ROUND [PRECISION]: one timed nash run, a result line
# appended
nash_run() {
    local name=$1 np=$2 threads=$3 layout=$4 schedule=$5 round=$6 precision=${7:-float32}
    local dir="$WORK/$name.$round"
    local args=(train "$CONFIG" --set "data.path=$DATA" --set "train.steps=$STEPS" --set "train.precision=$precision"
        --set "train.log_every=$WARMUP" --set output.sample_every=0 --set monitor.enabled=false
        --set "cluster.layout=$layout" --set "cluster.schedule=$schedule" --set cluster.generator_ranks=1
        --run-dir "$dir" --quiet)
    mkdir -p "$dir"
    if [ "$np" = 1 ]; then
        OPENBLAS_NUM_THREADS=$threads /usr/bin/time -f %M -o "$dir/rss.0" "$NASH" "${args[@]}" >"$dir/log" 2>&1 ||
            { tail -n 5 "$dir/log" >&2; exit 1; }
    else
        # each rank under /usr/bin/time, its peak RSS (KiB) in rss.RANK (the rank expands in sh -c)
        # shellcheck disable=SC2016
        OPENBLAS_NUM_THREADS=$threads "${MPIRUN[@]}" -x OPENBLAS_NUM_THREADS -n "$np" \
            sh -c 'exec /usr/bin/time -f %M -o "$0/rss.$OMPI_COMM_WORLD_RANK" "$@"' "$dir" \
            "$NASH" "${args[@]}" >"$dir/log" 2>&1 || { tail -n 5 "$dir/log" >&2; exit 1; }
    fi
    "$PY" "$ROOT/tests/bench/bench_dcgan_table.py" nash-result "$name" "$round" "$np" "$threads" "$schedule" \
        "$dir" "$WARMUP" >>"$RESULTS"
}

# torch_run NAME ROUND ARGS...: one timed run of the peer
torch_run() {
    local name=$1 round=$2; shift 2
    local port line
    port=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    line=$("$PY" "$ROOT/tests/bench/torch_peer.py" "$CONFIG" "$DATA" --steps $((STEPS - WARMUP)) \
        --warmup $WARMUP --port "$port" "$@" 2>"$WORK/$name.$round.err" | grep '^torch ') ||
        { tail -n 5 "$WORK/$name.$round.err" >&2; exit 1; }
    echo "$name $round $line" >>"$RESULTS"
}

run_config() {
    case $1 in
    nash-1) nash_run "$1" 1 1 split alternating "$2" ;;
    nash-1-sim) nash_run "$1" 1 1 split simultaneous "$2" ;;
    nash-1-2t) nash_run "$1" 1 2 split alternating "$2" ;;
    nash-split) nash_run "$1" 2 1 split alternating "$2" ;;
    nash-split-sim) nash_run "$1" 2 1 split simultaneous "$2" ;;
    nash-split-pipe) nash_run "$1" 2 1 split pipelined "$2" ;;
    nash-coloc) nash_run "$1" 2 1 colocated alternating "$2" ;;
    nash-coloc-sim) nash_run "$1" 2 1 colocated simultaneous "$2" ;;
    nash-1-bf16) nash_run "$1" 1 1 split alternating "$2" bf16 ;;
    nash-coloc-bf16) nash_run "$1" 2 1 colocated alternating "$2" bf16 ;;
    nash-coloc-sim-bf16) nash_run "$1" 2 1 colocated simultaneous "$2" bf16 ;;
    torch-1t) torch_run "$1" "$2" --threads 1 ;;
    torch-2t) torch_run "$1" "$2" --threads 2 ;;
    torch-ddp2) torch_run "$1" "$2" --ddp 2 ;;
    torch-1t-bf16) torch_run "$1" "$2" --threads 1 --bf16 ;;
    *) echo "$ME: no configuration $1" >&2; exit 2 ;;
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
echo
cat "$WORK/machine.txt"
sed -n 's/^# OpenBLAS \([^;]*\);.*/sgemm (OpenBLAS left to its own kernel choice): \1/p' "$WORK/sgemm.1.txt"
"$PY" "$ROOT/tests/bench/bench_dcgan_table.py" table "$WORK" "$STEPS" "$ROUNDS" "$CONFIG" "$WARMUP"
# keep the figures (results.txt, sgemm.*.txt, each run's metrics.csv and log), not data and weights
[ "$WORKLOAD" = dcgan ] && rm -f "$DATA"
rm -rf "$WORK"/*/weights.h5 "$WORK"/*/ckpt "$WORK"/*/samples
echo "raw results: $WORK"
