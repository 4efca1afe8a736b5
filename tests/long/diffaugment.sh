#!/usr/bin/env bash
# diffaugment.sh [BUILD] [STEPS] [SEEDS] [EVALS] [POLICY] — does DiffAugment help with little data?
# Trains configs/fashion32-diffaugment.ini on the first 6000 Fashion-MNIST training images (10%)
# with the augmentation POLICY (the config's own when not given) and without ([augment] policy =
# ""), the same steps, for each seed, then scores the EMA generator of each run with `nash eval`
# against the whole training set (its local classifier's Fréchet distance, class JS and classes
# covered; docs/distances.md) and prints a table, one row per seed and the mean. With EVALS = k > 1
# the runs also checkpoint every STEPS/k steps and every checkpoint is scored too (one table per
# step). Two runs at a time, one BLAS thread each.
#
#   bash tests/long/diffaugment.sh build 3000 "1 2 3"     (about 30 min on 2 cores)
set -euo pipefail
SRC=$(readlink -f "$(dirname "${BASH_SOURCE[0]}")/../..")
BUILD=$(readlink -f "${1:-$SRC/build}")
STEPS=${2:-3000}
SEEDS=${3:-1 2 3}
EVALS=${4:-1}
POLICY=${5:-$(sed -n 's/^policy *= *//p' "$SRC/configs/fashion32-diffaugment.ini")}
NASH="$BUILD/src/nash"
export OPENBLAS_NUM_THREADS=1
WORK=${WORK:-$(mktemp -d /tmp/nash-diffaugment.XXXXXX)}
mkdir -p "$WORK"
DATA="$SRC/data/fashion-mnist32.h5"
[ -f "$DATA" ] || "$NASH" data fashion-mnist --size 32 --out "$DATA" >/dev/null
"$NASH" data fashion-mnist --size 32 --n 6000 --out "$WORK/tenth.h5" >/dev/null
echo "policy: $POLICY"
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'); $(OPENBLAS_VERBOSE=2 "$NASH" info 2>&1 | grep '^Core:' | tail -n1)"

train() { # train SEED none|augment
    local policy=$POLICY
    [ "$2" = none ] && policy=
    "$NASH" train "$SRC/configs/fashion32-diffaugment.ini" --set data.path="$WORK/tenth.h5" \
        --set train.steps="$STEPS" --set train.seed="$1" --set augment.policy="$policy" \
        --set output.checkpoint_every=$((EVALS > 1 ? STEPS / EVALS : 0)) --set output.keep=$((EVALS + 1)) \
        --run-dir "$WORK/$2-$1" --quiet
}
for s in $SEEDS; do
    train "$s" none &
    train "$s" augment &
    wait
done
# the classifier is trained once, by the first evaluation; checkpoints hold the EMA as generator_ema
points=$STEPS
[ "$EVALS" -gt 1 ] && points=$(seq -s ' ' $((STEPS / EVALS)) $((STEPS / EVALS)) "$STEPS")
for s in $SEEDS; do
    for k in none augment; do
        for at in $points; do
            src="$WORK/$k-$s/weights.h5"
            [ "$at" != "$STEPS" ] && src=$(printf '%s/%s-%s/ckpt/step_%08d.h5' "$WORK" "$k" "$s" "$at")
            "$NASH" eval "$src" --ema --against "$DATA" --json >"$WORK/$k-$s-$at.json"
        done
    done
done
/usr/bin/python3 - "$WORK" "$points" $SEEDS <<'PY'
import json, statistics, sys
work, points, seeds = sys.argv[1], sys.argv[2].split(), sys.argv[3:]
get = lambda k, s, at: json.load(open("%s/%s-%s-%s.json" % (work, k, s, at)))["metrics"]
sd = lambda v: statistics.stdev(v) if len(v) > 1 else float("nan")
for at in points:
    print("\nstep %s\n\n| seed | Fréchet, none | Fréchet, DiffAugment | class JS, none / DiffAugment | classes, none / DiffAugment |" % at)
    print("|---|---|---|---|---|")
    f = {"none": [], "augment": []}
    for s in seeds:
        a, b = get("none", s, at), get("augment", s, at)
        f["none"].append(a["frechet"]["generated"])
        f["augment"].append(b["frechet"]["generated"])
        print("| %s | %.2f | %.2f | %.4f / %.4f | %d / %d |" % (s, f["none"][-1], f["augment"][-1],
              a["class_js"]["generated"], b["class_js"]["generated"], a["classes"]["generated"],
              b["classes"]["generated"]))
    if len(seeds) > 1:
        print("| mean ± sd | %.2f ± %.2f | %.2f ± %.2f | | |" % (statistics.mean(f["none"]), sd(f["none"]),
              statistics.mean(f["augment"]), sd(f["augment"])))
print("\nreal data against itself: Fréchet %.2f" % get("none", seeds[0], points[-1])["frechet"]["real"])
PY
echo "runs in $WORK"
