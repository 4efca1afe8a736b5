#!/usr/bin/env bash
# 200 damaged copies of one checkpoint (150 single-byte flips at random offsets, 50 truncations
# at random lengths; seeded, so the same copies every run). Each copy must be
#   - refused by nash inspect, nash sample and nash train --resume FILE, or else be identical in
#     content to the original (h5diff, and a walk of every attribute with h5py);
#   - fallen back past by --resume auto, which must resume from the previous checkpoint.
#   bash tests/long/flip-checkpoint-200.sh [NASH] [SOURCE_DIR] [N]      (about 10 minutes)
# Prints one line per outcome and a summary; exits 1 on any copy that was neither refused nor
# identical, or that --resume auto did not fall back past.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
NASH=${1:-$ROOT/build/src/nash}
SRC=${2:-$ROOT}
N=${3:-200}
PY=/usr/bin/python3
WORK=$(mktemp -d /tmp/nash-flip.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
CFG="$SRC/configs/ring8-gan.ini"
common=(--set data.path="$WORK/r.h5" --set output.sample_every=0 --set output.checkpoint_every=10 --set train.batch=64
    --quiet)
"$NASH" data toy ring8 --n 4000 --seed 1 --out "$WORK/r.h5" >/dev/null
"$NASH" train "$CFG" "${common[@]}" --set train.steps=20 --run-dir "$WORK/run" >/dev/null 2>&1 ||
    { echo "the base run failed"; exit 1; }
good="$WORK/run/ckpt/step_00000010.h5"
orig="$WORK/run/ckpt/step_00000020.h5"
size=$(stat -c %s "$orig")
echo "checkpoint: $orig ($size bytes); $N damaged copies"

# identical FILE: the same content as the original (every dataset by h5diff, every attribute by h5py)
identical() {
    h5diff -q "$orig" "$1" >/dev/null 2>&1 || return 1
    "$PY" - "$orig" "$1" <<'PYEOF'
import sys, h5py, numpy as np
def walk(path):
    out = {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            out[name] = (type(obj).__name__, {k: np.asarray(v).tobytes() for k, v in obj.attrs.items()})
        out["/"] = ("Group", {k: np.asarray(v).tobytes() for k, v in f.attrs.items()})
        f.visititems(visit)
    return out
sys.exit(0 if walk(sys.argv[1]) == walk(sys.argv[2]) else 1)
PYEOF
}

refused=0 same=0 bad=0 fell_back=0
"$PY" -c "
import random
r = random.Random(2026)
for i in range($N):
    if i % 4 == 3: print('truncate', r.randrange(0, $size))
    else: print('flip', r.randrange(0, $size), r.randrange(1, 256))
" >"$WORK/plan"
i=0
while read -r kind a b; do
    i=$((i + 1))
    x="$WORK/copy.h5"
    if [ "$kind" = flip ]; then
        "$PY" -c "import sys; p, o, v = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]); d = bytearray(open(sys.argv[4], 'rb').read()); d[o] ^= v; open(p, 'wb').write(d)" "$x" "$a" "$b" "$orig"
        what="flip byte $a ^ $b"
    else
        head -c "$a" "$orig" >"$x"
        what="truncate to $a bytes"
    fi
    verdicts=""
    "$NASH" inspect "$x" --no-config >/dev/null 2>"$WORK/inspect.err" && verdicts+="inspect-accepts "
    "$NASH" sample "$x" -n 4 -o "$WORK/s.png" >/dev/null 2>&1 && verdicts+="sample-accepts "
    rm -rf "$WORK/resume"
    "$NASH" train "$CFG" "${common[@]}" --set train.steps=21 --resume "$x" --run-dir "$WORK/resume" >/dev/null 2>&1 &&
        verdicts+="resume-accepts "
    if [ -z "$verdicts" ]; then
        refused=$((refused + 1))
    elif identical "$x"; then
        same=$((same + 1))
        echo "copy $i ($what): accepted, and identical in content to the original ($verdicts)"
    else
        bad=$((bad + 1))
        echo "copy $i ($what): NOT refused and NOT identical: $verdicts"
    fi
    # --resume auto: the damaged copy is the newest checkpoint, the step-10 one the previous
    rm -rf "$WORK/auto"
    mkdir -p "$WORK/auto/ckpt"
    cp "$good" "$WORK/auto/ckpt/step_00000010.h5"
    cp "$x" "$WORK/auto/ckpt/step_00000020.h5"
    if "$NASH" train "$CFG" "${common[@]}" --set train.steps=21 --resume auto --run-dir "$WORK/auto" \
        >"$WORK/auto.out" 2>&1 && grep -q "resuming from .*step_000000[12]0.h5" "$WORK/auto.out"; then
        if grep -q "resuming from .*step_00000010.h5" "$WORK/auto.out" || [ -n "$verdicts" ]; then
            fell_back=$((fell_back + 1))
        else
            bad=$((bad + 1))
            echo "copy $i ($what): --resume auto resumed from the damaged copy"
        fi
    else
        bad=$((bad + 1))
        echo "copy $i ($what): --resume auto failed: $(tail -2 "$WORK/auto.out")"
    fi
    [ $((i % 50)) -ne 0 ] || echo "... $i copies: $refused refused, $same identical, $bad bad"
done <"$WORK/plan"
echo "example refusal: $(cat "$WORK/inspect.err")"
echo "$N copies: $refused refused by inspect, sample and --resume FILE; $same identical in content; $bad bad; --resume auto fell back past $fell_back"
[ "$bad" -eq 0 ] && [ "$fell_back" -eq "$N" ]
