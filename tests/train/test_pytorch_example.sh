#!/usr/bin/env bash
# docs/examples/load_generator.py (the example of docs/checkpoint.md) loads the generator of a
# real checkpoint into torch.nn.Sequential and samples from it: a 20-step ring8 run with
# checkpoints every 10 steps, then the script on step 20 must succeed and print shape (N, 2)
# for both /generator and /generator_ema. Skipped (exit 0, with a message) when /usr/bin/python3
# cannot import torch and h5py.
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
finish
