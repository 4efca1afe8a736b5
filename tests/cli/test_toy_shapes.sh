#!/usr/bin/env bash
# test_toy_shapes.sh — `nash data toy shapes` (docs/data.md): the file it writes at both sides
# (/images uint8 (N,3,S,S), /labels i mod 16, the 16 class names, the source naming the seed), the
# same seed giving the same bytes and another seed other ones, and its argument errors (exit 2, the
# message, no file left): a side other than 32 or 64, a missing --size, --size on another toy,
# --len on shapes, too many samples.
#
#   bash tests/cli/test_toy_shapes.sh PATH/TO/nash      (ctest passes the built binary)
#
# Prints one FAIL line per mismatch, then "N passed, N failed"; exits non-zero on any failure.
set -u

NASH=${1:?usage: test_toy_shapes.sh PATH/TO/nash}
PY=/usr/bin/python3

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../support/cli.sh
source "$HERE/../support/cli.sh"

refused() { # refused STDERR-NEEDLE OUTFILE ARGS...: exit 2, `nash data: ` + needle, nothing written
    local needle=$1 outfile=$2
    shift 2
    run "$@"
    expect_code 2
    if [[ "$err" == "nash data: "* ]]; then pass; else fail "stderr does not start with 'nash data: ': $err"; fi
    expect_err_contains "$needle"
    if [ ! -e "$outfile" ]; then pass; else fail "$outfile exists after a refused command"; fi
}

run data toy shapes --size 32 --n 80 --seed 3 --out "$tmp/s32.h5"
expect_code 0
expect_out_contains "wrote $tmp/s32.h5: 80 images of (3,32,32) uint8, toy shapes with labels (16 classes, seed 3)"
run data toy shapes --size 32 --n 80 --seed 3 --out "$tmp/again.h5"
expect_code 0
run data toy shapes --size 32 --n 80 --seed 4 --out "$tmp/other.h5"
expect_code 0
run data toy shapes --size=64 --n 20 --out "$tmp/s64.h5"
expect_code 0
expect_out_contains "20 images of (3,64,64) uint8, toy shapes with labels (16 classes, seed 0)"

ran="python: the files"
if "$PY" -c 'import h5py, numpy' 2>/dev/null; then
    if reason=$("$PY" - "$tmp" 2>&1 <<'EOF'
import sys, h5py, numpy as np
t = sys.argv[1]
def text(v):
    return v.decode() if isinstance(v, bytes) else v
with h5py.File(t + "/s32.h5", "r") as f, h5py.File(t + "/again.h5", "r") as g, h5py.File(t + "/other.h5", "r") as o:
    x, y = f["images"], f["labels"]
    assert x.dtype == np.uint8 and x.shape == (80, 3, 32, 32), (x.dtype, x.shape)
    assert y.dtype == np.uint8 and y[...].tolist() == [i % 16 for i in range(80)], y[...]
    names = [text(n) for n in f.attrs["class_names"]]
    want = ["%s %s" % (c, s) for s in ("circle", "square", "triangle", "cross") for c in ("red", "green", "blue", "yellow")]
    assert names == want, names
    src = text(f.attrs["source"])
    assert "toy shapes" in src and "32x32" in src and "seed 3" in src, src
    assert np.array_equal(x[...], g["images"][...]), "the same seed gave other images"
    assert not np.array_equal(x[...], o["images"][...]), "another seed gave the same images"
    px = x[...]
    assert px.min() <= 5 and px.max() >= 250, (px.min(), px.max())
    # RGB: most pixels have distinct channels (a grey image would have R = G = B everywhere)
    assert (px[:, 0] != px[:, 1]).mean() > 0.5, "the images look grey"
with h5py.File(t + "/s64.h5", "r") as f:
    assert f["images"].shape == (20, 3, 64, 64) and len(f.attrs["class_names"]) == 16
EOF
    ); then pass; else fail "$reason"; fi
else
    echo "SKIP: $PY cannot import h5py and numpy (apt install python3-h5py): file checks skipped"
fi

refused "--size is '48', expected 32 or 64" "$tmp/t.h5" data toy shapes --size 48 --n 10 --out "$tmp/t.h5"
refused "--size is 'big', expected 32 or 64" "$tmp/t.h5" data toy shapes --size big --n 10 --out "$tmp/t.h5"
refused "--size is required for shapes (32 or 64" "$tmp/t.h5" data toy shapes --n 10 --out "$tmp/t.h5"
refused "--size is for shapes only" "$tmp/t.h5" data toy ring8 --size 32 --n 10 --out "$tmp/t.h5"
refused "--len is for sines only" "$tmp/t.h5" data toy shapes --size 32 --len 8 --n 10 --out "$tmp/t.h5"
refused "--n is '1000001', expected a whole number from 1 to 1000000" "$tmp/t.h5" \
    data toy shapes --size 32 --n 1000001 --out "$tmp/t.h5"
refused "--n is required" "$tmp/t.h5" data toy shapes --size 32 --out "$tmp/t.h5"
refused "--out is required" "$tmp/t.h5" data toy shapes --size 32 --n 10
refused "known: ring8, grid25, gauss1d, sines, shapes" "$tmp/t.h5" data toy shape --n 10 --out "$tmp/t.h5"

run help data
expect_code 0
for word in "toy shapes --size 32|64" "red, green, blue or yellow" "class i mod 16"; do
    expect_out_contains "$word"
done

ran="temporary files"
left=$(find "$tmp" -name '*.tmp.*' | head -n 3)
if [ -z "$left" ]; then pass; else fail "temporary files left: $left"; fi

finish
