#!/usr/bin/env bash
# test_data.sh — `nash data`: Fashion-MNIST import from the Debian files (shapes with h5dump, every
# byte against the IDX files with h5py), `nash data idx` on small IDX files made here (round trip,
# label count mismatch, bad files), `nash data toy` (attributes, reproducibility; the sines toy's
# sequences and per-sample parameters) and the usage
# errors (exit codes and messages, see docs/data.md and docs/exit-codes.md). No refused command may
# leave an output file or a temporary file behind.
#
#   bash tests/cli/test_data.sh PATH/TO/nash      (ctest passes the built binary)
#
# Prints one FAIL line per mismatch, then "N passed, N failed"; exits non-zero on any failure.
set -u

NASH=${1:?usage: test_data.sh PATH/TO/nash}
FASHION=/usr/share/datasets/fashion-mnist
PY=/usr/bin/python3

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../support/cli.sh
source "$HERE/../support/cli.sh"

expect_err_starts() {
    if [[ "$err" == "nash data: "* ]]; then pass; else fail "stderr does not start with 'nash data: ': $err"; fi
}
expect_no_file() {
    if [ ! -e "$1" ]; then pass; else fail "$1 exists after a refused command"; fi
}
expect_no_temp() {
    local left
    left=$(find "$tmp" -name '*.tmp.*' | head -n 3)
    if [ -z "$left" ]; then pass; else fail "temporary files left: $left"; fi
}
# check_py DESCRIPTION PYTHON-CODE ARGS...: run a Python check; it prints a reason and exits 1 on failure.
check_py() {
    local what=$1 code_text=$2
    shift 2
    ran="python: $what"
    if [ "$HAVE_H5PY" -eq 0 ]; then return; fi
    local reason
    if reason=$("$PY" -c "$code_text" "$@" 2>&1); then pass; else fail "$reason"; fi
}
# refused EXIT-CODE STDERR-NEEDLE OUTFILE ARGS...: a command that must fail and write nothing.
refused() {
    local want=$1 needle=$2 outfile=$3
    shift 3
    run "$@"
    expect_code "$want"
    expect_err_starts
    expect_err_contains "$needle"
    expect_no_file "$outfile"
}

HAVE_H5PY=1
if ! "$PY" -c 'import h5py, numpy' 2>/dev/null; then
    HAVE_H5PY=0
    echo "SKIP: $PY cannot import h5py and numpy (apt install python3-h5py): byte-level checks skipped"
fi

# --- nash data fashion-mnist on the Debian files --------------------------------------------
if [ -d "$FASHION" ]; then
    start=$(date +%s%N)
    run data fashion-mnist --out "$tmp/f.h5"
    took_ms=$((($(date +%s%N) - start) / 1000000))
    expect_code 0
    expect_out_contains "wrote $tmp/f.h5: 60000 images of (1,28,28) uint8, with labels (10 classes)"
    echo "fashion-mnist train import: ${took_ms} ms, $(stat -c %s "$tmp/f.h5" 2>/dev/null) bytes"
    header=$(h5dump -H "$tmp/f.h5" 2>&1)
    ran="h5dump -H f.h5"
    if grep -A2 'DATASET "images"' <<<"$header" | grep -q 'H5T_STD_U8LE' &&
        grep -A2 'DATASET "images"' <<<"$header" | grep -q '( 60000, 1, 28, 28 )'; then pass; else
        fail "/images is not uint8 (60000,1,28,28): $header"
    fi
    if grep -A2 'DATASET "labels"' <<<"$header" | grep -q 'SIMPLE { ( 60000 )'; then pass; else
        fail "/labels is not (60000): $header"
    fi
    check_py "train split: every image and label byte equals the IDX files" '
import gzip, sys, h5py, numpy as np
d, f = sys.argv[1], sys.argv[2]
img = np.frombuffer(gzip.open(d + "/train-images-idx3-ubyte.gz").read()[16:], np.uint8).reshape(60000, 1, 28, 28)
lab = np.frombuffer(gzip.open(d + "/train-labels-idx1-ubyte.gz").read()[8:], np.uint8)
with h5py.File(f, "r") as h:
    x, y = h["images"], h["labels"]
    assert x.dtype == np.uint8 and x.shape == (60000, 1, 28, 28), (x.dtype, x.shape)
    assert x.chunks[0] == 1024 and x.chunks[1:] == (1, 28, 28), x.chunks
    assert np.array_equal(x[...], img), "images differ"
    assert np.array_equal(y[...], lab), "labels differ"
    names = [n.decode() if isinstance(n, bytes) else n for n in h.attrs["class_names"]]
    assert names == ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
                     "Bag", "Ankle boot"], names
    src = h.attrs["source"]
    src = src.decode() if isinstance(src, bytes) else src
    assert "Fashion-MNIST" in src and "train" in src and d in src, src
' "$FASHION" "$tmp/f.h5"

    run data fashion-mnist --split all --out "$tmp/all.h5"
    expect_code 0
    expect_out_contains "70000 images of (1,28,28)"
    check_py "all = train then test" '
import gzip, sys, h5py, numpy as np
d, f = sys.argv[1], sys.argv[2]
test = np.frombuffer(gzip.open(d + "/t10k-images-idx3-ubyte.gz").read()[16:], np.uint8).reshape(10000, 1, 28, 28)
tlab = np.frombuffer(gzip.open(d + "/t10k-labels-idx1-ubyte.gz").read()[8:], np.uint8)
with h5py.File(f, "r") as h:
    assert h["images"].shape == (70000, 1, 28, 28) and h["labels"].shape == (70000,)
    assert np.array_equal(h["images"][60000:], test), "test images differ"
    assert np.array_equal(h["labels"][60000:], tlab), "test labels differ"
' "$FASHION" "$tmp/all.h5"

    run data fashion-mnist --split test --out "$tmp/test.h5"
    expect_code 0
    expect_out_contains "10000 images of (1,28,28)"

    run data fashion-mnist --n 6000 --out "$tmp/tenth.h5"
    expect_code 0
    expect_out_contains "6000 images of (1,28,28)"
    check_py "--n 6000 = the first 6000 of train, labels with them" '
import gzip, sys, h5py, numpy as np
d, f = sys.argv[1], sys.argv[2]
img = np.frombuffer(gzip.open(d + "/train-images-idx3-ubyte.gz").read()[16:], np.uint8).reshape(60000, 1, 28, 28)
lab = np.frombuffer(gzip.open(d + "/train-labels-idx1-ubyte.gz").read()[8:], np.uint8)
with h5py.File(f, "r") as h:
    assert h["images"].shape == (6000, 1, 28, 28) and h["labels"].shape == (6000,)
    assert np.array_equal(h["images"][()], img[:6000]) and np.array_equal(h["labels"][()], lab[:6000])
    assert "first 6000 images" in h.attrs["source"]
' "$FASHION" "$tmp/tenth.h5"
    refused 2 "the test split has only 10000 images" "$tmp/x.h5" data fashion-mnist --split test --n 10001 --out "$tmp/x.h5"
else
    echo "SKIP: $FASHION not found (apt install dataset-fashion-mnist): Fashion-MNIST import not tested"
fi
refused 2 "--split is 'val'" "$tmp/x.h5" data fashion-mnist --split val --out "$tmp/x.h5"
refused 2 "--n is '0'" "$tmp/x.h5" data fashion-mnist --n 0 --out "$tmp/x.h5"
refused 1 "dataset-fashion-mnist" "$tmp/x.h5" data fashion-mnist --dir "$tmp/nowhere" --out "$tmp/x.h5"
refused 2 "--out is required" "$tmp/x.h5" data fashion-mnist

# --- nash data idx on small files -------------------------------------------------------------
ran="make IDX files"
if "$PY" - "$tmp" <<'EOF'; then pass; else fail "cannot write the IDX test files"; fi
import gzip, struct, sys
t = sys.argv[1]
def idx(dims, data):
    return struct.pack(">BBBB", 0, 0, 8, len(dims)) + b"".join(struct.pack(">I", d) for d in dims) + bytes(data)
pix = [(7 * i + 3) % 256 for i in range(5 * 3 * 4)]
open(t + "/img.idx", "wb").write(idx([5, 3, 4], pix))
gzip.open(t + "/lab5.idx.gz", "wb").write(idx([5], [0, 1, 2, 3, 4]))
gzip.open(t + "/lab4.idx.gz", "wb").write(idx([4], [0, 1, 2, 3]))
open(t + "/flat.idx", "wb").write(idx([5, 12], pix))
good = gzip.compress(idx([5, 3, 4], pix))
open(t + "/cut.idx.gz", "wb").write(good[: len(good) // 2])
EOF

refused 2 "4 labels" "$tmp/i.h5" data idx --images "$tmp/img.idx" --labels "$tmp/lab4.idx.gz" --out "$tmp/i.h5"
expect_err_contains "5 images"
refused 2 "3-D (N,H,W)" "$tmp/i.h5" data idx --images "$tmp/flat.idx" --out "$tmp/i.h5"
refused 2 "cut.idx.gz" "$tmp/i.h5" data idx --images "$tmp/cut.idx.gz" --out "$tmp/i.h5"
refused 1 "missing.idx" "$tmp/i.h5" data idx --images "$tmp/missing.idx" --out "$tmp/i.h5"
refused 2 "--images is required" "$tmp/i.h5" data idx --out "$tmp/i.h5"
refused 2 "--out is required" "$tmp/i.h5" data idx --images "$tmp/img.idx"
refused 1 "does not exist" "$tmp/no/i.h5" data idx --images "$tmp/img.idx" --out "$tmp/no/i.h5"

run data idx --images "$tmp/img.idx" --labels "$tmp/lab5.idx.gz" --out "$tmp/i.h5"
expect_code 0
expect_out_contains "wrote $tmp/i.h5: 5 images of (1,3,4) uint8, with labels"
check_py "idx round trip" '
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "r") as h:
    x = h["images"][...]
    assert x.dtype == np.uint8 and x.shape == (5, 1, 3, 4), (x.dtype, x.shape)
    assert x.ravel().tolist() == [(7 * i + 3) % 256 for i in range(60)], "pixels differ"
    assert h["labels"][...].tolist() == [0, 1, 2, 3, 4]
    src = h.attrs["source"]
    src = src.decode() if isinstance(src, bytes) else src
    assert "img.idx" in src and "lab5.idx.gz" in src, src
' "$tmp/i.h5"

run data idx --images="$tmp/img.idx" --source "my scans" --out "$tmp/nolab.h5"
expect_code 0
expect_out_contains "without labels"
check_py "idx without labels, custom source" '
import sys, h5py
with h5py.File(sys.argv[1], "r") as h:
    assert "labels" not in h and h["images"].shape == (5, 1, 3, 4)
    src = h.attrs["source"]
    assert (src.decode() if isinstance(src, bytes) else src) == "my scans", src
' "$tmp/nolab.h5"

# --- nash data toy ----------------------------------------------------------------------------
run data toy ring8 --n 1000 --out "$tmp/ring8.h5"
expect_code 0
expect_out_contains "wrote $tmp/ring8.h5: 1000 samples of (2) float32, toy mixture ring8 (seed 0)"
run data toy ring8 --n 1000 --seed 0 --out "$tmp/ring8b.h5"
run data toy ring8 --n 1000 --seed 5 --out "$tmp/ring8c.h5"
check_py "toy ring8: /x and its attributes, reproducible from the seed" '
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "r") as h, h5py.File(sys.argv[2], "r") as same, h5py.File(sys.argv[3], "r") as other:
    x = h["x"]
    assert x.dtype == np.float32 and x.shape == (1000, 2), (x.dtype, x.shape)
    a = x.attrs
    kind = a["kind"]
    assert (kind.decode() if isinstance(kind, bytes) else kind) == "ring8", kind
    assert a["weights"].shape == (8,) and np.allclose(a["weights"], 1 / 8)
    assert a["means"].shape == (16,) and np.allclose(np.hypot(a["means"][0::2], a["means"][1::2]), 2)
    assert a["stds"].shape == (8,) and np.allclose(a["stds"], 0.05)
    assert a["dim"].tolist() == [2.0]
    r = np.hypot(x[:, 0], x[:, 1])
    assert abs(r.mean() - 2) < 0.01, r.mean()
    assert np.array_equal(x[...], same["x"][...]), "same seed, different samples"
    assert not np.array_equal(x[...], other["x"][...]), "another seed, same samples"
' "$tmp/ring8.h5" "$tmp/ring8b.h5" "$tmp/ring8c.h5"

run data toy gauss1d --n 10 --seed 18446744073709551615 --out "$tmp/g.h5"
expect_code 0
expect_out_contains "10 samples of (1) float32"
refused 2 "known: ring8, grid25, gauss1d" "$tmp/t.h5" data toy ring9 --n 10 --out "$tmp/t.h5"
refused 2 "distribution name" "$tmp/t.h5" data toy --n 10 --out "$tmp/t.h5"
refused 2 "--n is required" "$tmp/t.h5" data toy ring8 --out "$tmp/t.h5"
refused 2 "--out is required" "$tmp/t.h5" data toy ring8 --n 10
refused 2 "--n is '0'" "$tmp/t.h5" data toy ring8 --n 0 --out "$tmp/t.h5"
refused 2 "--n is '12x'" "$tmp/t.h5" data toy ring8 --n 12x --out "$tmp/t.h5"
refused 2 "--seed is '-1'" "$tmp/t.h5" data toy ring8 --n 10 --seed -1 --out "$tmp/t.h5"
refused 2 "unexpected argument 'extra'" "$tmp/t.h5" data toy ring8 extra --n 10 --out "$tmp/t.h5"

# --- nash data toy sines ----------------------------------------------------------------------
run data toy sines --n 300 --len 16 --seed 2 --out "$tmp/sines.h5"
expect_code 0
expect_out_contains "wrote $tmp/sines.h5: 300 sequences of (16,1) float32, toy sines (seed 2)"
run data toy sines --n 20 --out "$tmp/sines32.h5"
expect_code 0
expect_out_contains "20 sequences of (32,1) float32"
check_py "toy sines: /x, its attributes and the per-sample parameters" '
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "r") as h:
    x = h["x"]
    assert x.dtype == np.float32 and x.shape == (300, 16, 1), (x.dtype, x.shape)
    kind = x.attrs["kind"]
    assert (kind.decode() if isinstance(kind, bytes) else kind) == "sines", kind
    assert x.attrs["freq_range"].tolist() == [1.0, 5.0] and x.attrs["len"].tolist() == [16.0]
    assert x.attrs["amplitude_range"].tolist() == [0.3, 1.0]
    assert np.allclose(x.attrs["phase_range"], [0, 2 * np.pi])
    f, p, a = h["freq"][...], h["phase"][...], h["amplitude"][...]
    assert f.shape == (300,) and f.dtype == np.float64
    assert f.min() >= 1 and f.max() <= 5 and p.min() >= 0 and p.max() < 2 * np.pi and a.min() >= 0.3 and a.max() <= 1
    t = np.arange(16)
    ref = a[:, None] * np.sin(2 * np.pi * f[:, None] * t / 16 + p[:, None])
    assert np.abs(x[:, :, 0] - ref).max() < 1e-6, np.abs(x[:, :, 0] - ref).max()
' "$tmp/sines.h5"
refused 2 "--len is for sines only" "$tmp/t.h5" data toy ring8 --n 10 --len 8 --out "$tmp/t.h5"
refused 2 "--len is '1'" "$tmp/t.h5" data toy sines --n 10 --len 1 --out "$tmp/t.h5"
refused 2 "--len is '5000'" "$tmp/t.h5" data toy sines --n 10 --len 5000 --out "$tmp/t.h5"

# --- usage ------------------------------------------------------------------------------------
refused 2 "which data set?" "$tmp/none" data
refused 2 "unknown data set 'cifar'" "$tmp/none" data cifar --out "$tmp/none"
refused 2 "unknown option '--frob'" "$tmp/none" data toy ring8 --n 1 --frob 1 --out "$tmp/none"
refused 2 "--out needs a value" "$tmp/none" data toy ring8 --n 1 --out
run help data
expect_code 0
for word in "fashion-mnist" "--split train|test|all" "idx --images" "--labels" "--source" "toy NAME" "--seed" \
    "ring8" "grid25" "gauss1d" "sines" "--len T" "--out FILE.h5"; do
    expect_out_contains "$word"
done

ran="temporary files"
expect_no_temp

finish
