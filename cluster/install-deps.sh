#!/usr/bin/env bash
# install-deps.sh — install what nash's build, tests and demo need on Debian 12 (bookworm).
#
#   bash cluster/install-deps.sh        (as root; from any directory)
#
# Idempotent and quick when nothing is missing: it asks dpkg which packages are installed and
# runs `apt-get update` and `apt-get install` only for the missing ones. When nothing is missing
# it succeeds without root, so a cluster user whose admin installed the packages can run it too.
# Why each package is needed: docs/building.md.
set -euo pipefail

# The one list of packages, by purpose.
PACKAGES=(
    # Build: C11 compiler and make, CMake >= 3.20, pkg-config (finds OpenBLAS, ZeroMQ, inih).
    build-essential cmake pkg-config
    # Fuzzing (-DNASH_FUZZ=ON, tests/fuzz, CI's fuzz section): clang and its libFuzzer and
    # sanitizer runtimes.
    clang libclang-rt-14-dev
    # MPI: headers and libraries for src/comm/, mpirun to launch ranks.
    libopenmpi-dev openmpi-bin
    # BLAS: sgemm behind the dense and convolution layers.
    libopenblas-dev
    # oneDNN: the direct convolutions and transposed convolutions of src/nn/conv_onednn.c (its
    # CPU runtime uses OpenMP: libgomp comes with build-essential's gcc).
    libdnnl-dev
    # HDF5 built against Open MPI (data shards, checkpoints); h5dump/h5ls to look inside them.
    libhdf5-openmpi-dev hdf5-tools
    # ZeroMQ: the metrics stream from the trainer to the monitor.
    libzmq3-dev
    # INI config files.
    libinih-dev
    # PNG sample grids (libpng needs zlib); JPEG ones (libjpeg-turbo).
    libpng-dev zlib1g-dev libjpeg62-turbo-dev
    # The monitor's HTTP dashboard and the JSON of its metric messages.
    libmicrohttpd-dev libcjson-dev
    # Reference implementations and file checks in the tests (PyTorch layers, h5py, pyzmq, SciPy).
    python3-torch python3-h5py python3-zmq python3-scipy python3-numpy
    # References for image decoding and resizing in the importer tests (Pillow, torchvision).
    python3-pil python3-torchvision
    # Demo: the Fashion-MNIST data set (IDX files under /usr/share/datasets/fashion-mnist).
    dataset-fashion-mnist
    # Demo: trainer and monitor side by side in one terminal.
    tmux
    # Tests: the monitor's web page is loaded and photographed in headless Chromium; curl
    # fetches its API.
    chromium curl
    # Cluster launch: a real one-node SLURM cluster on this machine (cluster/slurm-up.sh: slurmctld,
    # slurmd, sbatch/srun and their plugins, incl. mpi/pmix) for launch/slurm/ and the `cluster`
    # tests, and munge, which authenticates every SLURM message.
    slurm-wlm munge
    # Cluster launch: `ip netns`, veth pairs and a bridge for the network-namespace hosts
    # (cluster/netns-up.sh); `ss` to find free ports (cluster/slurm-up.sh, launch/run.sh).
    iproute2
    # Benchmarks: /usr/bin/time -f %M gives each rank's peak resident memory
    # (tests/bench/bench_dcgan.sh).
    time
)

die() {
    printf 'install-deps.sh: error: %s\n' "$*" >&2
    exit 1
}

for tool in dpkg-query apt-get; do
    command -v "$tool" >/dev/null 2>&1 ||
        die "$tool not found: this script is for Debian 12 (bookworm); install the packages listed in $0 with your system's package manager"
done

if [ -r /etc/os-release ]; then
    # shellcheck disable=SC1091
    . /etc/os-release
    if [ "${ID:-}" != debian ] || [ "${VERSION_ID:-}" != 12 ]; then
        printf 'install-deps.sh: warning: written for Debian 12, this is %s; trying anyway\n' \
            "${PRETTY_NAME:-an unknown system}" >&2
    fi
fi

# installed PKG: true when dpkg has PKG fully installed.
installed() {
    [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = installed ]
}

missing=()
for pkg in "${PACKAGES[@]}"; do
    installed "$pkg" || missing+=("$pkg")
done

if [ ${#missing[@]} -eq 0 ]; then
    printf 'install-deps.sh: all %d packages are installed\n' "${#PACKAGES[@]}"
    exit 0
fi

printf 'install-deps.sh: missing %d of %d packages: %s\n' "${#missing[@]}" "${#PACKAGES[@]}" "${missing[*]}"
[ "$(id -u)" -eq 0 ] ||
    die "installing packages needs root; run it as root (sudo bash $0) or ask an admin to run: apt-get install --no-install-recommends ${missing[*]}"

export DEBIAN_FRONTEND=noninteractive
# Wait for another apt or dpkg run (unattended upgrades, a second shell) instead of failing at once.
APT=(apt-get -o DPkg::Lock::Timeout=600 -q)

"${APT[@]}" update ||
    die "apt-get update failed (exit $?): check the network and /etc/apt/sources.list*, then run this script again"
"${APT[@]}" install -y --no-install-recommends "${missing[@]}" ||
    die "apt-get install failed (exit $?) for: ${missing[*]}; see apt's messages above"

still=()
for pkg in "${missing[@]}"; do
    installed "$pkg" || still+=("$pkg")
done
[ ${#still[@]} -eq 0 ] || die "apt-get reported success but these packages are still not installed: ${still[*]}"

printf 'install-deps.sh: installed %s\n' "${missing[*]}"
