#!/usr/bin/env bash
# The Nash readout (configs/gauss1d-gan.ini, train/evaluate.h): the 1-D toy trained with
# eval.every = 200 for 6000 steps (about 7 s on one core) writes eval.csv with one row per
# evaluation and these columns, and readout.png. At the last evaluation
#   - value_theory = 2 JS - log 4 and value_measured = -loss_d agree within 0.05 nats
#     (seed 1: -1.3615 and -1.3854, 0.024 apart), and the measured value is not above the
#     theory by more than 0.01 (V(D, G) <= V(D*, G), up to the noise of the estimate);
#   - JS has fallen to under a third of the first evaluation's and below 0.03 nats, i.e.
#     value_theory approaches -log 4 (seed 1: JS 0.091 at step 200, 0.012 at step 6000);
#   - evaluation does not change training: the same run with eval.every = 0 ends with identical
#     weights;
#   - resuming appends: 3000 steps, then --resume auto to 6000, gives the same eval.csv as the
#     straight run, row for row.
. "$(dirname "$0")/lib.sh"

check "import gauss1d" "$NASH" data toy gauss1d --n 20000 --seed 1 --out "$WORK/gauss1d.h5"
common=(--set data.path="$WORK/gauss1d.h5" --set monitor.enabled=false --quiet)
run="$WORK/readout"
check "train gauss1d-gan" "$NASH" train "$SRC/configs/gauss1d-gan.ini" "${common[@]}" --run-dir "$run"
csv="$run/eval.csv"
if [ ! -f "$csv" ]; then
    fail "no eval.csv"
    finish
    exit 1
fi
header="step,modes,high_quality,sliced_w1,js,kde_bandwidth,value_theory,value_measured"
check "eval.csv has the columns $header" test "$(head -1 "$csv")" = "$header"
rows=$(($(wc -l <"$csv") - 1))
check "eval.csv has 30 rows, steps 200 to 6000 (got $rows)" test "$rows" -eq 30
check "every row has 8 numbers" awk -F, 'NR > 1 && (NF != 8 || $7 !~ /^-?[0-9.]+(e-?[0-9]+)?$/) { bad = 1 } END { exit bad }' "$csv"
check "steps go 200, 400, ..., 6000" awk -F, 'NR > 1 && $1 != 200 * (NR - 1) { bad = 1 } END { exit bad }' "$csv"
col() { awk -F, -v r="$1" -v c="$2" 'NR == r + 1 { print $c }' "$csv"; }
js_first=$(col 1 5)
js_last=$(col "$rows" 5)
theory=$(col "$rows" 7)
measured=$(col "$rows" 8)
echo "first evaluation: JS $js_first, value_theory $(col 1 7), value_measured $(col 1 8)"
echo "last evaluation:  JS $js_last, value_theory $theory, value_measured $measured (-log 4 = -1.3863)"
check "at the end |value_theory - value_measured| = |$theory - $measured| <= 0.05" \
    awk -v t="$theory" -v m="$measured" 'BEGIN { d = t - m; if (d < 0) d = -d; exit !(d <= 0.05) }'
check "at the end value_measured <= value_theory + 0.01" awk -v t="$theory" -v m="$measured" 'BEGIN { exit !(m <= t + 0.01) }'
check "value_theory approaches -log 4: JS $js_last < JS of the first evaluation $js_first / 3, and < 0.03" \
    awk -v a="$js_last" -v b="$js_first" 'BEGIN { exit !(a < b / 3 && a < 0.03) }'
check "value_theory = 2 JS - log 4 in every row" \
    awk -F, 'NR > 1 { d = $7 - (2 * $5 - 1.3862943611); if (d < 0) d = -d; if (d > 1e-6) bad = 1 } END { exit bad }' "$csv"
check "all 3 modes covered at the end" test "$(col "$rows" 2)" -eq 3
check "readout.png written" test -s "$run/readout.png"
check "eval.txt still written" test -s "$run/eval.txt"

# evaluation must not change training
off="$WORK/off"
check "train without evaluation" "$NASH" train "$SRC/configs/gauss1d-gan.ini" "${common[@]}" --set eval.every=0 --run-dir "$off"
check "no eval.csv without evaluation" test ! -e "$off/eval.csv"
check "same weights with and without evaluation" h5diff "$run/weights.h5" "$off/weights.h5" /generator /generator
check "same discriminator with and without evaluation" h5diff "$run/weights.h5" "$off/weights.h5" /discriminator /discriminator

# resuming keeps the rows up to the checkpoint and appends
half="$WORK/half"
check "train 3000 steps" "$NASH" train "$SRC/configs/gauss1d-gan.ini" "${common[@]}" --set train.steps=3000 --run-dir "$half"
echo "999999,0,0,0,0,0,0,0" >>"$half/eval.csv" # a row past the checkpoint (a killed run's) is dropped
check "resume to 6000 steps" "$NASH" train "$SRC/configs/gauss1d-gan.ini" "${common[@]}" --resume auto --run-dir "$half"
check "resumed eval.csv equals the straight run's" cmp "$csv" "$half/eval.csv"
finish
