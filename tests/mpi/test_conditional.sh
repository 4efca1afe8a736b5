#!/usr/bin/env bash
# The class-conditional ResNet (tests/mpi/tiny-sngan-cond.ini: conditional batch norm in G,
# spectral norm and a projection head in D, residual blocks in both, hinge loss, 2 D steps per G
# step) trains under MPI as in one process: after 10 plain-SGD steps every tensor of G and D —
# parameters, batch-norm statistics, spectral norm's u and v — agrees with the 1-rank run within
# rtol 1e-4, atol 1e-6 (float reduction order), for 2 ranks split (1G+1D), 3 ranks split (1G+2D:
# the fakes' classes travel with them), 4 ranks split (2G+2D) and 2 ranks colocated, all with
# synchronised batch norm. 5 + resume + 5 steps equal 10 straight bitwise (the fakes' classes
# are keyed by step and sample, u and v are in the checkpoint). Linear lr decay starts at the
# full lr for every update of the first step. nash sample --class/--per-class
# and /labels, PyTorch (docs/examples/load_generator.py) reproducing the conditional samples, and
# nash eval's per-class table. Without /labels in the data the run is refused, naming the file.
. "$(dirname "$0")/lib.sh"
CFG="$SRC/tests/mpi/tiny-sngan-cond.ini"
check "import Fashion-MNIST" fashion "$WORK/f.h5"
data=(--set data.path="$WORK/f.h5")
CMP=(/usr/bin/python3 "$SRC/tests/mpi/compare_weights.py")

check "1 rank" train_np 1 "$WORK/one" "$CFG" "${data[@]}" --set output.checkpoint_every=5
check "the stored layer lines carry the data's classes=10" \
    bash -c 'h5dump -a /generator/layers "$1" | grep -q "cbatchnorm.*classes=10"' _ "$WORK/one/weights.h5"
for l in "2 split 1" "3 split 1" "4 split 2" "2 colocated 1"; do
    set -- $l
    check "$1 ranks $2 ($3 G)" train_np "$1" "$WORK/r-$1-$2" "$CFG" "${data[@]}" \
        --set cluster.layout="$2" --set cluster.generator_ranks="$3"
    check "$1 ranks $2 ($3 G): every tensor as one process" "${CMP[@]}" "$WORK/r-$1-$2/weights.h5" \
        "$WORK/one/weights.h5" 1e-4 1e-6
done

check "5 steps" train_np 1 "$WORK/half" "$CFG" "${data[@]}" --set output.checkpoint_every=5 --set train.steps=5
check "resume to 10" train_np 1 "$WORK/half" "$CFG" "${data[@]}" --set output.checkpoint_every=5 --resume auto
check "5 + 5 steps: identical final checkpoint" h5diff "$WORK/one/ckpt/step_00000010.h5" \
    "$WORK/half/ckpt/step_00000010.h5"

# SNGAN's linear lr decay is per training step: in a 1-step run both of D's updates (n_critic 2)
# and G's use the full lr, so the run equals the constant-lr one; over 2 steps the second differs.
decay=(--set optim.g.lr_decay=linear --set optim.d.lr_decay=linear)
for s in 1 2; do
    check "$s step(s), constant lr" train_np 1 "$WORK/lr-$s" "$CFG" "${data[@]}" --set train.steps=$s
    check "$s step(s), lr_decay = linear" train_np 1 "$WORK/decay-$s" "$CFG" "${data[@]}" "${decay[@]}" --set train.steps=$s
done
for p in generator discriminator; do
    check "1 step: linear decay has not started (D's 2 updates both at the full lr): identical /$p" \
        h5diff "$WORK/decay-1/weights.h5" "$WORK/lr-1/weights.h5" /$p
    check "2 steps: the second step's lr is halved: /$p differs (h5diff exit 1)" \
        bash -c 'h5diff -q "$1" "$2" "$3"; [ $? = 1 ]' _ "$WORK/decay-2/weights.h5" "$WORK/lr-2/weights.h5" /$p
done

W="$WORK/one/weights.h5"
check "nash sample --per-class 3: a 10x3 grid" bash -c '"$1" sample "$2" --per-class 3 -o "$3" | grep -q "30 samples.*a 10x3 grid"' \
    _ "$NASH" "$W" "$WORK/grid.png"
check "nash sample --class 4 -o OUT.h5" "$NASH" sample "$W" --class 4 -n 5 -o "$WORK/c4.h5"
check "... /labels holds class 4 five times" /usr/bin/python3 -c '
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
assert list(f["labels"][:]) == [4] * 5, f["labels"][:]' "$WORK/c4.h5"
check "nash sample: /labels in turn without --class" /usr/bin/python3 -c '
import subprocess, sys, h5py
subprocess.run([sys.argv[1], "sample", sys.argv[2], "-n", "12", "-o", sys.argv[3]], check=True, stdout=subprocess.DEVNULL)
assert list(h5py.File(sys.argv[3], "r")["labels"][:]) == [i % 10 for i in range(12)]' "$NASH" "$W" "$WORK/turn.h5"
check "... the class changes the samples, the same latents" /usr/bin/python3 -c '
import sys, h5py, numpy as np
a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
assert np.array_equal(a["z"][:5], b["z"][:5]) and not np.allclose(a["samples"][:5], b["samples"][:5])' \
    "$WORK/c4.h5" "$WORK/turn.h5"
# docs/examples/load_generator.py builds the conditional ResNet G in PyTorch and feeds it /z and
# /labels. The reference is that model in float64: nash's float32 samples must be as close to it
# as PyTorch's float32 ones, within 2x (this G's depth takes PyTorch itself past the 8 float32
# epsilons test_pytorch_example.sh allows the DCGAN: 1.1e-6 from float64 where nash is 9.3e-7)
for f in c4 turn; do
    check "load_generator.py on $f.h5: PyTorch's conditional ResNet reproduces nash's /samples" /usr/bin/python3 -c '
import importlib.util, sys, h5py, numpy as np, torch
spec = importlib.util.spec_from_file_location("lg", sys.argv[1])
lg = importlib.util.module_from_spec(spec)
spec.loader.exec_module(lg)
ours, nash, attrs = lg.reproduce(sys.argv[2], sys.argv[3])
assert attrs["labels"] == "/labels", attrs
G, _ = lg.nash_generator(sys.argv[2])
with h5py.File(sys.argv[3], "r") as h:
    z, y = torch.from_numpy(h["z"][()]), torch.from_numpy(h["labels"][()]).long()
with torch.no_grad():
    exact = G.double()(z.double(), y).numpy()
e_nash = np.abs(nash.numpy() - exact).max()
e_torch = np.abs(ours.numpy() - exact).max()
print("max abs difference from float64: nash %.3g, PyTorch float32 %.3g; nash vs PyTorch %.3g"
      % (e_nash, e_torch, np.abs(nash.numpy() - ours.numpy()).max()))
assert e_torch > 0 and e_nash <= 2 * e_torch, (e_nash, e_torch)' "$SRC/docs/examples/load_generator.py" "$W" "$WORK/$f.h5"
done
if out=$("$NASH" sample "$W" --class 10 -o "$WORK/x.png" 2>&1); then fail "--class 10 of 10 classes was not refused"; else
    check "--class 10 refused: $out" grep -q "knows classes 0 to 9" <<<"$out"; fi
check "nash eval: per-class accuracy of a conditional generator" bash -c \
    '"$1" eval "$2" --against "$3" -n 500 --epochs 1 --classifier "$4" | tee "$4.txt" | grep -q "^class_acc_min" &&
     [ "$(grep -cE "^[0-9] +[0-9.]+% +[0-9.]+%$" "$4.txt")" = 10 ]' _ "$NASH" "$W" "$WORK/f.h5" "$WORK/f.classifier.h5"

check "unlabelled data" "$NASH" data toy ring8 --n 200 --out "$WORK/ring.h5"
if out=$(train_np 1 "$WORK/nolabels" "$CFG" --set data.path="$WORK/ring.h5" 2>&1); then
    fail "a conditional GAN on unlabelled data was not refused"
else
    check "refused without /labels, naming the file: ${out##*nash train: }" grep -q "ring.h5 has no /labels" <<<"$out"
fi
finish
