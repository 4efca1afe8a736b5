#!/usr/bin/env bash
# pipelined.sh [BUILD] [STEPS] [SEEDS] — does the pipelined schedule train as well as the
# alternating one? Trains configs/fashion-dcgan.ini (the reference DCGAN) for each seed with the
# alternating schedule on 1 rank and with the pipelined schedule on 2 ranks split (1G+1D), the same
# steps, then scores each generator with `nash eval` against Fashion-MNIST (its local classifier's
# Fréchet distance, class JS and classes covered; docs/distributed.md, "Pipelined") and prints a
# table, one row per seed and the mean. Speed is bench_dcgan.sh's business: the runs here share the
# machine.
#
#   bash tests/long/pipelined.sh build 3000 "1 2 3"     (about 30 min on 2 cores)
set -euo pipefail
SRC=$(readlink -f "$(dirname "${BASH_SOURCE[0]}")/../..")
BUILD=$(readlink -f "${1:-$SRC/build}")
STEPS=${2:-3000}
SEEDS=${3:-1 2 3}
NASH="$BUILD/src/nash"
export OPENBLAS_NUM_THREADS=1 OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 \
    OMPI_MCA_btl_tcp_if_include=lo OMPI_MCA_oob_tcp_if_include=lo OMPI_MCA_btl=self,vader,tcp
WORK=${WORK:-$(mktemp -d /tmp/nash-pipelined.XXXXXX)}
mkdir -p "$WORK"
DATA="$SRC/data/fashion-mnist.h5"
[ -f "$DATA" ] || "$NASH" data fashion-mnist --out "$DATA" >/dev/null
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'); $(OPENBLAS_VERBOSE=2 "$NASH" info 2>&1 | grep '^Core:' | tail -n1)"

train() { # train SEED alternating|pipelined
    local np=1
    [ "$2" = pipelined ] && np=2
    mpirun --oversubscribe --bind-to none -n $np "$NASH" train "$SRC/configs/fashion-dcgan.ini" \
        --set data.path="$DATA" --set train.steps="$STEPS" --set train.seed="$1" --set cluster.schedule="$2" \
        --set output.sample_every=0 --set monitor.enabled=false --run-dir "$WORK/$2-$1" --quiet
}
for s in $SEEDS; do
    train "$s" alternating &
    train "$s" pipelined &
    wait
done
for s in $SEEDS; do
    for k in alternating pipelined; do
        "$NASH" eval "$WORK/$k-$s/weights.h5" --against "$DATA" --json >"$WORK/$k-$s.json"
    done
done
/usr/bin/python3 "$SRC/tests/long/frechet_pairs.py" "$WORK" alternating pipelined "alternating (1 rank)" "pipelined (2 ranks)" $SEEDS
echo "runs in $WORK"
