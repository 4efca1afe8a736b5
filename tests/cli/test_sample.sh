#!/usr/bin/env bash
# test_sample.sh — `nash sample` end to end: weights files written with h5py in the documented
# layout (docs/weights.md), then PNG grids, PNG scatter plots and HDF5 sample files checked with
# Python (sizes, the PNG signature, value ranges, that the generator was really applied),
# reproducibility by seed, and the refusals (missing file, mismatching weights, bad usage).
#
#   bash tests/cli/test_sample.sh PATH/TO/nash      (ctest passes the built binary)
#
# Needs /usr/bin/python3 with h5py and numpy. Prints one FAIL line per mismatch, then
# "N passed, N failed"; exits non-zero on any failure.
set -u

NASH=${1:?usage: test_sample.sh PATH/TO/nash}
PY=/usr/bin/python3

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../support/cli.sh
source "$HERE/../support/cli.sh"

# check DESCRIPTION PYTHON-CODE: the code exits 0 when the check holds (prints why otherwise).
check() {
    ran=$1
    local why
    if why=$(cd "$tmp" && "$PY" -c "$2" 2>&1); then pass; else fail "${why:-python check failed}"; fi
}

if ! "$PY" -c 'import h5py, numpy' 2>/dev/null; then
    echo "test_sample.sh needs $PY with h5py and numpy"
    exit 1
fi

# --- weights files in the documented layout --------------------------------------------------
(cd "$tmp" && "$PY" - <<'PYEOF'
import h5py, numpy as np
rng = np.random.default_rng(1)

def write(path, groups, config):
    with h5py.File(path, "w") as f:
        f.attrs["format"] = "nash-weights"
        f.attrs["version"] = np.int32(1)
        for name, (layers, input_shape, tensors) in groups.items():
            g = f.create_group(name)
            g.attrs["layers"] = layers
            g.attrs["input_shape"] = np.array(input_shape, dtype=np.int32)
            for k, v in tensors.items():
                g.create_dataset(k, data=np.asarray(v, dtype=np.float32))
        f["config"] = config

W = rng.normal(0, 0.8, (4, 3)); b = rng.normal(0, 0.1, 4)
np.save("W.npy", W); np.save("b.npy", b)
# images: dense 4, tanh, reshape to (1,2,2)
write("w.h5", {"generator": ("dense 4\ntanh\nreshape 1 2 2", [3], {"0.weight": W, "0.bias": b})},
      "[generator]\nlatent = 3\nnoise = uniform ; U[-1,1)\n\n[train]\nseed = 3\n")
# the same generator with gaussian noise (no noise key: the default)
write("gauss.h5", {"generator": ("dense 4\ntanh\nreshape 1 2 2", [3], {"0.weight": W, "0.bias": b})},
      "[generator]\nlatent = 3\n")
# 2-D points: dense 2 (scale 3, so the plot bound is above 1)
write("points.h5", {"generator": ("dense 2", [2], {"0.weight": 3 * np.eye(2), "0.bias": np.zeros(2)})},
      "[generator]\nnoise = gaussian\n")
# a weight of the wrong shape for its layer lines
write("bad.h5", {"generator": ("dense 4\ntanh\nreshape 1 2 2", [3], {"0.weight": np.zeros((4, 5)), "0.bias": b})},
      "[generator]\nnoise = uniform\n")
# an unknown noise kind
write("noise.h5", {"generator": ("dense 4\ntanh\nreshape 1 2 2", [3], {"0.weight": W, "0.bias": b})},
      "[generator]\nnoise = cauchy\n")
# batch norm with running mean 5: eval mode gives tanh(about -5), train mode normalises the batch
write("bn.h5", {"generator": ("dense 4\nbatchnorm\ntanh\nreshape 1 2 2", [3],
                              {"0.weight": W, "0.bias": b, "1.weight": np.ones(4), "1.bias": np.zeros(4),
                               "1.running_mean": np.full(4, 5.0), "1.running_var": np.ones(4)})},
      "[generator]\nnoise = gaussian\n")
open("text.h5", "w").write("not HDF5\n")
PYEOF
) || { echo "cannot write the weights files with h5py"; exit 1; }

# --- PNG grid ----------------------------------------------------------------------------------
run sample "$tmp/w.h5" -n 16 -o "$tmp/out.png"
expect_code 0
expect_out_contains "out.png"
expect_out_contains "16 samples"
# 16 tiles of 2x2 in a 4x4 grid with 2-pixel borders: 4*(2+2)+2 = 18 pixels a side
check "out.png is an 18x18 PNG" '
import struct
d = open("out.png", "rb").read()
assert d[:8] == b"\x89PNG\r\n\x1a\n", "bad signature"
assert d[12:16] == b"IHDR", "no IHDR"
w, h = struct.unpack(">II", d[16:24])
assert (w, h) == (18, 18), (w, h)
assert d[-8:-4] == b"IEND", "no IEND at the end"'
if ls -A "$tmp" | grep -q '\.tmp\.'; then ran="ls"; fail "a temporary file is left: $(ls -A "$tmp")"; else pass; fi

run sample "$tmp/w.h5" -n 16 --cols 8 -o "$tmp/wide.png"
expect_code 0
check "--cols 8 gives a 34x10 grid" '
import struct
w, h = struct.unpack(">II", open("wide.png", "rb").read()[16:24])
assert (w, h) == (34, 10), (w, h)'

run sample "$tmp/w.h5" -n 16 --cols 8 --scale 3 -o "$tmp/zoom.png"
expect_code 0
check "--scale 3 draws every pixel 3x3: a 66x18 grid" '
import struct
w, h = struct.unpack(">II", open("zoom.png", "rb").read()[16:24])
assert (w, h) == (66, 18), (w, h)'
run sample "$tmp/w.h5" -n 16 --cols 8 --scale 3 -o "$tmp/zoom.jpg"
expect_code 0
check "-o OUT.jpg writes a baseline JPEG of the same 66x18 grid, grey, whole (SOI ... EOI)" '
import struct
d = open("zoom.jpg", "rb").read()
assert d[:2] == b"\xff\xd8" and d[-2:] == b"\xff\xd9", "SOI/EOI"
i = d.index(b"\xff\xc0")
h, w, comps = struct.unpack(">HHB", d[i + 5:i + 10])
assert (w, h, comps) == (66, 18, 1), (w, h, comps)'
run sample "$tmp/w.h5" -n 16 --scale 65 -o "$tmp/zoom.png"
expect_code 2
expect_err_contains "--scale takes a whole zoom from 1 to 64"

run sample "$tmp/w.h5" -n 16 -o "$tmp/again.png"
if cmp -s "$tmp/out.png" "$tmp/again.png"; then pass; else fail "the same seed gives a different PNG"; fi

# --- HDF5 samples ------------------------------------------------------------------------------
run sample "$tmp/w.h5" -n 16 -o "$tmp/a.h5"
expect_code 0
expect_out_contains "/samples"
run sample "$tmp/w.h5" -n 16 -o "$tmp/b.h5"
run sample "$tmp/w.h5" -n 16 -o "$tmp/c.h5" --seed 5
check "/samples is float32 (16,1,2,2) with the attributes" '
import h5py, numpy as np
with h5py.File("a.h5", "r") as f:
    s = f["samples"]
    assert s.shape == (16, 1, 2, 2) and s.dtype == np.float32, (s.shape, s.dtype)
    assert int(f.attrs["seed"]) == 0, f.attrs["seed"]
    assert f.attrs["source"].endswith("w.h5"), f.attrs["source"]
    assert f.attrs["noise"] == "uniform" and f.attrs["mode"] == "eval", dict(f.attrs)
    assert f.attrs["format"] == "nash-samples"'
check "the samples are tanh(W z + b) for some z in [-1,1)^3 (uniform noise)" '
import h5py, numpy as np
W, b = np.load("W.npy"), np.load("b.npy")
y = h5py.File("a.h5", "r")["samples"][()].reshape(16, 4).astype(np.float64)
assert np.all(np.abs(y) < 1), "values outside (-1,1)"
z, *_ = np.linalg.lstsq(W, (np.arctanh(y) - b).T, rcond=None)
resid = np.abs(W @ z + b[:, None] - np.arctanh(y).T).max()
assert resid < 1e-4, "no z explains the samples: residual %g" % resid
assert np.all(np.abs(z) <= 1 + 1e-4), "z outside [-1,1]: %g" % np.abs(z).max()
assert np.abs(z).max() > 0.5 and np.unique(np.round(z, 4)).size > 40, "z does not look like uniform noise"'
check "the same seed gives identical samples, another seed different ones" '
import h5py, numpy as np
a, b, c = (h5py.File(n, "r")["samples"][()] for n in ("a.h5", "b.h5", "c.h5"))
assert np.array_equal(a, b), "seed 0 twice differs"
assert not np.allclose(a, c), "seed 5 equals seed 0"'

# gaussian noise (no noise key): z is not bounded by 1; chunking does not change sample i
run sample "$tmp/gauss.h5" -n 300 -o "$tmp/g300.h5"
expect_code 0
expect_out_contains "gaussian"
run sample "$tmp/gauss.h5" -n 10 -o "$tmp/g10.h5"
check "gaussian noise: z spreads past 1; the first 10 of 300 samples equal -n 10; all 300 differ" '
import h5py, numpy as np
W, b = np.load("W.npy"), np.load("b.npy")
y = h5py.File("g300.h5", "r")["samples"][()].reshape(300, 4).astype(np.float64)
y10 = h5py.File("g10.h5", "r")["samples"][()].reshape(10, 4)
assert np.array_equal(y[:10].astype(np.float32), y10), "sample i depends on N or the chunking"
assert np.unique(y.round(6), axis=0).shape[0] == 300, "repeated samples: a later chunk reuses z"
y = np.clip(y, -0.999999, 0.999999)
z, *_ = np.linalg.lstsq(W, (np.arctanh(y) - b).T, rcond=None)
assert np.abs(z).max() > 1.5, "no |z| > 1.5 in 900 gaussian draws"'

# batch norm: running statistics in eval mode (the default), the batch's with --train-mode
run sample "$tmp/bn.h5" -n 64 -o "$tmp/bn_eval.h5"
expect_code 0
run sample "$tmp/bn.h5" -n 64 -o "$tmp/bn_train.h5" --train-mode
expect_code 0
expect_out_contains "train mode"
check "eval mode uses the running mean (5), train mode the batch statistics" '
import h5py, numpy as np
e = h5py.File("bn_eval.h5", "r")["samples"][()].reshape(64, 4)
t = h5py.File("bn_train.h5", "r")["samples"][()].reshape(64, 4)
assert e.mean() < -0.97 and e.max() < -0.5, "eval mode does not subtract the running mean: mean %g" % e.mean()
assert np.abs(t.mean(0)).max() < 0.2 and t.std(0).min() > 0.4, "train mode is not batch-normalised: %s" % t.mean(0)
assert h5py.File("bn_train.h5", "r").attrs["mode"] == "train"'

# --- PNG scatter of 2-D points -----------------------------------------------------------------
run sample "$tmp/points.h5" -n 200 -o "$tmp/points.png"
expect_code 0
expect_out_contains "scatter"
check "the scatter plot is a 512x512 PNG" '
import struct
d = open("points.png", "rb").read()
assert d[:8] == b"\x89PNG\r\n\x1a\n"
assert struct.unpack(">II", d[16:24]) == (512, 512)'

# --- refusals ----------------------------------------------------------------------------------
run sample "$tmp/missing.h5" -n 4 -o "$tmp/x.png"
expect_code 1
expect_err_contains "nash sample: "
expect_err_contains "missing.h5"
run sample "$tmp/bad.h5" -n 4 -o "$tmp/x.png"
expect_code 2
expect_err_contains "/generator/0.weight has shape (4,5) in the file but (4,3) in the network"
run sample "$tmp/text.h5" -n 4 -o "$tmp/x.png"
expect_code 2
expect_err_contains "not an HDF5 file"
run sample "$tmp/noise.h5" -n 4 -o "$tmp/x.png"
expect_code 2
expect_err_contains "cauchy"
run sample "$tmp/w.h5" --ema -n 4 -o "$tmp/x.png"
expect_code 2
expect_err_contains "no group /generator_ema"
run sample "$tmp/points.h5" -n 4 -o "$tmp/x.jpg"
expect_code 2
run sample "$tmp/w.h5" -n 0 -o "$tmp/x.png"
expect_code 2
run sample "$tmp/w.h5" -n 4097 -o "$tmp/x.png"
expect_code 2
run sample "$tmp/w.h5" -n 4
expect_code 2
expect_err_contains "-o"
run sample "$tmp/w.h5" -n 4 -o "$tmp/x.png" --frobnicate
expect_code 2
run sample "$tmp/w.h5" -n 4 -o "$tmp/no/such/dir/x.png"
expect_code 1
expect_err_contains "no/such/dir/x.png"
if [ -e "$tmp/x.png" ] || [ -e "$tmp/x.jpg" ]; then ran="ls"; fail "a refused run left an output file"; else pass; fi

finish
