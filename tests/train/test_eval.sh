#!/usr/bin/env bash
# `nash eval` on Fashion-MNIST: the local classifier is trained (2 epochs) and reaches at least
# 85% accuracy on its 10,000 held-out images; real images nash never trained on (the test split,
# written as a samples file) score close to the real-vs-real baseline, while an untrained
# generator scores far worse on every measure (Fréchet distance of the classifier's features,
# class-histogram JS, classes covered, sliced W1). Also: the classifier is reused on the second
# run, --json is well-formed, --truncation draws other samples, and a classifier of other data, a generator of the wrong shape and
# a missing file are refused with messages that say what to do.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
check "import Fashion-MNIST (train)" "$NASH" data fashion-mnist --out "$WORK/train.h5"
check "import Fashion-MNIST (test)" "$NASH" data fashion-mnist --split test --out "$WORK/test.h5"
check "an untrained generator (1 step)" "$NASH" train "$SRC/configs/fashion-dcgan.ini" --set data.path="$WORK/train.h5" \
    --set train.steps=1 --set output.sample_every=0 --run-dir "$WORK/fresh" --quiet
# 5000 unseen real images as a samples file (the layout nash sample -o OUT.h5 writes)
check "real test images as a samples file" "$PY" -c '
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "r") as f:
    x = f["images"][:5000].astype(np.float32) / 127.5 - 1
with h5py.File(sys.argv[2], "w") as g:
    g.attrs["format"] = "nash-samples"
    g.attrs["version"] = np.int32(1)
    g["samples"] = x
' "$WORK/test.h5" "$WORK/real-samples.h5"

"$NASH" eval "$WORK/fresh/weights.h5" --against "$WORK/train.h5" -n 5000 --json >"$WORK/fresh.json" 2>"$WORK/fresh.err"
check "eval of the untrained generator (exit $?)" test $? -eq 0
cat "$WORK/fresh.err"
check "the classifier was trained and saved" test -s "$WORK/train.classifier.h5"
"$NASH" eval "$WORK/real-samples.h5" --against "$WORK/train.h5" -n 5000 >"$WORK/real.txt" 2>&1
check "eval of unseen real images (exit $?)" test $? -eq 0
cat "$WORK/real.txt"
check "the second run loads the classifier" grep -q "(loaded;" "$WORK/real.txt"
"$NASH" eval "$WORK/real-samples.h5" --against "$WORK/train.h5" -n 5000 --json >"$WORK/real.json" 2>/dev/null
check "the measures separate real from untrained" "$PY" -c '
import json, sys
fresh, real = (json.load(open(p)) for p in sys.argv[1:3])
print("classifier accuracy", fresh["classifier_accuracy"])
assert fresh["classifier_accuracy"] >= 0.85, "the classifier reaches 85% on held-out images"
f, r = fresh["metrics"], real["metrics"]
for name in ("frechet", "class_js", "classes", "sliced_w1"):
    print("%s: untrained %.6g, unseen real %.6g, real baseline %.6g" % (name, f[name]["generated"], r[name]["generated"], r[name]["real"]))
assert f["frechet"]["real"] * 50 < f["frechet"]["generated"], "real halves far below the untrained generator"
assert r["frechet"]["generated"] < 3 * r["frechet"]["real"] + 1, "unseen real images near the real baseline"
assert f["frechet"]["generated"] > 20 * r["frechet"]["generated"]
assert f["class_js"]["generated"] > 10 * r["class_js"]["generated"]
assert f["classes"]["generated"] < r["classes"]["generated"] == 10
assert f["sliced_w1"]["generated"] > 5 * r["sliced_w1"]["generated"]
for name in ("kid", "precision", "recall", "density", "coverage"):
    print("%s: untrained %.6g, unseen real %.6g, real baseline %.6g" % (name, f[name]["generated"], r[name]["generated"], r[name]["real"]))
assert f["kid"]["generated"] > 100 * max(abs(r["kid"]["generated"]), abs(r["kid"]["real"]))
for name in ("precision", "recall", "coverage"):  # real data reaches real data; an untrained G does not
    assert r[name]["generated"] > 0.6 and r[name]["real"] > 0.6 and f[name]["generated"] < 0.2, name
assert 0.7 < r["density"]["generated"] < 1.3 and f["density"]["generated"] < 0.2
' "$WORK/fresh.json" "$WORK/real.json"

"$NASH" eval "$WORK/real-samples.h5" --against "$WORK/test.h5" --classifier "$WORK/train.classifier.h5" -n 1000 \
    >"$WORK/other.out" 2>&1
check "a classifier of other data is refused (exit $?)" test $? -eq 2
check "... saying to delete it or pass another" grep -q "trained on other data.*delete it" "$WORK/other.out"
check "import ring8" "$NASH" data toy ring8 --n 2000 --out "$WORK/ring8.h5"
"$NASH" eval "$WORK/fresh/weights.h5" --against "$WORK/ring8.h5" -n 1000 >"$WORK/shape.out" 2>&1
check "a generator of another shape is refused (exit $?)" test $? -eq 2
check "... naming both shapes" grep -q "(1,28,28), the data has (2)" "$WORK/shape.out"
# A small labelled set (2048 of the test images): the hold-out and n scale to half of it (1024), the
# classifier trains for more epochs, the table says what the figures mean at small n, and an -n
# beyond the hold-out is refused with the figure to use.
check "a labelled set of 2048 images" "$PY" -c '
import sys, h5py
with h5py.File(sys.argv[1], "r") as f, h5py.File(sys.argv[2], "w") as g:
    for k, v in f.attrs.items(): g.attrs[k] = v
    for k in f.keys(): g[k] = f[k][:2048]
' "$WORK/test.h5" "$WORK/small.h5"
"$NASH" eval "$WORK/fresh/weights.h5" --against "$WORK/small.h5" --json >"$WORK/small.json" 2>"$WORK/small.err"
check "eval on 2048 labelled images (exit $?)" test $? -eq 0
cat "$WORK/small.err"
check "... compares 1024 samples, the classifier above 70% on its 1024 held-out images" "$PY" -c '
import json, sys
r = json.load(open(sys.argv[1]))
print("samples", r["samples"], "classifier accuracy", r["classifier_accuracy"])
assert r["samples"] == 1024 and r["classifier_accuracy"] >= 0.70
assert r["metrics"]["frechet"]["real"] * 20 < r["metrics"]["frechet"]["generated"]
' "$WORK/small.json"
check "... trained for more than 2 epochs" grep -q "(58 epochs over 1024 images)" "$WORK/small.err"
"$NASH" eval "$WORK/fresh/weights.h5" --against "$WORK/small.h5" >"$WORK/small.txt" 2>&1
check "... says the distances are biased at small n" grep -q "at 1024 samples the distances are biased upward" "$WORK/small.txt"
"$NASH" eval "$WORK/fresh/weights.h5" --against "$WORK/small.h5" -n 2000 >"$WORK/small-n.out" 2>&1
check "-n beyond the hold-out is refused (exit $?)" test $? -eq 2
check "... naming the figure to use" grep -q "use -n 1024 or less" "$WORK/small-n.out"
check "an untrained generator with EMA" "$NASH" train "$SRC/configs/fashion-dcgan.ini" --set data.path="$WORK/small.h5" \
    --set train.steps=1 --set train.ema=0.99 --set output.sample_every=0 --run-dir "$WORK/fresh-ema" --quiet
"$NASH" eval "$WORK/fresh-ema/weights.h5" --against "$WORK/small.h5" --ema >"$WORK/ema.out" 2>&1
check "--ema evaluates the moving average (exit $?)" test $? -eq 0
check "... and says so: (generator_ema)" grep -q "(generator_ema) against" "$WORK/ema.out"
"$NASH" eval "$WORK/fresh/weights.h5" --against "$WORK/small.h5" --truncation 1 --json >"$WORK/trunc.json" 2>/dev/null
check "--truncation evaluates z cut to [-1, 1] (exit $?)" test $? -eq 0
check "... which changes the samples and says so in the JSON" "$PY" -c '
import json, sys
plain, cut = (json.load(open(p)) for p in sys.argv[1:3])
assert cut["truncation"] == 1 and "truncation" not in plain, (cut.get("truncation"), plain.get("truncation"))
a, b = plain["metrics"]["sliced_w1"]["generated"], cut["metrics"]["sliced_w1"]["generated"]
assert a != b, "the same sliced W1 with and without truncation: %g" % a
' "$WORK/small.json" "$WORK/trunc.json"
"$NASH" eval "$WORK/real-samples.h5" --against "$WORK/train.h5" --truncation 1 >"$WORK/trunc-samples.out" 2>&1
check "--truncation with a samples file is refused (exit $?)" test $? -eq 2
check "... saying its latents were drawn already" grep -q "real-samples.h5 is a samples file: its latents were drawn" \
    "$WORK/trunc-samples.out"
"$NASH" eval "$WORK/missing.h5" --against "$WORK/train.h5" >"$WORK/missing.out" 2>&1
check "a missing file is refused (exit $?)" test $? -ne 0
check "... naming it" grep -q "missing.h5" "$WORK/missing.out"
"$NASH" eval "$WORK/fresh/weights.h5" >/dev/null 2>&1
check "no --against is a usage error" test $? -eq 2
finish
