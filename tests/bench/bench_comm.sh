#!/usr/bin/env bash
# bench_comm.sh — bytes each rank sends and receives per training step, measured, and set beside
# the communication model of docs/benchmarks.md (tests/bench/comm_model.py). A benchmark, not a
# test.
#
#     bash tests/bench/bench_comm.sh [build dir] [ranks ...]     (defaults: build, 2 3 4)
#     SCHEDULES="pipelined" bash tests/bench/bench_comm.sh ...  (default: all three)
#     GROUPS_K=2 bash tests/bench/bench_comm.sh build 4    (discriminator groups, swap_every = 3:
#         only the layouts whose discriminator ranks divide into the groups)
#
# For P in the given rank counts: split with 1 generator rank (1G + (P-1)D), split with 2
# generator ranks when P = 4 (2G+2D), and colocated; each with every schedule (pipelined: the
# split only). Every
# configuration runs twice, for S1 = 3 and S2 = 9 steps (reference config, logging only at the
# end, no samples, no monitor), and the per-step figure is the difference divided by S2 - S1,
# which removes setup, the final log and gathering D's state for the weights file.
# Two ways of counting:
#   colocated: Open MPI's `monitoring` pml (--mca pml_monitoring_enable 2), which counts every
#     point-to-point message, including those collectives are made of: sent and received;
#   split: that component crashes in MPI_Intercomm_create when a group has more than one rank
#     (Open MPI 4.1.4), so the ranks run over TCP only (btl self,tcp) and the LD_PRELOAD library
#     tests/bench/io_at_exit.c saves each rank's /proc/self/io at exit: wchar is the bytes it
#     wrote to sockets (and files, which the differencing removes): sent only, with the TCP
#     transport's headers (about 0.1%).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
shift || true
RANKS=("$@")
[ ${#RANKS[@]} -gt 0 ] || RANKS=(2 3 4)
NASH="$BUILD/src/nash"
IO_LIB="$BUILD/tests/bench/libio_at_exit.so"
PY=/usr/bin/python3
CONFIG="$ROOT/configs/fashion-dcgan.ini"
S1=3
S2=9
WORK=$(mktemp -d /tmp/nash-bench-comm.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl_tcp_if_include=lo \
    OMPI_MCA_oob_tcp_if_include=lo OMPI_MCA_btl=self,vader,tcp OPENBLAS_NUM_THREADS=1
"$NASH" data fashion-mnist --out "$WORK/fashion.h5" >/dev/null

K=${GROUPS_K:-1}
# measure P LAYOUT G SCHEDULE STEPS: counts in $WORK/P-LAYOUT-G-SCHEDULE-K-STEPS/ (m.RANK.prof or io.RANK)
measure() {
    local dir="$WORK/$1-$2-$3-$4-$K-$5"
    local args=(train "$CONFIG" --set "data.path=$WORK/fashion.h5" --set "train.steps=$5"
        --set train.log_every=1000 --set output.sample_every=0 --set monitor.enabled=false
        --set "cluster.layout=$2" --set "cluster.generator_ranks=$3" --set "cluster.schedule=$4"
        --set "cluster.discriminator_groups=$K" --set cluster.swap_every=3 --run-dir "$dir/run" --quiet)
    mkdir -p "$dir"
    if [ "$2" = colocated ]; then
        timeout 300 mpirun --oversubscribe --bind-to none -n "$1" --mca pml_monitoring_enable 2 \
            --mca pml_monitoring_enable_output 3 --mca pml_monitoring_filename "$dir/m" \
            "$NASH" "${args[@]}" >"$dir/log" 2>&1
    else
        OMPI_MCA_btl=self,tcp NASH_IO_DIR=$dir LD_PRELOAD=$IO_LIB timeout 300 mpirun --oversubscribe \
            --bind-to none -n "$1" -x LD_PRELOAD -x NASH_IO_DIR "$NASH" "${args[@]}" >"$dir/log" 2>&1
    fi
}

CASES=()
for p in "${RANKS[@]}"; do
    CASES+=("$p split 1")
    [ "$p" = 4 ] && CASES+=("$p split 2")
    CASES+=("$p colocated 1")
done
for c in "${CASES[@]}"; do
    read -r p layout g <<<"$c"
    d=$p
    [ "$layout" = split ] && d=$((p - g))
    [ $((d % K)) -eq 0 ] || continue
    for schedule in ${SCHEDULES:-alternating simultaneous pipelined}; do
        [ "$layout/$schedule" = colocated/pipelined ] && continue
        echo "measuring $p ranks $layout g=$g $schedule" >&2
        measure "$p" "$layout" "$g" "$schedule" $S1
        measure "$p" "$layout" "$g" "$schedule" $S2
    done
done
"$PY" "$ROOT/tests/bench/comm_model.py" check "$CONFIG" "$WORK" $S1 $S2
