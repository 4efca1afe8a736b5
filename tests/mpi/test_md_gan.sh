#!/usr/bin/env bash
# Several discriminators (cluster.discriminator_groups = 2, MD-GAN), tiny DCGAN, plain SGD:
#   - the groups change the run: G after 20 steps differs from the one-D run's;
#   - the same groups on other layouts compute the same thing up to float reduction order:
#     colocated 2 ranks and split 1G+2D agree within rtol 1e-4 on G and both Ds after 20 steps
#     (the tolerance of test_equivalence.sh for 20 SGD steps); split 2G+2D holds the same slices
#     and sums in the same order as colocated 2, and equals it bitwise;
#   - a swap passes each D on: after 5 steps with swap_every = 5, group 0 holds exactly what
#     group 1 held after the same 5 steps without a swap, and group 1 what group 0 held,
#     parameters, batch-norm statistics and optimizer moments;
#   - resume is exact across swaps: split 2G+2D pipelined with Adam, 10 + resume + 10 steps equal
#     20 straight, bitwise, both Ds included;
#   - a rank count the groups cannot divide is refused, naming the key and what to run; a
#     checkpoint resumes only with the groups it was saved with; a conditional GAN whose data
#     file is sorted by class (so a shard lacks classes) is refused, naming the shard and class.
# The network is tiny-dcgan.ini with tanh for D's LeakyReLUs. With them, runs that differ only in
# float32 rounding part at step 5: up to step 4 every parameter agrees within 0.007 of the
# tolerance, then one bias of D 1's first layer jumps 0.17% (5.5x the tolerance), as when a unit
# crosses a kink, and by step 20 the runs are ~300x the tolerance apart. Measured 2026-12-07 on
# one layout alone (colocated 2, im2col path, OpenBLAS's Haswell kernel against its Cooperlake
# kernel), and between split 1G+2D and colocated 2 with the Haswell kernel or with oneDNN's
# convolutions. Smooth units keep such runs within reduction order of each other, as in
# tiny-penalty.ini.
. "$(dirname "$0")/lib.sh"
CFG="$WORK/tiny-dcgan-tanh.ini"
sed 's/^layer = leakyrelu 0\.2$/layer = tanh/' "$SRC/tests/mpi/tiny-dcgan.ini" >"$CFG"
check "the test's network: D's two LeakyReLUs made tanh" test "$(grep -c '^layer = tanh$' "$CFG")" = 3
CMP=(/usr/bin/python3 "$SRC/tests/mpi/compare_weights.py")
check "import Fashion-MNIST" fashion "$WORK/f.h5"
data=(--set data.path="$WORK/f.h5")
md=(--set cluster.discriminator_groups=2 --set cluster.swap_every=5)
both=generator,discriminator,discriminator_1
last=ckpt/step_00000020.h5

check "one D, colocated 2" train_np 2 "$WORK/one" "$CFG" "${data[@]}" --set cluster.layout=colocated
check "2 groups, colocated 2" train_np 2 "$WORK/co2" "$CFG" "${data[@]}" "${md[@]}" --set cluster.layout=colocated
check "2 groups, split 1G+2D" train_np 3 "$WORK/sp3" "$CFG" "${data[@]}" "${md[@]}" --set cluster.generator_ranks=1
check "2 groups, split 2G+2D" train_np 4 "$WORK/sp4" "$CFG" "${data[@]}" "${md[@]}" --set cluster.generator_ranks=2
check "the checkpoint holds both Ds and their optimizers" sh -c \
    "h5ls -r '$WORK/co2/$last' | grep -q '^/discriminator_1/' && h5ls '$WORK/co2/$last/optim' | grep -q discriminator_1"
timeout 120 "${MPIRUN[@]}" -n 2 "$NASH" train "$CFG" "${data[@]}" "${md[@]}" --set cluster.layout=colocated \
    --set train.steps=1 --run-dir "$WORK/said" >"$WORK/said.log" 2>&1
check "the layout line names the groups" grep -q "layout: colocated 2 in 2 discriminator groups" "$WORK/said.log"
check "two groups change G" bash -c '! "$@" >/dev/null' _ "${CMP[@]}" --groups generator \
    "$WORK/co2/weights.h5" "$WORK/one/weights.h5" 1e-4 1e-6
check "two groups: the groups' Ds differ" bash -c '! h5diff -q "$1" "$1" /discriminator /discriminator_1' _ \
    "$WORK/co2/$last"
check "split 1G+2D = colocated 2 (rtol 1e-4)" "${CMP[@]}" --groups $both "$WORK/sp3/$last" "$WORK/co2/$last" 1e-4 1e-6
for group in generator discriminator discriminator_1 optim/discriminator optim/discriminator_1; do
    check "split 2G+2D = colocated 2, bitwise: /$group" h5diff -q "$WORK/sp4/$last" "$WORK/co2/$last" "/$group" "/$group"
done

# a swap after step 5 against no swap in 5 steps
check "5 steps, swap after 5" train_np 2 "$WORK/swap" "$CFG" "${data[@]}" "${md[@]}" --set cluster.layout=colocated \
    --set train.steps=5
check "5 steps, no swap" train_np 2 "$WORK/keep" "$CFG" "${data[@]}" "${md[@]}" --set cluster.layout=colocated \
    --set train.steps=5 --set cluster.swap_every=1000
a="$WORK/swap/ckpt/step_00000005.h5" b="$WORK/keep/ckpt/step_00000005.h5"
for pair in "discriminator discriminator_1" "discriminator_1 discriminator" \
    "optim/discriminator optim/discriminator_1" "optim/discriminator_1 optim/discriminator"; do
    set -- $pair
    check "swap: /$1 after the swap is /$2 without it" h5diff -q "$a" "$b" "/$1" "/$2"
done
check "swap: G is the same either way (the swap comes after the step)" h5diff -q "$a" "$b" /generator /generator

# exact resume across swaps, split and pipelined, Adam
adam=(--set optim.g.kind=adam --set optim.d.kind=adam --set optim.g.lr=2e-4 --set optim.d.lr=2e-4
    --set cluster.generator_ranks=2 --set cluster.schedule=pipelined --set output.checkpoint_every=10)
check "split 2G+2D pipelined, 20 straight" train_np 4 "$WORK/r20" "$CFG" "${data[@]}" "${md[@]}" "${adam[@]}"
check "split 2G+2D pipelined, 10" train_np 4 "$WORK/r10" "$CFG" "${data[@]}" "${md[@]}" "${adam[@]}" \
    --set train.steps=10
check "... resumed to 20" train_np 4 "$WORK/r10" "$CFG" "${data[@]}" "${md[@]}" "${adam[@]}" --resume auto
check "resume across swaps: identical final checkpoint" h5diff "$WORK/r20/$last" "$WORK/r10/$last"
strip() { cut -d, -f1-10 "$1"; }
check "resume across swaps: identical loss log" cmp <(strip "$WORK/r20/metrics.csv") <(strip "$WORK/r10/metrics.csv")

# refusals
refused() { # refused NP LOG WANT SETTINGS...: the run of $RCFG (default $CFG) fails naming WANT
    local np=$1 log=$2 want=$3; shift 3
    timeout 120 "${MPIRUN[@]}" -n "$np" "$NASH" train "${RCFG:-$CFG}" "${data[@]}" --run-dir "$WORK/refused" "$@" \
        >"$log" 2>&1
    local code=$?
    [ "$code" -ne 0 ] && grep -qF "$want" "$log" || { echo "exit $code"; cat "$log"; return 1; }
}
check "3 groups of 2 D ranks refused" refused 3 "$WORK/r3.log" \
    "cluster.discriminator_groups = 3 needs the discriminator ranks to form 3 equal groups, but there are 2" \
    --set cluster.generator_ranks=1 --set cluster.discriminator_groups=3
check "2 groups in one process refused" refused 1 "$WORK/r1.log" "run a multiple of 2 discriminator ranks (mpirun -n)" \
    --set cluster.discriminator_groups=2
check "a one-D checkpoint does not resume two" refused 2 "$WORK/rc.log" \
    "was saved with cluster.discriminator_groups = 1 (layout colocated 2) but the config says 2" \
    --set cluster.layout=colocated --set cluster.discriminator_groups=2 --set train.steps=40 \
    --resume "$WORK/one/$last"
check "a two-D checkpoint does not resume one" refused 2 "$WORK/rc1.log" \
    "was saved with cluster.discriminator_groups = 2 (layout colocated 2 in 2 discriminator groups) but the config says 1" \
    --set cluster.layout=colocated --set train.steps=40 --resume "$WORK/co2/$last"
# a conditional GAN needs every class in every shard: 400 Fashion-MNIST images sorted by class
# (IDX files written with numpy, imported by nash data idx) give shard 1 none of classes 0 to 4
/usr/bin/python3 - "/usr/share/datasets/fashion-mnist" "$WORK" <<'PY' || fail "write class-sorted IDX files"
import gzip, os, sys
import numpy as np
src, out = sys.argv[1:]
def read(name, header):
    path = os.path.join(src, name)
    raw = (gzip.open if path.endswith(".gz") else open)(path, "rb").read()
    return raw[:header], np.frombuffer(raw[header:], np.uint8)
names = sorted(os.listdir(src))
img = next(n for n in names if "train-images" in n)
lab = next(n for n in names if "train-labels" in n)
_, x = read(img, 16)
_, y = read(lab, 8)
x = x.reshape(-1, 28 * 28)[:400]
order = np.argsort(y[:400], kind="stable")
with open(os.path.join(out, "sorted-images.idx"), "wb") as f:
    f.write(bytes([0, 0, 8, 3]) + (400).to_bytes(4, "big") + (28).to_bytes(4, "big") * 2 + x[order].tobytes())
with open(os.path.join(out, "sorted-labels.idx"), "wb") as f:
    f.write(bytes([0, 0, 8, 1]) + (400).to_bytes(4, "big") + y[:400][order].tobytes())
PY
check "import the class-sorted images" "$NASH" data idx --images "$WORK/sorted-images.idx" \
    --labels "$WORK/sorted-labels.idx" --out "$WORK/sorted.h5"
RCFG="$SRC/tests/mpi/tiny-sngan-cond.ini" check "a class-sorted file's shards refused for a conditional GAN" refused 2 "$WORK/rs.log" \
    "discriminator group 0's shard of $WORK/sorted.h5 (samples 0 to 199) holds no sample of class" \
    --set data.path="$WORK/sorted.h5" --set cluster.layout=colocated --set cluster.discriminator_groups=2
finish
