#!/usr/bin/env bash
# bf16.sh [BUILD] [STEPS] [SEEDS] [CONFIG] [DATA] — does train.precision = bf16 train as well as
# float32? Trains CONFIG (default configs/fashion-dcgan.ini, the reference DCGAN) on DATA (default
# data/fashion-mnist.h5, made if missing; a labelled file of nash data) for each seed once in
# float32 and once in bf16, one rank each, the same steps, then scores each generator with
# `nash eval` against its data (the local classifier's Fréchet distance, class JS and classes
# covered; docs/distances.md) and prints a table, one row per seed, and the mean and standard
# deviation over the seeds: bf16 is at equal quality when its mean lies within the seed-to-seed
# spread of float32's. Speed is bench_dcgan.sh's business: the two runs here share the machine.
#
#   bash tests/long/bf16.sh build 3000 "1 2 3"     (about 25 min on 2 cores)
#   bash tests/long/bf16.sh build 800 "1 2 3" configs/sngan-resnet32.ini data/shapes32.h5
#       (the ResNet on its toy shapes, about 30 min; the first `nash eval` trains the data's
#       classifier)
set -euo pipefail
SRC=$(readlink -f "$(dirname "${BASH_SOURCE[0]}")/../..")
BUILD=$(readlink -f "${1:-$SRC/build}")
STEPS=${2:-3000}
SEEDS=${3:-1 2 3}
CONFIG=$(readlink -f "${4:-$SRC/configs/fashion-dcgan.ini}")
NASH="$BUILD/src/nash"
export OPENBLAS_NUM_THREADS=1
WORK=${WORK:-$(mktemp -d /tmp/nash-bf16.XXXXXX)}
mkdir -p "$WORK"
"$NASH" info | grep -q '(bf16: yes)' || { echo "bf16.sh: this CPU has no bf16 kernels: $("$NASH" info | grep '^convolution')" >&2; exit 77; }
if [ -n "${5:-}" ]; then
    DATA=$(readlink -f "$5")
    [ -f "$DATA" ] || { echo "bf16.sh: no data file $5 (make it with nash data)" >&2; exit 2; }
else
    DATA="$SRC/data/fashion-mnist.h5"
    [ -f "$DATA" ] || "$NASH" data fashion-mnist --out "$DATA" >/dev/null
fi
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'); $(OPENBLAS_VERBOSE=2 "$NASH" info 2>&1 | grep '^Core:' | tail -n1); $("$NASH" info | grep '^convolution')"
echo "config: $CONFIG, data: $DATA, $STEPS steps"

train() { # train SEED float32|bf16
    "$NASH" train "$CONFIG" --set data.path="$DATA" --set train.steps="$STEPS" --set train.seed="$1" \
        --set train.precision="$2" --set output.sample_every=0 --set monitor.enabled=false \
        --run-dir "$WORK/$2-$1" --quiet
}
for s in $SEEDS; do
    train "$s" float32 &
    train "$s" bf16 &
    wait
done
for s in $SEEDS; do
    for k in float32 bf16; do
        "$NASH" eval "$WORK/$k-$s/weights.h5" --against "$DATA" --json >"$WORK/$k-$s.json"
    done
done
/usr/bin/python3 "$SRC/tests/long/frechet_pairs.py" "$WORK" float32 bf16 "float32" "bf16" $SEEDS
echo "runs in $WORK"
