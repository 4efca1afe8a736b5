#!/usr/bin/env bash
# The sequence GAN learns: configs/sines-lstm.ini (an LSTM generator fed noise at every step, an
# LSTM discriminator) trained on the sines toy (src/data/toy.h) with a fixed seed. The
# Wasserstein-1 distance between the dominant frequencies (by DFT, src/eval/sequence.h) of 2048
# generated sequences and 2048 real ones must fall below 30% of the untrained generator's (the
# run's eval.txt: w1 and w1_initial); the run must also draw its sequences next to real ones.
. "$(dirname "$0")/lib.sh"

BOUND=0.3
check "import sines" "$NASH" data toy sines --n 8192 --len 32 --seed 1 --out "$WORK/sines.h5"
run="$WORK/sines-lstm"
check "train sines-lstm" "$NASH" train "$SRC/configs/sines-lstm.ini" --set data.path="$WORK/sines.h5" \
    --run-dir "$run" --quiet
if [ -f "$run/eval.txt" ]; then
    cat "$run/eval.txt"
    w1=$(value w1 "$run/eval.txt")
    w1_initial=$(value w1_initial "$run/eval.txt")
    check "sines-lstm: frequency W1 $w1 < $BOUND x untrained $w1_initial" \
        awk -v a="$w1" -v b="$w1_initial" -v k="$BOUND" 'BEGIN { exit !(a > 0 && b > 0 && a < k * b) }'
else
    fail "sines-lstm wrote no eval.txt"
fi
check "sines-lstm wrote weights.h5" test -s "$run/weights.h5"
check "sines-lstm drew its sequences" test -s "$run/samples/step_$(printf %08d "$(awk -F' *= *' '$1 == "steps" { print $2 }' "$SRC/configs/sines-lstm.ini")").png"
finish
