#!/usr/bin/env bash
# bench_split.sh — does cluster.generator_ranks = auto pick the fastest split? A benchmark, not a
# test: it prints one table per rank count and fails only when a run fails. On 3 and 4 ranks it
# times the reference DCGAN (configs/fashion-dcgan.ini) with every split fixed (1G+2D, 2G+1D;
# 1G+3D, 2G+2D, 3G+1D), then runs it with generator_ranks = auto, and says which split auto took
# and how its fixed time compares with the fastest. nash's time per step comes from its own
# metrics.csv (bench_dcgan_table.py), 1 BLAS thread per rank, after 10 warm-up steps.
#
#     bash tests/bench/bench_split.sh [build dir] [steps] [schedules]
#
# steps default 60; schedules, comma-separated, default pipelined,alternating. With more ranks
# than cores the ranks share them (mpirun --oversubscribe), as in the MPI tests.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
STEPS=${2:-60}
IFS=, read -r -a SCHEDULES <<<"${3:-pipelined,alternating}"
NASH="$BUILD/src/nash"
PY=/usr/bin/python3
WORK=$(mktemp -d /tmp/nash-bench-split.XXXXXX)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl_tcp_if_include=lo \
    OMPI_MCA_oob_tcp_if_include=lo OMPI_MCA_btl=self,vader,tcp OPENBLAS_NUM_THREADS=1
DATA="$WORK/fashion.h5"
"$NASH" data fashion-mnist --out "$DATA" >/dev/null
{
    echo "cpu: $(lscpu | sed -n 's/^Model name:[[:space:]]*//p') ($(nproc) cores), $(date -u +%Y-%m-%d)"
    "$NASH" info | grep -E '^(blas|kernel) '
} | tee "$WORK/machine.txt"
run() { # run NAME NP SCHEDULE G: prints ms/step
    local dir="$WORK/$1"
    mpirun --oversubscribe --bind-to none -x OPENBLAS_NUM_THREADS -n "$2" "$NASH" train "$ROOT/configs/fashion-dcgan.ini" \
        --set "data.path=$DATA" --set "train.steps=$STEPS" --set train.log_every=10 --set output.sample_every=0 \
        --set monitor.enabled=false --set cluster.schedule="$3" --set cluster.generator_ranks="$4" \
        --run-dir "$dir" >"$dir.log" 2>&1 || { tail -n 5 "$dir.log" >&2; exit 1; }
    "$PY" "$ROOT/tests/bench/bench_dcgan_table.py" nash-result "$1" 1 "$2" 1 "$3" "$dir" 10 |
        sed 's/.*ms_per_step=\([0-9.]*\).*/\1/'
}
for schedule in "${SCHEDULES[@]}"; do
    for np in 3 4; do
        declare -A ms=()
        for g in $(seq 1 $((np - 1))); do
            mkdir -p "$WORK"
            ms[$g]=$(run "$schedule-$np-$g" "$np" "$schedule" "$g")
        done
        run "$schedule-$np-auto" "$np" "$schedule" auto >/dev/null
        g=$(awk '$1 == "generator_ranks" { print $3 }' "$WORK/$schedule-$np-auto/config.ini")
        timed=$(grep -o 'auto timed .*' "$WORK/$schedule-$np-auto.log")
        echo
        echo "$np ranks, $schedule ($timed)"
        echo
        echo "| split | ms/step, fixed |"
        echo "|---|---|"
        best=
        for k in "${!ms[@]}"; do
            echo "| ${k}G+$((np - k))D | ${ms[$k]} |"
            if [ -z "$best" ] || awk -v a="${ms[$k]}" -v b="${ms[$best]}" 'BEGIN { exit !(a < b) }'; then best=$k; fi
        done
        verdict=$(awk -v a="${ms[$g]}" -v b="${ms[$best]}" 'BEGIN { printf "%.1f%% slower than", 100 * (a / b - 1) }')
        [ "$g" = "$best" ] && verdict="the fastest,"
        echo
        echo "auto chose ${g}G+$((np - g))D: $verdict ${best}G+$((np - best))D at ${ms[$best]} ms"
        unset ms
    done
done
echo "raw results: $WORK"
