#!/usr/bin/env bash
# bench_dcgan.sh — nash against its PyTorch peer and the machine's sgemm on the reference workload,
# configs/fashion-dcgan.ini (docs/benchmarks.md): bench_peer.sh with the dcgan workload, where
# the configurations and the table are described.
#
#     bash tests/bench/bench_dcgan.sh [build dir] [steps] [rounds] [configurations]
#                                     (defaults: build, 60, 2, all; e.g. nash-1,torch-1t)
exec bash "$(dirname "${BASH_SOURCE[0]}")/bench_peer.sh" dcgan "$@"
