#!/usr/bin/env bash
# `nash inspect` on the checkpoints of a real run (docs/checkpoint.md): a 20-step ring8 run with
# output.checkpoint_every=10 writes ckpt/step_00000010.h5 and step_00000020.h5; both inspect whole
# (exit 0, the step, the groups, the optimizer, "checksums: all N hold"); --no-config drops the
# config; one payload byte flipped in /generator/0.weight (its offset found with h5py) makes
# inspect exit 1 naming that dataset; a truncated file exits 1; a missing file or bad usage 2;
# a plain weights file is described as having no optimizer state.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3

check "make ring8" "$NASH" data toy ring8 --n 2000 --seed 1 --out "$WORK/r.h5"
check "train 20 steps with checkpoints every 10" "$NASH" train "$SRC/configs/ring8-gan.ini" \
    --set data.path="$WORK/r.h5" --set train.steps=20 --set output.checkpoint_every=10 \
    --run-dir "$WORK/run" --quiet
ck="$WORK/run/ckpt"
for step in 00000010 00000020; do
    check "wrote step_$step.h5" test -s "$ck/step_$step.h5"
done
check "no temporary file left in ckpt/" sh -c "! ls -A '$ck' | grep -q '\.tmp\.'"

# inspect FILE [ARGS...]: sets $code, $out, $err
inspect() {
    "$NASH" inspect "$@" >"$WORK/out" 2>"$WORK/err"
    code=$?
    out=$(cat "$WORK/out")
    err=$(cat "$WORK/err")
}
has() { [[ "$1" == *"$2"* ]]; }

# a directory: its checkpoints are listed, oldest first (the run directory lists its ckpt/)
for dir in "$ck" "$WORK/run"; do
    inspect "$dir"
    check "inspect $(basename "$dir")/ lists the checkpoints (exit $code)" test "$code" -eq 0
    check "... step 10 before step 20" sh -c "printf '%s' \"\$1\" | grep -A1 step_00000010.h5 | grep -q step_00000020.h5" _ "$out"
done

inspect "$ck/step_00000010.h5"
check "step 10 inspects whole (exit $code)" test "$code" -eq 0
check "step 10 says step 10" has "$out" "step 10,"
inspect "$ck/step_00000020.h5"
check "step 20 inspects whole (exit $code: $err)" test "$code" -eq 0
for want in "format: nash-checkpoint, version 1" "step 20," "/generator:" "/discriminator:" "/generator_ema:" \
    "0.weight" "(128,8)" "optimizer: adam, 20 steps" "[train]" "seal: holds" "checksums: all "; do
    check "step 20 output has '$want'" has "$out" "$want"
done
inspect "$ck/step_00000020.h5" --no-config
check "--no-config drops the config" sh -c "[ $code -eq 0 ] && ! grep -q '^\[train\]' '$WORK/out'"

cp "$ck/step_00000020.h5" "$WORK/flip.h5"
if "$PY" -c 'import h5py' 2>/dev/null; then
    flip_byte "$WORK/flip.h5" generator/0.weight 7
    inspect "$WORK/flip.h5"
    check "a flipped byte: exit 1 (got $code)" test "$code" -eq 1
    check "a flipped byte: the message names the file and its broken seal ($err)" has "$err" "flip.h5 is corrupt: its bytes have CRC-32"
else
    fail "$PY cannot import h5py: the byte-flip check did not run"
fi

head -c 3000 "$ck/step_00000020.h5" >"$WORK/trunc.h5"
inspect "$WORK/trunc.h5"
check "a truncated file: exit 1 (got $code: $err)" test "$code" -eq 1
: >"$WORK/empty.h5"
inspect "$WORK/empty.h5"
check "an empty file: exit 1 (got $code: $err)" test "$code" -eq 1
inspect "$WORK/missing.h5"
check "a missing file: exit 2 (got $code)" test "$code" -eq 2
inspect
check "no argument: exit 2 (got $code)" test "$code" -eq 2
inspect "$ck/step_00000020.h5" --bogus
check "an unknown option: exit 2 (got $code)" test "$code" -eq 2

inspect "$WORK/run/weights.h5"
check "a weights file inspects (exit $code: $err)" test "$code" -eq 0
check "a weights file has no optimizer state" has "$out" "optimizer state: none"
finish
