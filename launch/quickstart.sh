#!/usr/bin/env bash
# quickstart.sh — nash's main job: from a fresh Debian 12 machine to a running demo.
#
#   bash launch/quickstart.sh      (from any directory; installing packages needs root)
#
# What it does today (the foundation: no trainer yet):
#   1. installs the Debian packages (cluster/install-deps.sh; quick when they are there),
#   2. builds nash into build/ (optimised, with debug info),
#   3. runs `nash --help` and `nash --version`.
#
# What the main job will do as the subcommands land, each as a step appended below:
#   - import Fashion-MNIST from the Debian package dataset-fashion-mnist into an HDF5 file
#     under run/ with `nash data fashion-mnist`;
#   - start `nash monitor` in a tmux pane, listening on loopback for the trainer's metrics;
#   - train a DCGAN with `nash train configs/...ini` under mpirun, the ranks split into a
#     generator group and a discriminator group, writing checkpoints under run/;
#   - draw a PNG grid of samples from the last checkpoint with `nash sample`, and score it
#     with `nash eval`.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD="$ROOT/build"
NASH="$BUILD/src/nash"
JOBS=$(nproc 2>/dev/null || echo 2)

step() { printf '\n== quickstart: %s\n' "$*"; }

step "installing dependencies"
bash "$ROOT/cluster/install-deps.sh"

step "building nash into $BUILD"
cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNASH_SANITIZE=OFF
cmake --build "$BUILD" -j"$JOBS"

step "nash --help"
"$NASH" --help

step "nash --version"
"$NASH" --version

step "done: the trainer is not built yet; see README.md, Status"
