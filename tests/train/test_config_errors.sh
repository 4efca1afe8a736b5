#!/usr/bin/env bash
# Bad configs are refused before any work: exit 2, the message names file:line and the key, and
# the run directory is never created.
. "$(dirname "$0")/lib.sh"

"$NASH" data toy ring8 --n 1000 --out "$WORK/ring8.h5" >/dev/null || fail "import"
base="$SRC/configs/ring8-gan.ini"

refuse() { # refuse DESCRIPTION EXPECTED-TEXT CONFIG [ARGS...] (later --set options win)
    local what=$1 want=$2 cfg=$3; shift 3
    local run="$WORK/run-$passed-$failed"
    local out
    out=$("$NASH" train "$cfg" --set data.path="$WORK/ring8.h5" "$@" --run-dir "$run" --quiet 2>&1)
    local code=$?
    check "$what: exit 2 (got $code)" test "$code" -eq 2
    if grep -qF -- "$want" <<<"$out"; then ok "$what: message names '$want'"; else fail "$what: '$out' lacks '$want'"; fi
    check "$what: nothing written" test ! -e "$run"
}

sed 's/^batch = .*/batch = 64x/' "$base" > "$WORK/badtype.ini"
line=$(grep -n '^batch = ' "$base" | cut -d: -f1)
refuse "wrong type" "badtype.ini:$line" "$WORK/badtype.ini"
printf '\n[train]\nbogus = 1\n' | cat "$base" - > "$WORK/unknown.ini"
refuse "unknown key" "bogus" "$WORK/unknown.ini"
refuse "negative batch" "train.batch" "$base" --set train.batch=-4
refuse "unknown --set key" "train.nonsense" "$base" --set train.nonsense=3
refuse "bad layer" "layer" "$base" --set "generator.layer=dense 8;bogus 3"
refuse "generator output shape" "produces samples of shape (3)" "$base" --set "generator.layer=dense 3"
refuse "batch larger than the data" "fewer than one batch" "$base" --set train.batch=5000
refuse "missing data file" "$WORK/none.h5" "$base" --set data.path="$WORK/none.h5"
# a relative data.path is taken from the working directory, and the message says which
mkdir -p "$WORK/elsewhere"
cd "$WORK/elsewhere" || fail "cd"
refuse "missing relative data file" \
    "a relative data.path is taken from the working directory, $WORK/elsewhere," "$base" --set data.path=data/none.h5
cd - >/dev/null || fail "cd back"
cp "$WORK/ring8.h5" "$WORK/elsewhere/r.h5"
check "a relative data.path found from the working directory" \
    bash -c "cd '$WORK/elsewhere' && '$NASH' train '$base' --set data.path=r.h5 --set train.steps=2 --set monitor.enabled=false --run-dir '$WORK/rel' --quiet"
finish
