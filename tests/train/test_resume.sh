#!/usr/bin/env bash
# Resume is exact: 40 steps straight and 20 steps + --resume auto + 20 steps give bitwise-equal
# parameters, buffers, EMA and optimizer moments (h5diff of the final checkpoints and weights) and
# the same loss log. A corrupt newest checkpoint is skipped for the previous one; an explicit
# corrupt or incompatible checkpoint is refused, naming what is wrong.
. "$(dirname "$0")/lib.sh"
CFG="$SRC/tests/mpi/tiny-dcgan.ini"
check "import Fashion-MNIST" "$NASH" data fashion-mnist --out "$WORK/f.h5"
loud=(--set data.path="$WORK/f.h5" --set optim.g.kind=adam --set optim.d.kind=adam --set train.ema=0.9
    --set output.checkpoint_every=10)
common=("${loud[@]}" --quiet)

check "40 steps straight" "$NASH" train "$CFG" "${common[@]}" --set train.steps=40 --run-dir "$WORK/a"
check "20 steps" "$NASH" train "$CFG" "${common[@]}" --set train.steps=20 --run-dir "$WORK/b"
check "--resume auto, to 40" "$NASH" train "$CFG" "${common[@]}" --set train.steps=40 --run-dir "$WORK/b" --resume auto
check "same weights.h5" h5diff "$WORK/a/weights.h5" "$WORK/b/weights.h5"
check "same final checkpoint (parameters, buffers, EMA, moments)" \
    h5diff "$WORK/a/ckpt/step_00000040.h5" "$WORK/b/ckpt/step_00000040.h5"
check "optimizer moments present" sh -c "h5ls -r '$WORK/a/ckpt/step_00000040.h5' | grep -q '/optim/generator/m'"
strip() { cut -d, -f1-10 "$1"; }
check "same loss log" cmp <(strip "$WORK/a/metrics.csv") <(strip "$WORK/b/metrics.csv")
check "keeps output.keep = 3 checkpoints" test "$(ls "$WORK/a/ckpt" | wc -l)" -eq 3

# a run directory of an older nash, whose metrics.csv lacks the last two columns (penalty,
# input_grad_norm): resuming gives it today's header, its rows zeros in the new columns, and
# appends full rows; a file with other columns is refused, naming it, and left as it was
cp -r "$WORK/b" "$WORK/old"
cut -d, -f1-18 "$WORK/b/metrics.csv" >"$WORK/old/metrics.csv"
check "resume an older run's directory, to 45" "$NASH" train "$CFG" "${common[@]}" --set train.steps=45 \
    --run-dir "$WORK/old" --resume auto
check "... today's header" cmp <(head -1 "$WORK/old/metrics.csv") <(head -1 "$WORK/a/metrics.csv")
check "... the old rows with 0 in the new columns, then the new rows, 20 fields each" awk -F, \
    'NR > 1 && (NF != 20 || ($1 <= 40 && ($19 != "0" || $20 != "0"))) { bad = 1 } END { exit bad || NR != 46 }' \
    "$WORK/old/metrics.csv"
check "... the old rows' values kept" cmp <(cut -d, -f1-10 "$WORK/old/metrics.csv" | head -41) \
    <(cut -d, -f1-10 "$WORK/b/metrics.csv")
sed -i '1s/^step,epoch/step,when/' "$WORK/old/metrics.csv"
cp "$WORK/old/metrics.csv" "$WORK/foreign.csv"
check "a metrics.csv with other columns is refused (exit 1), naming it" bash -c \
    '! "$@" 2>"$0" && grep -q "old/metrics.csv: its columns (step,when" "$0"' "$WORK/err" \
    "$NASH" train "$CFG" "${common[@]}" --set train.steps=50 --run-dir "$WORK/old" --resume auto
check "... and left as it was" cmp "$WORK/old/metrics.csv" "$WORK/foreign.csv"

# the same with a lazy R1 penalty (every 3rd D step, 2 a step: steps 1, 4, 7, ... have none, and
# the resume at 18 is followed by such a step, logged as 0 by both runs) and DiffAugment, whose
# draws are keyed by step: nothing of theirs is state, so resume stays exact
pen=("${common[@]}" --set loss.kind=hinge --set loss.penalty=r1 --set loss.penalty_every=3
    --set augment.policy=color,translation,cutout)
PCFG="$SRC/tests/mpi/tiny-penalty.ini"
check "penalty + augment: 40 steps straight" "$NASH" train "$PCFG" "${pen[@]}" --set train.steps=40 --run-dir "$WORK/pa"
check "penalty + augment: 18 steps" "$NASH" train "$PCFG" "${pen[@]}" --set train.steps=18 --run-dir "$WORK/pb"
check "penalty + augment: --resume auto, to 40" "$NASH" train "$PCFG" "${pen[@]}" --set train.steps=40 \
    --run-dir "$WORK/pb" --resume auto
check "penalty + augment: same weights.h5" h5diff "$WORK/pa/weights.h5" "$WORK/pb/weights.h5"
check "penalty + augment: steps 1, 4, ... 40 log no penalty, the others one" awk -F, \
    'NR > 1 && (($1 % 3 == 1) != ($19 == 0)) { bad = 1 } END { exit bad }' "$WORK/pa/metrics.csv"
check "penalty + augment: same losses and penalty column" cmp <(cut -d, -f1-10,19,20 "$WORK/pa/metrics.csv") \
    <(cut -d, -f1-10,19,20 "$WORK/pb/metrics.csv")

# a resumed toy run reports the untrained generator's distance like a straight one (it is G as
# the seed made it), and says which steps it trained
check "import ring8" "$NASH" data toy ring8 --n 4000 --out "$WORK/r8.h5"
r8=(--set data.path="$WORK/r8.h5" --set monitor.enabled=false --set output.checkpoint_every=50)
check "ring8: 100 steps straight" "$NASH" train "$SRC/configs/ring8-gan.ini" "${r8[@]}" --set train.steps=100 \
    --run-dir "$WORK/r8a" --quiet
check "ring8: 50 steps" "$NASH" train "$SRC/configs/ring8-gan.ini" "${r8[@]}" --set train.steps=50 --run-dir "$WORK/r8b" --quiet
out=$("$NASH" train "$SRC/configs/ring8-gan.ini" "${r8[@]}" --set train.steps=100 --run-dir "$WORK/r8b" --resume auto 2>&1)
check "ring8: resumed to 100 (exit $?)" test $? -eq 0
if grep -q "trained steps 51 to 100 (50 steps, resumed after step 50)" <<<"$out"; then ok "says which steps it trained"
else fail "final line: $(tail -1 <<<"$out")"; fi
want=$(grep '^w1_initial' "$WORK/r8a/eval.txt")
check "resumed eval.txt: $(grep '^w1_initial' "$WORK/r8b/eval.txt"), straight: $want" \
    test "$(grep '^w1_initial' "$WORK/r8b/eval.txt")" = "$want"
check "... and not nan" sh -c "! grep -q '^w1_initial nan' '$WORK/r8b/eval.txt'"

# corrupt the newest: flip one byte of a dataset's payload
flip_byte "$WORK/a/ckpt/step_00000040.h5" discriminator/0.weight 5 || fail "flip a byte"
out=$("$NASH" train "$CFG" "${loud[@]}" --set train.steps=40 --run-dir "$WORK/a" --resume auto 2>&1)
check "corrupt newest: resume auto exits 0" test $? -eq 0
if grep -q "resuming from .*step_00000030.h5" <<<"$out"; then ok "falls back to step 30"; else fail "no fallback: $out"; fi
if grep -q "step_00000040.h5 is corrupt" <<<"$out"; then ok "names the corrupt file"; else fail "skipped list: $out"; fi

: > "$WORK/empty.h5"
out=$("$NASH" train "$CFG" "${common[@]}" --set train.steps=40 --run-dir "$WORK/c" --resume "$WORK/empty.h5" 2>&1)
check "explicit empty checkpoint refused with exit 2 (got $?)" test $? -eq 2
check "nothing written for a refused resume" test ! -e "$WORK/c"
out=$("$NASH" train "$CFG" "${common[@]}" --set generator.latent=8 --set train.steps=40 --run-dir "$WORK/d" \
    --resume "$WORK/b/ckpt/step_00000040.h5" 2>&1)
code=$?
check "other latent size refused (exit $code)" test "$code" -eq 2
if grep -q "0.weight" <<<"$out" && grep -q "(784,8)\|(784,16)" <<<"$out"; then ok "names the layer and shapes"; else fail "message: $out"; fi
finish
