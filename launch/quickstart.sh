#!/usr/bin/env bash
# quickstart.sh — nash's main job: from a fresh Debian 12 machine to a trained GAN.
#
#   bash launch/quickstart.sh              (from any directory; installing packages needs root)
#   STEPS=3000 bash launch/quickstart.sh   (train longer; the config's full run is 3000 steps)
#
#   1. installs the Debian packages (cluster/install-deps.sh; quick when they are there),
#   2. builds nash into build/ (optimised, with debug info),
#   3. imports Fashion-MNIST from the Debian package dataset-fashion-mnist into
#      data/fashion-mnist.h5 (`nash data fashion-mnist`),
#   4. trains the reference DCGAN (configs/fashion-dcgan.ini) for $STEPS steps into
#      runs/quickstart/ with launch/run.sh: mpirun with one rank per core, colocated (every rank
#      holds G and D: the fastest layout measured, docs/benchmarks.md; RANKS=N and LAYOUT=split
#      to choose), and the metrics monitor next to it (in a terminal its live dashboard, and the
#      web dashboard; Ctrl-C stops the run with a checkpoint, a second Ctrl-C at once),
#   5. draws a grid of 64 samples from the result (`nash sample`) and says where everything is.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD="$ROOT/build"
NASH="$BUILD/src/nash"
JOBS=$(nproc 2>/dev/null || echo 2)
STEPS=${STEPS:-1500}
RANKS=${RANKS:-}
LAYOUT=${LAYOUT:-}
RUN="runs/quickstart"

step() { printf '\n== quickstart: %s\n' "$*"; }

step "installing dependencies"
bash "$ROOT/cluster/install-deps.sh"

step "building nash into $BUILD"
cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNASH_SANITIZE=OFF
cmake --build "$BUILD" -j"$JOBS"

cd "$ROOT"
step "importing Fashion-MNIST into data/fashion-mnist.h5"
mkdir -p data
"$NASH" data fashion-mnist --out data/fashion-mnist.h5

step "training configs/fashion-dcgan.ini for $STEPS steps into $RUN"
# launch/run.sh: the monitor, then mpirun (as root with Open MPI's consent; it says how many
# ranks and which layout, and why), its exit code, and where everything is
# Unset, run.sh chooses (one rank per core, colocated) and says why.
args=(--steps "$STEPS" --run-dir "$RUN")
[ -z "$RANKS" ] || args+=(--ranks "$RANKS")
[ -z "$LAYOUT" ] || args+=(--layout "$LAYOUT")
[ "$LAYOUT" != split ] || args+=(--generator-ranks 1)
NASH="$NASH" bash "$ROOT/launch/run.sh" configs/fashion-dcgan.ini "${args[@]}"

step "sampling 64 images from $RUN/weights.h5"
"$NASH" sample "$RUN/weights.h5" -n 64 -o "$RUN/samples.png" --seed 1

step "done"
cat <<MSG
  samples during training: $ROOT/$RUN/samples/
  final sample grid:       $ROOT/$RUN/samples.png
  losses and D outputs:    $ROOT/$RUN/metrics.csv
  weights (HDF5):          $ROOT/$RUN/weights.h5
  checkpoints:             $ROOT/$RUN/ckpt/
  monitor's messages:      $ROOT/$RUN/monitor.jsonl
MSG
