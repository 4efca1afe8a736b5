#!/usr/bin/env bash
# test_sample.sh — `nash sample` end to end: weights files written with h5py in the documented
# layout (docs/weights.md), then PNG grids, PNG scatter plots and HDF5 sample files checked with
# Python (sizes, the PNG signature, value ranges, that the generator was really applied),
# reproducibility by seed, and the refusals (missing file, mismatching weights, bad usage). The
# latents: /z beside /samples (its shape, that /samples is the generator applied to it), --z round
# trips (byte-identical /samples and PNGs), --z-out, each refusal of a --z file with its message,
# --truncation (z inside [-T, T], the plain z's inside values kept, its refusals), and
# --interpolate (grid sizes, endpoints equal to plain samples of the seed's latents 2r and
# 2r+1, the middle steps on the great circle of their endpoints with slerp's coefficients, and
# equal-norm endpoints keeping their norm in equal angles).
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

# the truncation trick: z cut to [-T, T] by redrawing the values outside; the values inside keep
# their draw, so the z of --truncation is the plain z with its outliers drawn again
run sample "$tmp/gauss.h5" -n 300 --truncation 0.5 -o "$tmp/t300.h5"
expect_code 0
expect_out_contains "gaussian noise truncated to [-0.5, 0.5]"
check "--truncation 0.5: every |z| <= 0.5, the rest of the plain z kept, /samples of that z, the attribute" '
import h5py, numpy as np
W, b = np.load("W.npy"), np.load("b.npy")
with h5py.File("t300.h5", "r") as f:
    z, y, t = f["z"][()], f["samples"][()], f.attrs["truncation"]
plain = h5py.File("g300.h5", "r")["z"][()]
assert t == 0.5, "truncation attribute %r" % t
assert np.abs(z).max() <= 0.5, "a value outside: %g" % np.abs(z).max()
inside = np.abs(plain) <= 0.5
assert 0.2 < inside.mean() < 0.6 and np.array_equal(z[inside], plain[inside]), "the values inside were redrawn"
assert np.unique(z[~inside]).size == (~inside).sum(), "the redrawn values repeat"
want = np.tanh(z.astype(np.float64) @ W.T + b).reshape(300, 1, 2, 2)
assert np.abs(y - want).max() <= 1e-6, "/samples is not the generator applied to /z"'
run sample "$tmp/w.h5" -n 4 --truncation 1 -o "$tmp/x.png"
expect_code 2
expect_err_contains "$tmp/w.h5: its generator draws uniform noise"
run sample "$tmp/gauss.h5" -n 4 --truncation 0.01 -o "$tmp/x.png"
expect_code 2
expect_err_contains "--truncation takes a bound of 0.05 to 10"
run sample "$tmp/gauss.h5" --z "$tmp/g10.h5" --truncation 1 -o "$tmp/x.png"
expect_code 2
expect_err_contains "give one of the two"

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

# --- latents: /z beside /samples, --z, --z-out ---------------------------------------------------
check "/z is float32 (16,3), uniform noise in [-1,1), and /samples = tanh(W z + b) of it" '
import h5py, numpy as np
W, b = np.load("W.npy"), np.load("b.npy")
with h5py.File("a.h5", "r") as f:
    z, y = f["z"][()], f["samples"][()]
assert z.shape == (16, 3) and z.dtype == np.float32, (z.shape, z.dtype)
assert np.all(z >= -1) and np.all(z < 1) and np.unique(z).size == 48, "z is not 48 uniform draws"
want = np.tanh(z.astype(np.float64) @ W.T + b).reshape(16, 1, 2, 2)
d = np.abs(y - want).max()
assert d <= 1e-6, "/samples is not the generator applied to /z: max abs difference %g" % d'
check "the gaussian /z of -n 10 is the first 10 rows of -n 300 (the seed fixed stream)" '
import h5py, numpy as np
z300, z10 = (h5py.File(n, "r")["z"][()] for n in ("g300.h5", "g10.h5"))
assert z300.shape == (300, 3) and np.array_equal(z300[:10], z10)
assert np.abs(z300).max() > 1.5, "not gaussian"'

run sample "$tmp/w.h5" --z "$tmp/a.h5" -o "$tmp/rt.h5"
expect_code 0
expect_out_contains "16 samples"
expect_out_contains "z from $tmp/a.h5"
run sample "$tmp/gauss.h5" --z "$tmp/g300.h5" -o "$tmp/g300rt.h5"
expect_code 0
run sample "$tmp/gauss.h5" --z "$tmp/g300.h5" -n 10 -o "$tmp/g10rt.h5"
expect_code 0
check "--z round trip: seed -> /z -> --z gives byte-identical /samples and /z (16 samples; 300 in chunks)" '
import h5py, numpy as np
for seeded, again in (("a.h5", "rt.h5"), ("g300.h5", "g300rt.h5")):
    with h5py.File(seeded, "r") as f, h5py.File(again, "r") as g:
        for k in ("samples", "z"):
            assert f[k].dtype == g[k].dtype and f[k].shape == g[k].shape, (again, k)
            assert f[k][()].tobytes() == g[k][()].tobytes(), "%s: /%s differs from %s" % (again, k, seeded)
        assert "seed" not in g.attrs and g.attrs["z_file"].endswith(seeded), dict(g.attrs)
with h5py.File("g10.h5", "r") as f, h5py.File("g10rt.h5", "r") as g:
    assert f["samples"][()].tobytes() == g["samples"][()].tobytes(), "-n 10 with --z is not its first 10 rows"'
run sample "$tmp/w.h5" --z "$tmp/a.h5" -o "$tmp/rt.png"
expect_code 0
if cmp -s "$tmp/out.png" "$tmp/rt.png"; then pass; else ran="cmp"; fail "--z a.h5 draws another PNG than seed 0"; fi

run sample "$tmp/w.h5" -n 16 -o "$tmp/zo.png" --z-out "$tmp/zo.h5"
expect_code 0
expect_out_contains "wrote $tmp/zo.h5: /z float32 (16,3)"
check "--z-out beside a PNG: a nash-latents file whose /z is the seed latents" '
import h5py, numpy as np
with h5py.File("zo.h5", "r") as f, h5py.File("a.h5", "r") as g:
    assert f.attrs["format"] == "nash-latents" and int(f.attrs["seed"]) == 0, dict(f.attrs)
    assert list(f) == ["z"], list(f)
    assert np.array_equal(f["z"][()], g["z"][()])'
run sample "$tmp/w.h5" --z "$tmp/zo.h5" -o "$tmp/zo2.png"
expect_code 0
if cmp -s "$tmp/out.png" "$tmp/zo2.png"; then pass; else ran="cmp"; fail "--z of the --z-out file draws another PNG"; fi

# the refusals of --z, each naming the file and /z
(cd "$tmp" && "$PY" - <<'PYEOF'
import h5py, numpy as np
def z_file(name, z):
    with h5py.File(name, "w") as f:
        f["z"] = z
z_file("z64.h5", np.zeros((4, 64), np.float32))
z_file("zrank.h5", np.zeros(3, np.float32))
z_file("znan.h5", np.array([[0, 1, 2], [3, np.nan, 5]], np.float32))
z_file("zinf.h5", np.array([[0, 1, 2], [3, 4, -np.inf]], np.float64))
z_file("zint.h5", np.zeros((2, 3), np.int32))
z_file("zempty.h5", np.zeros((0, 3), np.float32))
z_file("z5f64.h5", np.random.default_rng(2).normal(size=(5, 3)))
# equal-norm endpoints: (3,0,0)-(0,3,0) at 90 degrees, and (0,0,3) to a 150-degree partner
c, s = np.cos(np.radians(150)), np.sin(np.radians(150))
z_file("zeq.h5", np.array([[3, 0, 0], [0, 3, 0], [0, 0, 3], [3 * s, 0, 3 * c]], np.float32))
PYEOF
) || { echo "cannot write the latents files with h5py"; exit 1; }
expect_z_refused() { # FILE MESSAGE [ARGS...]: exit 2, the message naming the file and /z
    local f=$1 msg=$2
    shift 2
    run sample "$tmp/w.h5" --z "$tmp/$f" -o "$tmp/zx.h5" "$@"
    expect_code 2
    expect_err_contains "nash sample: $tmp/$f: $msg"
}
expect_z_refused w.h5 "no dataset /z (it holds: /config, /generator)"
expect_z_refused z64.h5 "/z has 64 columns, the generator takes latent = 3"
expect_z_refused zrank.h5 "/z has 1 dimension (3), but latents are (N,3): one row per sample"
expect_z_refused znan.h5 "/z row 1, column 1 is nan: latents must be finite numbers"
expect_z_refused zinf.h5 "/z row 1, column 2 is -inf: latents must be finite numbers"
expect_z_refused zint.h5 "/z holds int32, not floating-point numbers: write it as float32"
expect_z_refused zempty.h5 "/z has no rows"
expect_z_refused a.h5 "/z has 16 rows, fewer than -n 20: give -n 16 or less" -n 20
expect_z_refused z5f64.h5 "/z has 5 rows: --interpolate takes them in pairs" --interpolate
expect_z_refused a.h5 "/z has 16 rows, but an interpolation grid of 9 rows takes 18" --interpolate --rows 9
run sample "$tmp/w.h5" --z "$tmp/z5f64.h5" -o "$tmp/z5.h5"
expect_code 0
check "--z converts float64 latents (5 rows: N = 5)" '
import h5py, numpy as np
with h5py.File("z5.h5", "r") as f, h5py.File("z5f64.h5", "r") as g:
    assert f["samples"].shape == (5, 1, 2, 2) and np.array_equal(f["z"][()], g["z"][()].astype(np.float32))'
cp "$tmp/zo.h5" "$tmp/zedit.h5"
"$PY" -c 'import sys, h5py; f = h5py.File(sys.argv[1], "r+"); f["z"][3] = -f["z"][3]' "$tmp/zedit.h5"
run sample "$tmp/w.h5" --z "$tmp/zedit.h5" -o "$tmp/zx.h5"
expect_code 2
expect_err_contains "zedit.h5 is corrupt"
expect_err_contains "write them to a new file instead"
run sample "$tmp/w.h5" --z "$tmp/nothere.h5" -o "$tmp/zx.h5"
expect_code 1
expect_err_contains "nothere.h5"
run sample "$tmp/w.h5" --z "$tmp/a.h5" --seed 3 -o "$tmp/zx.h5"
expect_code 2
expect_err_contains "give one of the two"
run sample "$tmp/w.h5" -n 4 -o "$tmp/zx.png" --z-out "$tmp/zx.npy"
expect_code 2
expect_err_contains "--z-out writes an HDF5 file"
if [ -e "$tmp/zx.h5" ] || [ -e "$tmp/zx.png" ]; then ran="ls"; fail "a refused --z run left an output file"; else pass; fi

# --- --interpolate: rows of slerp between pairs of latents -----------------------------------------
run sample "$tmp/w.h5" --interpolate --cols 5 --rows 3 -o "$tmp/interp.png"
expect_code 0
expect_out_contains "3x5 grid"
expect_out_contains "3 rows of slerp"
check "--interpolate --cols 5 --rows 3 draws a 5x3 grid of 2x2 tiles: 22x14 pixels" '
import struct
w, h = struct.unpack(">II", open("interp.png", "rb").read()[16:24])
assert (w, h) == (22, 14), (w, h)'
run sample "$tmp/w.h5" --interpolate -o "$tmp/interp8.png"
expect_code 0
expect_out_contains "64 samples"
check "--interpolate alone: 8 rows of 8 steps, a 34x34 grid" '
import struct
w, h = struct.unpack(">II", open("interp8.png", "rb").read()[16:24])
assert (w, h) == (34, 34), (w, h)'
run sample "$tmp/gauss.h5" --interpolate --cols 5 -n 15 -o "$tmp/interp.h5"
expect_code 0
run sample "$tmp/gauss.h5" -n 6 -o "$tmp/ends.h5"
expect_code 0
run sample "$tmp/gauss.h5" --interpolate --cols 5 --rows 3 -o "$tmp/interp.jpg" --z-out "$tmp/interpz.h5"
expect_code 0
check "--interpolate -o .h5: /samples (15,1,2,2), /z (15,3), grid [3,5]; the endpoints are samples 2r and 2r+1 of the seed, bit for bit" '
import h5py, numpy as np
with h5py.File("interp.h5", "r") as f, h5py.File("ends.h5", "r") as e, h5py.File("interpz.h5", "r") as o:
    y, z = f["samples"][()], f["z"][()]
    assert y.shape == (15, 1, 2, 2) and z.shape == (15, 3), (y.shape, z.shape)
    assert list(f.attrs["grid"]) == [3, 5] and f.attrs["interpolation"] == "slerp", dict(f.attrs)
    assert np.array_equal(o["z"][()], z), "--z-out of the JPEG grid is not the grid of /z"
    ey, ez = e["samples"][()], e["z"][()]
for r in range(3):
    for c, i in ((0, 2 * r), (4, 2 * r + 1)):
        assert z[5 * r + c].tobytes() == ez[i].tobytes(), "row %d step %d: z is not latent %d" % (r, c, i)
        assert y[5 * r + c].tobytes() == ey[i].tobytes(), "row %d step %d: not sample %d" % (r, c, i)'
check "the middle latents are slerp: on the great circle of their endpoints, at sin((1-t)w)/sin w and sin(tw)/sin w" '
import h5py, numpy as np
z = h5py.File("interp.h5", "r")["z"][()].astype(np.float64).reshape(3, 5, 3)
for r in range(3):
    a, b = z[r, 0], z[r, 4]
    w = np.arccos(np.clip(a @ b / np.linalg.norm(a) / np.linalg.norm(b), -1, 1))
    for c in range(1, 4):
        t = c / 4
        coef, *_ = np.linalg.lstsq(np.stack([a, b], 1), z[r, c], rcond=None)
        resid = np.abs(np.stack([a, b], 1) @ coef - z[r, c]).max()
        assert resid < 1e-6, "row %d step %d is off the plane of its endpoints by %g" % (r, c, resid)
        want = np.array([np.sin((1 - t) * w), np.sin(t * w)]) / np.sin(w)
        assert np.abs(coef - want).max() < 1e-5, "row %d step %d: coefficients %s, slerp %s" % (r, c, coef, want)
        ang = lambda u, v: np.arccos(np.clip(u @ v / np.linalg.norm(u) / np.linalg.norm(v), -1, 1))
        assert abs(ang(a, z[r, c]) + ang(z[r, c], b) - w) < 1e-5, "row %d step %d: not on the arc between" % (r, c)'
run sample "$tmp/w.h5" --interpolate --z "$tmp/zeq.h5" --cols 7 -o "$tmp/interpeq.h5"
expect_code 0
expect_out_contains "2 rows of slerp"
check "--z endpoints of norm 3 (90 and 150 degrees apart): every step has norm 3, in equal angles (a line would dip to 2.12 and 0.78)" '
import h5py, numpy as np
z = h5py.File("interpeq.h5", "r")["z"][()].astype(np.float64).reshape(2, 7, 3)
for r, deg in ((0, 90), (1, 150)):
    norms = np.linalg.norm(z[r], axis=1)
    assert np.abs(norms - 3).max() < 3e-6, "row %d: norms %s" % (r, norms)
    a = z[r, 0] / 3
    ang = np.degrees(np.arccos(np.clip(z[r] @ a / 3, -1, 1)))
    assert np.abs(ang - np.linspace(0, deg, 7)).max() < 1e-3, "row %d: angles %s" % (r, ang)'
run sample "$tmp/w.h5" --interpolate -n 10 --cols 4 -o "$tmp/ix.png"
expect_code 2
expect_err_contains "-n 10 is not a multiple of --cols 4"
run sample "$tmp/w.h5" --interpolate --cols 1 -o "$tmp/ix.png"
expect_code 2
expect_err_contains "--cols of at least 2"
run sample "$tmp/w.h5" --interpolate --rows 3 -n 12 --cols 5 -o "$tmp/ix.png"
expect_code 2
expect_err_contains "-n 12 is not --rows 3 times --cols 5"
run sample "$tmp/w.h5" --interpolate --rows 1000 --cols 5 -o "$tmp/ix.png"
expect_code 2
expect_err_contains "more than 4096"
run sample "$tmp/w.h5" --rows 3 -o "$tmp/ix.png"
expect_code 2
expect_err_contains "--rows counts the rows of --interpolate"
if [ -e "$tmp/ix.png" ]; then ran="ls"; fail "a refused --interpolate left an output file"; else pass; fi

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
