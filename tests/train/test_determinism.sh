#!/usr/bin/env bash
# The same config and seed give bitwise-identical parameters and metrics, run after run; another
# seed gives other parameters.
. "$(dirname "$0")/lib.sh"

check "import ring8" "$NASH" data toy ring8 --n 4000 --seed 2 --out "$WORK/ring8.h5"
common=(--set data.path="$WORK/ring8.h5" --set train.steps=150 --set train.log_every=10 --quiet)
for name in a b; do
    "$NASH" train "$SRC/configs/ring8-gan.ini" "${common[@]}" --run-dir "$WORK/$name" || fail "run $name"
done
"$NASH" train "$SRC/configs/ring8-gan.ini" "${common[@]}" --set train.seed=99 --run-dir "$WORK/c" || fail "run c"
check "same seed: identical weights (h5diff)" h5diff "$WORK/a/weights.h5" "$WORK/b/weights.h5"
# every metrics column but the last (images/s, a timing) must be identical
strip() { cut -d, -f1-10 "$1"; }
check "same seed: identical metrics" cmp <(strip "$WORK/a/metrics.csv") <(strip "$WORK/b/metrics.csv")
check "another seed: other weights" sh -c "! h5diff -q '$WORK/a/weights.h5' '$WORK/c/weights.h5' >/dev/null 2>&1"
finish
