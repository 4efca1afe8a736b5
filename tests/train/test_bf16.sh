#!/usr/bin/env bash
# train.precision = bf16 (docs/training.md, "Mixed precision"): the reference DCGAN trains in bf16,
# run after run to the same bits, to other weights than float32's from the same seed (so bf16 ran),
# and resumes exactly; NASH_CONV=im2col, which would leave nothing to run in bf16, is refused with
# a message naming the key. The layer-level check against bf16-rounded references is
# test_conv_bf16. Skipped (77) on a CPU without bf16 kernels, where train.precision = bf16 is
# refused instead, and that refusal is checked.
. "$(dirname "$0")/lib.sh"
CFG="$SRC/configs/fashion-dcgan.ini"
check "import 3000 Fashion-MNIST images" "$NASH" data fashion-mnist --n 3000 --out "$WORK/f.h5"
common=(--set data.path="$WORK/f.h5" --set train.batch=16 --set output.sample_every=0 --set monitor.enabled=false
    --set output.checkpoint_every=6 --quiet)
bf16=("${common[@]}" --set train.precision=bf16)

if ! "$NASH" info | grep -q '(bf16: yes)'; then
    check "without bf16 kernels, train.precision = bf16 is refused (exit 2), naming the key" bash -c \
        '"$@" 2>"$0"; [ $? -eq 2 ] && grep -q "train.precision = bf16 needs oneDNN.s bf16 kernels" "$0"' \
        "$WORK/err" "$NASH" train "$CFG" "${bf16[@]}" --set train.steps=2 --run-dir "$WORK/refused"
    finish || exit 1
    echo "skipped: this CPU has no bf16 kernels ($("$NASH" info | grep '^convolution'))"
    exit 77
fi

check "bf16: 12 steps" "$NASH" train "$CFG" "${bf16[@]}" --set train.steps=12 --run-dir "$WORK/a"
check "bf16: 12 steps again" "$NASH" train "$CFG" "${bf16[@]}" --set train.steps=12 --run-dir "$WORK/b"
check "float32: 12 steps" "$NASH" train "$CFG" "${common[@]}" --set train.steps=12 --run-dir "$WORK/f"
check "bf16 twice: identical weights (h5diff)" h5diff "$WORK/a/weights.h5" "$WORK/b/weights.h5"
check "bf16 and float32: other weights" sh -c "! h5diff -q '$WORK/a/weights.h5' '$WORK/f/weights.h5' >/dev/null 2>&1"
check "bf16 losses are finite" awk -F, 'NR > 1 && ($3 !~ /^-?[0-9.e+-]+$/ || $4 !~ /^-?[0-9.e+-]+$/) { bad = 1 }
    END { exit bad || NR < 2 }' "$WORK/a/metrics.csv"

check "bf16: 6 steps" "$NASH" train "$CFG" "${bf16[@]}" --set train.steps=6 --run-dir "$WORK/r"
check "bf16: --resume auto, to 12" "$NASH" train "$CFG" "${bf16[@]}" --set train.steps=12 --run-dir "$WORK/r" \
    --resume auto
check "bf16 resumed: the straight run's final checkpoint (h5diff)" \
    h5diff "$WORK/a/ckpt/step_00000012.h5" "$WORK/r/ckpt/step_00000012.h5"
check "the run's config records train.precision = bf16" grep -qx 'precision = bf16' "$WORK/a/config.ini"

check "NASH_CONV=im2col with bf16 is refused (exit 2), naming both" bash -c \
    'NASH_CONV=im2col "$@" 2>"$0"; [ $? -eq 2 ] && grep -q "train.precision = bf16 runs the convolutions on oneDNN, and NASH_CONV=im2col" "$0"' \
    "$WORK/err" "$NASH" train "$CFG" "${bf16[@]}" --set train.steps=2 --run-dir "$WORK/im2col"
finish
