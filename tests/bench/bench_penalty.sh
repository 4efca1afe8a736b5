#!/usr/bin/env bash
# bench_penalty.sh — what a gradient penalty costs per step (docs/training.md, "Gradient
# penalties"): one process, one BLAS thread, the D part of a training step (metrics.csv's
# d_compute, seconds per step, the mean of the logged rows after the first) without and with
# each penalty, on
#   ring8    configs/ring8-wgangp.ini: the 2-128-128-1 critic, batch 256, 5 D steps a step
#   sngan    configs/sngan-resnet32.ini: the SNGAN ResNet critic at 32x32, batch 64, 2 D steps
# Prints the CPU and OpenBLAS's kernel first.
#
#     bash tests/bench/bench_penalty.sh [build dir] [steps]     (defaults: build, 24)
set -euo pipefail
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=$(cd "${1:-$SRC/build}" && pwd)
STEPS=${2:-24}
NASH="$BUILD/src/nash"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export OPENBLAS_NUM_THREADS=1

echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
info=$(OPENBLAS_VERBOSE=2 "$NASH" info 2>&1)
echo "BLAS: $(grep -m1 -i '^core' <<<"$info" || echo unknown)"
"$NASH" data toy ring8 --n 20000 --seed 1 --out "$WORK/ring8.h5" >/dev/null
"$NASH" data toy shapes --size 32 --n 2000 --seed 1 --out "$WORK/shapes32.h5" >/dev/null

# d_seconds CONFIG DATA SETTINGS...: D's seconds per step
d_seconds() {
    local cfg=$1 data=$2; shift 2
    local run="$WORK/run"
    rm -rf "$run"
    "$NASH" train "$SRC/configs/$cfg.ini" --set data.path="$data" --set train.steps="$STEPS" \
        --set train.log_every=$((STEPS / 4)) --set output.sample_every=0 --set monitor.enabled=false \
        --run-dir "$run" --quiet "$@"
    awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "d_compute") k = i; next }
             NR > 2 { s += $k; n++ } END { printf "%.4f", s / n }' "$run/metrics.csv"
}

printf '\n| workload | D step | D seconds per step | vs no penalty |\n|---|---|---|---|\n'
bench() { # bench NAME CONFIG DATA BASE-SETTINGS -- ROWS (label:settings)
    local name=$1 cfg=$2 data=$3 base=$4; shift 4
    local none
    none=$(d_seconds "$cfg" "$data" $base)
    for row in "$@"; do
        local label=${row%%:*} settings=${row#*:} t
        t=$(d_seconds "$cfg" "$data" $base $settings)
        printf '| %s | %s | %s | %.2fx |\n' "$name" "$label" "$t" "$(echo "$t / $none" | bc -l)"
    done
    printf '| %s | no penalty | %s | 1.00x |\n' "$name" "$none"
}
bench ring8 ring8-wgangp "$WORK/ring8.h5" "--set loss.penalty=none" \
    "gp (every D step):--set loss.penalty=gp" "r1 (every D step):--set loss.penalty=r1"
bench sngan sngan-resnet32 "$WORK/shapes32.h5" "" \
    "r1 (every D step):--set loss.penalty=r1" "r1 lazy (every 4th):--set loss.penalty=r1 --set loss.penalty_every=4" \
    "gp (every D step):--set loss.penalty=gp"
