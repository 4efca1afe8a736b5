#!/usr/bin/env bash
# cluster.eval_ranks = 1: the last rank scores G at each [eval] point while the others train on.
#   - images (tests/mpi/tiny-dcgan.ini on 3000 Fashion-MNIST images): eval.csv has a row per
#     evaluation point with the 9 image measures, and each row equals `nash eval` of the checkpoint
#     of that step (-n eval.samples, --seed train.seed) to the 9 significant digits eval.csv keeps:
#     the same generator, the same samples, the same classifier;
#   - training is untouched: the weights equal, bitwise, a run of as many ranks without an
#     evaluation rank (1 training rank, and a 1G+1D split);
#   - a run resumed from its first checkpoint ends with the same eval.csv, byte for byte: rank 0
#     writes every evaluation of a step up to a checkpoint before the checkpoint exists;
#   - toy mixtures (ring8): eval.csv equals, byte for byte, the one rank 0 writes itself without
#     an evaluation rank;
#   - refusals, before training and without a hang: one rank (nothing left to train),
#     eval.every = 0, images without labels, eval.samples beyond the data, and a
#     generator_ranks = auto run whose every split is refused (the evaluation rank is told to stop
#     on every way out).
. "$(dirname "$0")/lib.sh"
CFG="$SRC/tests/mpi/tiny-dcgan.ini"
check "import 3000 Fashion-MNIST images" "$NASH" data fashion-mnist --n 3000 --out "$WORK/f.h5"
img=(--set data.path="$WORK/f.h5" --set train.steps=40 --set eval.every=20 --set eval.samples=500
    --set output.checkpoint_every=20 --set output.keep=5)
check "2 ranks, one of them evaluating" train_np 2 "$WORK/er" "$CFG" "${img[@]}" --set cluster.eval_ranks=1
check "eval.csv: the image measures at steps 20 and 40" /usr/bin/python3 -c '
import sys
rows = open(sys.argv[1]).read().split()
assert rows[0] == "step,frechet,class_js,classes,sliced_w1,kid,precision,recall,density,coverage", rows[0]
assert [r.split(",")[0] for r in rows[1:]] == ["20", "40"], rows' "$WORK/er/eval.csv"
for s in 20 40; do
    ckpt=$(printf '%s/er/ckpt/step_%08d.h5' "$WORK" "$s")
    "$NASH" eval "$ckpt" --against "$WORK/f.h5" -n 500 --seed 5 --json >"$WORK/eval-$s.json" 2>/dev/null
    check "step $s: the evaluation rank's row equals nash eval of the checkpoint" /usr/bin/python3 -c '
import csv, json, sys
row = next(r for r in csv.DictReader(open(sys.argv[1])) if r["step"] == sys.argv[3])
m = json.load(open(sys.argv[2]))["metrics"]
for k, v in row.items():
    if k == "step": continue
    want = m[k]["generated"]
    print("%s %s vs %r" % (k, v, want))
    assert abs(float(v) - want) <= 5e-9 * abs(want) + 1e-12, k  # %.9g' "$WORK/er/eval.csv" "$WORK/eval-$s.json" "$s"
done
check "1 rank, no evaluation rank" train_np 1 "$WORK/one" "$CFG" "${img[@]}"
same_nets() { # every group (the networks; /config names eval_ranks) equal, bitwise
    local groups
    groups=$(h5ls "$1" | awk '$2 == "Group" { print $1 }')
    [ -n "$groups" ] || return 1
    for g in $groups; do h5diff "$1" "$2" "/$g" || return 1; done
}
check "... the same networks, bitwise" same_nets "$WORK/one/weights.h5" "$WORK/er/weights.h5"
check "3 ranks: a 1G+1D split and an evaluation rank" train_np 3 "$WORK/er3" "$CFG" "${img[@]}" \
    --set cluster.eval_ranks=1
check "2 ranks split, no evaluation rank" train_np 2 "$WORK/split" "$CFG" "${img[@]}"
check "... the same networks, bitwise" same_nets "$WORK/split/weights.h5" "$WORK/er3/weights.h5"
check "... and eval.csv has both rows" test "$(wc -l <"$WORK/er3/eval.csv")" -eq 3
mkdir -p "$WORK/resumed/ckpt"
cp "$WORK/er/ckpt/step_00000020.h5" "$WORK/resumed/ckpt/"
head -n 2 "$WORK/er/eval.csv" >"$WORK/resumed/eval.csv"
echo "99,0,0,0,0,0,0,0,0,0" >>"$WORK/resumed/eval.csv" # a row after the checkpoint: dropped
cp "$WORK/er/config.ini" "$WORK/er/metrics.csv" "$WORK/resumed/"
check "resumed at step 20" timeout 300 "${MPIRUN[@]}" -n 2 "$NASH" train "$CFG" "${img[@]}" \
    --set cluster.eval_ranks=1 --run-dir "$WORK/resumed" --resume auto --quiet
check "... the same eval.csv, byte for byte" cmp "$WORK/er/eval.csv" "$WORK/resumed/eval.csv"

check "import ring8" "$NASH" data toy ring8 --n 4000 --out "$WORK/ring8.h5"
toy=(--set data.path="$WORK/ring8.h5" --set train.steps=300 --set eval.every=100 --set monitor.enabled=false)
check "ring8, 1 rank evaluating itself" train_np 1 "$WORK/toy1" "$SRC/configs/ring8-gan.ini" "${toy[@]}"
check "ring8, 2 ranks, one evaluating" train_np 2 "$WORK/toy2" "$SRC/configs/ring8-gan.ini" "${toy[@]}" \
    --set cluster.eval_ranks=1
check "... the same eval.csv, byte for byte" cmp "$WORK/toy1/eval.csv" "$WORK/toy2/eval.csv"
check "... and 4 rows" test "$(wc -l <"$WORK/toy2/eval.csv")" -eq 4

timeout 120 "${MPIRUN[@]}" -n 1 "$NASH" train "$CFG" "${img[@]}" --set cluster.eval_ranks=1 \
    --run-dir "$WORK/alone" >"$WORK/alone.log" 2>&1
code=$?
check "one rank with an evaluation rank: refused, exit 2 (got $code)" test "$code" -eq 2
check "... saying to run 2 ranks" grep -q "eval_ranks = 1 needs a rank to train besides: run at least 2 ranks" \
    "$WORK/alone.log"
"$NASH" train "$CFG" "${img[@]}" --set cluster.eval_ranks=1 --set eval.every=0 --run-dir "$WORK/never" \
    >"$WORK/never.log" 2>&1
code=$?
check "eval.every = 0: refused, exit 2 (got $code)" test "$code" -eq 2
check "... naming the key" grep -q "\[cluster\] eval_ranks = 1, but \[eval\] every = 0" "$WORK/never.log"
check "a folder of 300 pictures without classes" /usr/bin/python3 "$SRC/tests/support/image_folder.py" good \
    "$WORK/pics" --n 300 --classes 0 --seed 3
check "... imported, unlabelled" "$NASH" data images "$WORK/pics" --size 28 --channels 1 --quiet \
    --out "$WORK/unlabelled.h5"
timeout 120 "${MPIRUN[@]}" -n 2 "$NASH" train "$CFG" "${img[@]}" --set data.path="$WORK/unlabelled.h5" \
    --set eval.samples=100 --set cluster.eval_ranks=1 --run-dir "$WORK/unlabelled" >"$WORK/unlabelled.log" 2>&1
code=$?
check "images without labels: refused before training, exit 2 (got $code)" test "$code" -eq 2
check "... naming the file and the key" grep -q "cluster.eval_ranks = 1: .*unlabelled.h5 is neither labelled images nor a toy mixture" "$WORK/unlabelled.log"
timeout 120 "${MPIRUN[@]}" -n 2 "$NASH" train "$CFG" "${img[@]}" --set eval.samples=5000 --set cluster.eval_ranks=1 \
    --run-dir "$WORK/few" >"$WORK/few.log" 2>&1
code=$?
check "eval.samples above the data's 3000 images: refused, exit 2 (got $code)" test "$code" -eq 2
check "... saying how many there are" grep -q "eval.samples = 5000: .*holds 3000 images" "$WORK/few.log"
# the evaluation rank is told to stop on every way out, generator_ranks = auto's failures included
timeout 120 "${MPIRUN[@]}" -n 4 "$NASH" train "$CFG" "${img[@]}" --set cluster.eval_ranks=1 \
    --set cluster.generator_ranks=auto --set data.path="$WORK/missing.h5" --run-dir "$WORK/auto" >"$WORK/auto.log" 2>&1
code=$?
check "3 training ranks, auto, no data file: the job ends, exit 2 (got $code)" test "$code" -eq 2
check "... naming the file" grep -q "missing.h5" "$WORK/auto.log"
finish
