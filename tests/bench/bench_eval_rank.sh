#!/usr/bin/env bash
# bench_eval_rank.sh — what does an evaluation rank cost the training ranks? A benchmark, not a
# test: it prints a table and fails only when a run fails. The reference DCGAN
# (configs/fashion-dcgan.ini) trains on one rank without evaluation, and on one rank beside an
# evaluation rank (cluster.eval_ranks = 1) that scores 10,000 samples with every image measure
# every EVERY steps; the rounds alternate the two. Time per step comes from metrics.csv after 20
# warm-up steps; the last evaluation, which the run waits for at its end, is outside it. A first
# short run trains the local classifier, so that no timed run includes it.
#
#     bash tests/bench/bench_eval_rank.sh [build dir] [steps] [every] [rounds]
#
# Defaults: 400 steps, every 100, 2 rounds. Each rank has a core of its own on a 2-core machine.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
STEPS=${2:-400}
EVERY=${3:-100}
ROUNDS=${4:-2}
NASH="$BUILD/src/nash"
PY=/usr/bin/python3
WORK=$(mktemp -d /tmp/nash-bench-eval.XXXXXX)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl_tcp_if_include=lo \
    OMPI_MCA_oob_tcp_if_include=lo OMPI_MCA_btl=self,vader,tcp OPENBLAS_NUM_THREADS=1
DATA="$WORK/fashion.h5"
"$NASH" data fashion-mnist --out "$DATA" >/dev/null
echo "cpu: $(lscpu | sed -n 's/^Model name:[[:space:]]*//p') ($(nproc) cores), $(date -u +%Y-%m-%d)"
"$NASH" info | grep -E '^(blas|kernel) '
run() { # run NAME NP STEPS SETTINGS...
    local dir="$WORK/$1" np=$2 steps=$3
    shift 3
    mpirun --oversubscribe --bind-to none -x OPENBLAS_NUM_THREADS -n "$np" "$NASH" train \
        "$ROOT/configs/fashion-dcgan.ini" --set "data.path=$DATA" --set "train.steps=$steps" --set train.log_every=10 \
        --set output.sample_every=0 --set monitor.enabled=false "$@" --run-dir "$dir" >"$dir.log" 2>&1 ||
        { tail -n 5 "$dir.log" >&2; exit 1; }
}
eval_run=(--set cluster.eval_ranks=1 --set eval.every="$EVERY")
run classifier 2 "$EVERY" "${eval_run[@]}"
names=()
for r in $(seq 1 "$ROUNDS"); do
    if [ $((r % 2)) -eq 1 ]; then order="none eval"; else order="eval none"; fi
    for k in $order; do
        if [ "$k" = none ]; then run "none-$r" 1 "$STEPS"; else run "eval-$r" 2 "$STEPS" "${eval_run[@]}"; fi
        names+=("$k-$r")
    done
done
"$PY" - "$WORK" "$STEPS" "$EVERY" "${names[@]}" <<'PY'
import csv, re, statistics, sys
work, steps, every, names = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
WARMUP = 20
def ms_per_step(name):
    rows = list(csv.DictReader(open(f"{work}/{name}/metrics.csv")))
    batch = int(re.search(r"^batch = (\d+)", open(f"{work}/{name}/config.ini").read(), re.M).group(1))
    t = {int(r["step"]): int(r["step"]) * batch / float(r["images_per_s"]) for r in rows}
    last = max(t)
    return 1e3 * (t[last] - t[WARMUP]) / (last - WARMUP)
ms = {k: [ms_per_step(n) for n in names if n.startswith(k + "-")] for k in ("none", "eval")}
line = {}
for n in names:
    m = re.search(r"eval: (\d+) evaluations on rank \d+, ([0-9.]+) s each.*waited ([0-9.]+) s for them at (\d+) points",
                  open(f"{work}/{n}.log").read())
    if m: line[n] = m.groups()
base = statistics.median(ms["none"])
print(f"\nreference DCGAN, {steps} steps; evaluation of 10,000 samples every {every} steps\n")
print("| configuration | ms/step (each round) | median | cost | evaluations | s per evaluation | training waited |")
print("|---|---|---|---|---|---|---|")
for k, what in (("none", "1 rank, no evaluation"), ("eval", "1 rank + an evaluation rank")):
    med = statistics.median(ms[k])
    evals = [line[n] for n in names if n.startswith(k + "-") and n in line]
    e = f"{evals[0][0]}" if evals else "-"
    per = " / ".join(f"{float(v[1]):.2f}" for v in evals) if evals else "-"
    waited = " / ".join(f"{float(v[2]):.2f} s at {v[3]}" for v in evals) if evals else "-"
    cost = f"{100 * (med / base - 1):+.1f}%" if k == "eval" else ""
    print(f"| {what} | {' / '.join(f'{v:.1f}' for v in ms[k])} | {med:.1f} | {cost} | {e} | {per} | {waited} |")
print(f"\ntarget: an evaluation rank costs at most 3% of step time: "
      f"{'met' if statistics.median(ms['eval']) <= 1.03 * base else 'NOT met'}")
PY
echo "runs in $WORK"
