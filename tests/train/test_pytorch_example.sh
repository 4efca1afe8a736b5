#!/usr/bin/env bash
# docs/examples/load_generator.py (the example of docs/checkpoint.md) loads the generator of a
# real checkpoint into torch.nn.Sequential and samples from it: a 20-step ring8 run with
# checkpoints every 10 steps, then the script on step 20 must succeed and print shape (N, 2)
# for both /generator and /generator_ema. Then the recipe of docs/weights.md ("Reproducing nash's
# samples in PyTorch"): a reference DCGAN trained 20 steps on Fashion-MNIST (so its batch-norm
# running statistics are far from their start), `nash sample -o OUT.h5` in eval mode (also
# --ema, and --train-mode), and load_generator.py --samples feeding /z to the PyTorch model: the
# largest difference from nash's /samples must be within TORCH_ATOL. Skipped (exit 0, with a
# message) when /usr/bin/python3 cannot import torch and h5py.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3

if ! "$PY" -c 'import torch, h5py' 2>/dev/null; then
    echo "SKIP: $PY cannot import torch and h5py; docs/examples/load_generator.py not tested"
    exit 0
fi

check "make ring8" "$NASH" data toy ring8 --n 2000 --seed 1 --out "$WORK/r.h5"
check "train 20 steps with checkpoints every 10" "$NASH" train "$SRC/configs/ring8-gan.ini" \
    --set data.path="$WORK/r.h5" --set train.steps=20 --set output.checkpoint_every=10 \
    --run-dir "$WORK/run" --quiet
ckpt="$WORK/run/ckpt/step_00000020.h5"
check "wrote $ckpt" test -s "$ckpt"
for group in generator generator_ema; do
    if out=$("$PY" "$SRC/docs/examples/load_generator.py" "$ckpt" "$group" 500 2>&1); then
        ok "load_generator.py /$group runs"
    else
        fail "load_generator.py /$group failed: $out"
    fi
    echo "$out"
    check "/$group output shape (500, 2)" grep -q "output shape (500, 2)" <<<"$out"
done

# --- nash's own samples again in PyTorch, from /z ------------------------------------------------
# The tolerance: both nash and PyTorch compute the forward in float32 and each lands within a few
# float32 roundings of the exact (float64) result at the tanh output, whose values are at most 1
# (measured on this test's generator, 256 samples, eval mode: nash 2.6e-7, PyTorch 2.4e-7 from
# float64; each other 1.9e-7 apart, 2.1e-7 with --ema, 3.0e-7 in train mode with PyTorch on one
# thread, up to 3.6e-7 on two; docs/weights.md).
# 8 float32 epsilons (8 * 2^-23 = 9.5e-7)
# leave room for other BLAS kernels; a wrong layer (batch-norm statistics of the wrong kind, a
# different eps, a flipped kernel) differs by 1e-3 or more.
TORCH_ATOL=9.5e-7
check "import Fashion-MNIST" "$NASH" data fashion-mnist --out "$WORK/f.h5"
check "train the reference DCGAN 20 steps (with EMA)" "$NASH" train "$SRC/configs/fashion-dcgan.ini" \
    --set data.path="$WORK/f.h5" --set train.steps=20 --set train.ema=0.99 --set output.sample_every=0 \
    --run-dir "$WORK/dcgan" --quiet
weights="$WORK/dcgan/weights.h5"
check "nash sample -n 256 -o eval.h5" "$NASH" sample "$weights" -n 256 --seed 7 -o "$WORK/eval.h5"
check "nash sample --ema -o ema.h5" "$NASH" sample "$weights" -n 256 --seed 7 --ema -o "$WORK/ema.h5"
check "nash sample --train-mode -o train.h5" "$NASH" sample "$weights" -n 256 --seed 7 --train-mode \
    -o "$WORK/train.h5"
check "eval and train mode differ (the running statistics are not the batch's)" "$PY" -c '
import sys, h5py, numpy as np
e, t = (h5py.File(p, "r")["samples"][()] for p in sys.argv[1:])
d = np.abs(e - t).max()
print("eval vs train mode: max abs difference %.3g" % d)
assert d > 1e-2, d' "$WORK/eval.h5" "$WORK/train.h5"
for s in eval ema train; do
    if out=$("$PY" "$SRC/docs/examples/load_generator.py" "$weights" --samples "$WORK/$s.h5" 2>&1); then
        ok "load_generator.py --samples $s.h5 runs"
    else
        fail "load_generator.py --samples $s.h5 failed: $out"
    fi
    echo "$out"
    diff=$(sed -n 's/.*max abs difference from nash.s \/samples \([^ ]*\)$/\1/p' <<<"$out")
    check "$s.h5: PyTorch on /z matches nash's /samples within $TORCH_ATOL (max abs difference ${diff:-?})" \
        awk -v d="${diff:-nan}" -v t="$TORCH_ATOL" 'BEGIN { exit !(d + 0 == d && d <= t) }'
done
finish
