#!/usr/bin/env bash
# ab_step.sh — two nash binaries, alternating, on one workload (1 rank, 1 BLAS thread):
# the step time of each run and its CPU seconds. For a change worth a few percent, where one run
# of each on a shared machine says nothing. A benchmark, not a test.
#
#     bash tests/bench/ab_step.sh OLD_NASH NEW_NASH [steps] [rounds]     (defaults: 60, 3)
#     CONFIG=configs/sngan-resnet32.ini DATA=data/shapes32.h5 bash tests/bench/ab_step.sh ...
#
# CONFIG and DATA choose another workload (default: the reference DCGAN on Fashion-MNIST,
# imported into a temporary file); its batch must be 64 and its train.log_every must divide 10.
# ms/step is from nash's own metrics.csv (images_per_s is cumulative: the time to step s is
# s*B/rate(s)), between step 10 and the last log; CPU is user + system seconds of the whole run
# (/usr/bin/time), start-up included, which a loaded machine disturbs less than the wall clock.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
[ $# -ge 2 ] || { echo "usage: [CONFIG=INI DATA=H5] ab_step.sh OLD_NASH NEW_NASH [steps] [rounds]" >&2; exit 2; }
OLD=$(realpath "$1") NEW=$(realpath "$2") STEPS=${3:-60} ROUNDS=${4:-3}
CONFIG=$(realpath "${CONFIG:-$ROOT/configs/fashion-dcgan.ini}")
for f in "$OLD" "$NEW" /usr/bin/time; do [ -x "$f" ] || { echo "ab_step.sh: $f is not executable" >&2; exit 2; }; done
WORK=$(mktemp -d /tmp/nash-ab.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
if [ -n "${DATA:-}" ]; then
    DATA=$(realpath "$DATA")
else
    DATA=$WORK/fashion.h5
    "$OLD" data fashion-mnist --out "$DATA" >/dev/null
fi
for r in $(seq "$ROUNDS"); do
    for which in old new; do
        bin=$OLD
        [ "$which" = new ] && bin=$NEW
        rm -rf "$WORK/run"
        OPENBLAS_NUM_THREADS=1 /usr/bin/time -f "%U %S" -o "$WORK/cpu" "$bin" train "$CONFIG" \
            --set "data.path=$DATA" --set "train.steps=$STEPS" --set output.sample_every=0 \
            --set monitor.enabled=false --run-dir "$WORK/run" --quiet >/dev/null
        awk -F, -v which="$which" -v round="$r" -v cpu="$(awk '{print $1 + $2}' "$WORK/cpu")" '
            NR > 1 { t = $1 * 64 / $11; if ($1 == 10) t10 = t; last = t; ls = $1 }
            END { if (!t10) { print "ab_step.sh: no log line at step 10 in metrics.csv" \
                                    " (train.log_every must divide 10)" > "/dev/stderr"; exit 1 }
                  printf "round %d %s: %.1f ms/step, %.1f images/s, %.2f s CPU\n", round, which,
                  (last - t10) / (ls - 10) * 1000, 64 * (ls - 10) / (last - t10), cpu }' "$WORK/run/metrics.csv"
    done
done
