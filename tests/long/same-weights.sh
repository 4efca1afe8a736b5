#!/usr/bin/env bash
# same-weights.sh OLD_NASH NEW_NASH [SOURCE_DIR] — a change meant to keep behaviour (a restructure,
# a refactor) must leave every trained weight bit for bit: six 60-step runs with each binary, and
# h5diff on every weights.h5 and checkpoint, cmp on eval.txt/eval.csv and on the loss columns of
# metrics.csv (the time columns differ from run to run).
#
#   git worktree add /tmp/old <rev> && cmake -S /tmp/old -B /tmp/old/build && cmake --build /tmp/old/build -j2
#   bash tests/long/same-weights.sh /tmp/old/build/src/nash build/src/nash
#
# Runs: the reference DCGAN (configs/fashion-dcgan.ini) on 1 rank, 2 ranks split, 2 colocated
# (alternating and simultaneous), ring8 with evaluation every 30 steps, sines-lstm. About a
# minute per binary on 2 cores. Prints one line per file compared; exits 1 on any difference.
set -euo pipefail
OLD=$(readlink -f "$1"); NEW=$(readlink -f "$2")
SRC=$(readlink -f "${3:-$(dirname "${BASH_SOURCE[0]}")/../..}")
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1
WORK=$(mktemp -d /tmp/nash-same-weights.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
"$NEW" data fashion-mnist --out "$WORK/fashion.h5" >/dev/null
"$NEW" data toy ring8 --n 20000 --out "$WORK/ring8.h5" >/dev/null
"$NEW" data toy sines --n 8192 --len 32 --seed 1 --out "$WORK/sines.h5" >/dev/null

runs() { # NASH OUT
    local nash=$1 out=$2
    local f="--set train.steps=60 --set monitor.enabled=false --quiet"
    local dcgan="$SRC/configs/fashion-dcgan.ini --set data.path=$WORK/fashion.h5 $f"
    "$nash" train $dcgan --run-dir "$out/one"
    mpirun -n 2 --oversubscribe "$nash" train $dcgan --set cluster.layout=split --run-dir "$out/split"
    mpirun -n 2 --oversubscribe "$nash" train $dcgan --set cluster.layout=colocated --run-dir "$out/coloc"
    mpirun -n 2 --oversubscribe "$nash" train $dcgan --set cluster.layout=colocated \
        --set cluster.schedule=simultaneous --run-dir "$out/sim"
    "$nash" train "$SRC/configs/ring8-gan.ini" --set data.path="$WORK/ring8.h5" --set eval.every=30 $f \
        --run-dir "$out/ring8"
    "$nash" train "$SRC/configs/sines-lstm.ini" --set data.path="$WORK/sines.h5" $f --run-dir "$out/sines"
}
runs "$OLD" "$WORK/old"
runs "$NEW" "$WORK/new"

bad=0
cd "$WORK/old"
for f in $(find . -name '*.h5' | sort); do
    if h5diff -q "$f" "$WORK/new/$f" >/dev/null 2>&1; then echo "same  $f"; else echo "DIFF  $f"; bad=1; fi
done
for f in $(find . -name 'eval.txt' -o -name 'eval.csv' | sort); do
    if cmp -s "$f" "$WORK/new/$f"; then echo "same  $f"; else echo "DIFF  $f"; bad=1; fi
done
for f in $(find . -name metrics.csv | sort); do
    if cmp -s <(cut -d, -f1-10 "$f") <(cut -d, -f1-10 "$WORK/new/$f"); then
        echo "same  $f (steps, epochs, losses, D outputs, gradient norms)"
    else
        echo "DIFF  $f"; bad=1
    fi
done
echo "same-weights: $([ $bad = 0 ] && echo 'no difference' || echo 'DIFFERENCES')"
exit $bad
