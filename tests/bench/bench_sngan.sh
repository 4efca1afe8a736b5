#!/usr/bin/env bash
# bench_sngan.sh — nash against its PyTorch peer on the SNGAN ResNet, configs/sngan-resnet32.ini, on
# the coloured shapes at 32x32 (docs/benchmarks.md): bench_peer.sh with the sngan workload, where
# the configurations and the table are described.
#
#     bash tests/bench/bench_sngan.sh [build dir] [steps] [rounds] [configurations]
#                                     (defaults: build, 25, 2, all; e.g. torch-1t,torch-2t)
exec bash "$(dirname "${BASH_SOURCE[0]}")/bench_peer.sh" sngan "$@"
