#!/usr/bin/env bash
# md_gan.sh [BUILD] [STEPS] [SEEDS] [GROUPS] — does training against several discriminators
# (cluster.discriminator_groups, MD-GAN) train as well as against one? For each seed, trains
# configs/fashion-dcgan.ini on 4 ranks split 2G+2D with the pipelined schedule, once with one
# discriminator (its 2 ranks share one D and the whole data) and once with GROUPS (default 2)
# discriminator groups (each D rank its own D and its own shard, swapped every epoch of a shard),
# the same steps, one run at a time; then scores each generator with `nash eval` against
# Fashion-MNIST (the local classifier's Fréchet distance, class JS, classes covered) and prints a
# table with each run's images/s (4 ranks on this machine's cores: indicative, not a benchmark).
#
#   bash tests/long/md_gan.sh build 3000 "1 2 3"     (about 60 min on 2 cores)
set -euo pipefail
SRC=$(readlink -f "$(dirname "${BASH_SOURCE[0]}")/../..")
BUILD=$(readlink -f "${1:-$SRC/build}")
STEPS=${2:-3000}
SEEDS=${3:-1 2 3}
GROUPS_K=${4:-2}
NASH="$BUILD/src/nash"
export OPENBLAS_NUM_THREADS=1 OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 \
    OMPI_MCA_btl_tcp_if_include=lo OMPI_MCA_oob_tcp_if_include=lo OMPI_MCA_btl=self,vader,tcp
WORK=${WORK:-$(mktemp -d /tmp/nash-md-gan.XXXXXX)}
mkdir -p "$WORK"
DATA="$SRC/data/fashion-mnist.h5"
[ -f "$DATA" ] || "$NASH" data fashion-mnist --out "$DATA" >/dev/null
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'); $(OPENBLAS_VERBOSE=2 "$NASH" info 2>&1 | grep '^Core:' | tail -n1)"

train() { # train SEED GROUPS
    [ -s "$WORK/k$2-$1/weights.h5" ] && return 0 # a finished run is kept (WORK=... to continue)
    mpirun --oversubscribe --bind-to none -n 4 "$NASH" train "$SRC/configs/fashion-dcgan.ini" \
        --set data.path="$DATA" --set train.steps="$STEPS" --set train.seed="$1" \
        --set cluster.layout=split --set cluster.generator_ranks=2 --set cluster.schedule=pipelined \
        --set cluster.discriminator_groups="$2" --set output.sample_every=0 --set monitor.enabled=false \
        --run-dir "$WORK/k$2-$1" --quiet
}
for s in $SEEDS; do
    for k in 1 "$GROUPS_K"; do
        train "$s" "$k"
        "$NASH" eval "$WORK/k$k-$s/weights.h5" --against "$DATA" --json >"$WORK/k$k-$s.json"
    done
done
/usr/bin/python3 - "$WORK" "$GROUPS_K" $SEEDS <<'PY'
import csv, json, statistics, sys
work, k, seeds = sys.argv[1], sys.argv[2], sys.argv[3:]
get = lambda g, s: json.load(open("%s/k%s-%s.json" % (work, g, s)))["metrics"]
def speed(g, s):
    rows = list(csv.DictReader(open("%s/k%s-%s/metrics.csv" % (work, g, s))))
    return float(rows[-1]["images_per_s"]) if rows and "images_per_s" in rows[-1] else float("nan")
print("\n| seed | Fréchet, one D | Fréchet, %s Ds | class JS, one / %s | classes | images/s, one / %s |" % (k, k, k))
print("|---|---|---|---|---|---|")
f = {"1": [], k: []}
for s in seeds:
    a, b = get("1", s), get(k, s)
    f["1"].append(a["frechet"]["generated"])
    f[k].append(b["frechet"]["generated"])
    print("| %s | %.2f | %.2f | %.4f / %.4f | %d / %d | %.0f / %.0f |" % (s, f["1"][-1], f[k][-1],
          a["class_js"]["generated"], b["class_js"]["generated"], a["classes"]["generated"],
          b["classes"]["generated"], speed("1", s), speed(k, s)))
if len(seeds) > 1:
    m = {g: (statistics.mean(v), statistics.stdev(v)) for g, v in f.items()}
    print("| mean ± sd | %.2f ± %.2f | %.2f ± %.2f | | | |" % (*m["1"], *m[k]))
print("\nreal data against itself: Fréchet %.2f" % get("1", seeds[0])["frechet"]["real"])
PY
echo "runs in $WORK"
