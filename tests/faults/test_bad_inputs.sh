#!/usr/bin/env bash
# Bad files fed to every subcommand that reads files: each is refused with exit 2 (bad input)
# or 1 (unreadable; `nash inspect` answers 1 for any file that is not whole), a message that names the file (and the dataset or tensor where there is
# one), and nothing written — no run directory, no output file. The bad files (made here with
# h5py): an empty file, an HDF5 file cut in half, an HDF5 file that is not nash's, images stored
# as float64, images of the wrong rank, zero samples, labels of the wrong length, and weights of
# another architecture (a different latent size, a different layer); and data, weights and
# samples files written by nash with one byte flipped.
. "$(dirname "$0")/../train/lib.sh"
PY=/usr/bin/python3
check "import Fashion-MNIST" "$NASH" data fashion-mnist --out "$WORK/f.h5"
CFG="$SRC/tests/mpi/tiny-dcgan.ini"
check "a small trained model" "$NASH" train "$CFG" --set data.path="$WORK/f.h5" --set train.steps=2 \
    --set output.sample_every=0 --run-dir "$WORK/good" --quiet
check "another architecture (latent 8 instead of 16)" "$NASH" train "$CFG" --set data.path="$WORK/f.h5" \
    --set train.steps=1 --set generator.latent=8 --set output.sample_every=0 --run-dir "$WORK/other" --quiet
check "make the bad files" "$PY" - "$WORK" <<'PY'
import sys, h5py, numpy as np
w = sys.argv[1]
open(f"{w}/empty.h5", "wb").close()
good = open(f"{w}/f.h5", "rb").read()
open(f"{w}/half.h5", "wb").write(good[: len(good) // 2])
with h5py.File(f"{w}/foreign.h5", "w") as f:
    f["something"] = np.arange(10)
with h5py.File(f"{w}/float64.h5", "w") as f:
    f["images"] = np.zeros((100, 1, 28, 28), np.float64)
with h5py.File(f"{w}/rank2.h5", "w") as f:
    f["images"] = np.zeros((100, 784), np.uint8)
with h5py.File(f"{w}/zero.h5", "w") as f:
    f.create_dataset("images", shape=(0, 1, 28, 28), dtype=np.uint8)
with h5py.File(f"{w}/labels.h5", "w") as f:
    f["images"] = np.zeros((100, 1, 28, 28), np.uint8)
    f["labels"] = np.zeros(99, np.uint8)
PY

# refused WANT_CODE NEEDLE OUTPUT_THAT_MUST_NOT_EXIST CMD...: exit code, message, nothing written
refused() {
    local want=$1 needle=$2 out=$3
    shift 3
    local msg code
    msg=$("$@" 2>&1)
    code=$?
    local what="$(basename "$2") ${*:3:4}"
    if [ "$code" -eq "$want" ] && grep -qF -- "$needle" <<<"$msg" && [ ! -e "$out" ]; then
        ok "$what: exit $code, names '$needle'"
    else
        fail "$what: exit $code (want $want), output '$msg', $( [ -e "$out" ] && echo "$out was written" )"
    fi
}
for bad in empty half foreign float64 rank2 zero labels; do
    refused 2 "$bad.h5" "$WORK/run-$bad" "$NASH" train "$CFG" --set data.path="$WORK/$bad.h5" --run-dir "$WORK/run-$bad" --quiet
done
refused 2 "/images" "$WORK/x" "$NASH" train "$CFG" --set data.path="$WORK/float64.h5" --run-dir "$WORK/x" --quiet
refused 2 "$WORK/zero.h5" "$WORK/x" "$NASH" eval "$WORK/good/weights.h5" --against "$WORK/zero.h5"
for bad in empty half foreign; do
    refused 2 "$bad.h5" "$WORK/s-$bad.png" "$NASH" sample "$WORK/$bad.h5" -o "$WORK/s-$bad.png"
    refused 1 "$bad.h5" "$WORK/none" "$NASH" inspect "$WORK/$bad.h5" # inspect: 1 = not whole
    refused 2 "$bad.h5" "$WORK/none" "$NASH" eval "$WORK/$bad.h5" --against "$WORK/f.h5"
    refused 2 "$bad.h5" "$WORK/run-r-$bad" "$NASH" train "$CFG" --set data.path="$WORK/f.h5" --resume "$WORK/$bad.h5" \
        --run-dir "$WORK/run-r-$bad" --quiet
done
# weights of another architecture: refused naming the tensor and both shapes, nothing half-loaded
refused 2 "0.weight" "$WORK/run-arch" "$NASH" train "$CFG" --set data.path="$WORK/f.h5" \
    --resume "$WORK/other/ckpt/step_00000001.h5" --run-dir "$WORK/run-arch" --quiet
# one flipped byte in a file nash wrote (core/seal.h): data, weights and samples files are refused
# by every reader, naming the file, before HDF5 reads them
check "a samples file" "$NASH" sample "$WORK/good/weights.h5" -n 100 -o "$WORK/samples.h5"
check "flip one byte of a data, a weights and a samples file" "$PY" - "$WORK" <<'PY'
import sys
w = sys.argv[1]
for src, dst in (("f.h5", "flipped-data.h5"), ("good/weights.h5", "flipped-weights.h5"), ("samples.h5", "flipped-samples.h5")):
    d = bytearray(open(f"{w}/{src}", "rb").read())
    d[len(d) * 2 // 3] ^= 0x04
    open(f"{w}/{dst}", "wb").write(d)
PY
refused 2 "flipped-data.h5 is corrupt" "$WORK/run-fd" "$NASH" train "$CFG" --set data.path="$WORK/flipped-data.h5" --run-dir "$WORK/run-fd" --quiet
refused 2 "flipped-data.h5 is corrupt" "$WORK/none" "$NASH" eval "$WORK/good/weights.h5" --against "$WORK/flipped-data.h5"
refused 2 "flipped-weights.h5 is corrupt" "$WORK/s-fw.png" "$NASH" sample "$WORK/flipped-weights.h5" -o "$WORK/s-fw.png"
refused 2 "flipped-weights.h5 is corrupt" "$WORK/none" "$NASH" eval "$WORK/flipped-weights.h5" --against "$WORK/f.h5"
refused 1 "flipped-weights.h5 is corrupt" "$WORK/none" "$NASH" inspect "$WORK/flipped-weights.h5"
refused 2 "flipped-samples.h5 is corrupt" "$WORK/none" "$NASH" eval "$WORK/flipped-samples.h5" --against "$WORK/f.h5"
refused 2 "idx" "$WORK/o.h5" "$NASH" data idx --images "$WORK/half.h5" --out "$WORK/o.h5"
refused 2 "missing.h5" "$WORK/none" "$NASH" inspect "$WORK/missing.h5"
refused 2 "missing.h5" "$WORK/run-missing" "$NASH" train "$CFG" --set data.path="$WORK/missing.h5" --run-dir "$WORK/run-missing" --quiet
finish
