#!/usr/bin/env bash
# The divergence guard: ring8 with SGD at learning rate 10 blows up within a few steps. The run
# must stop with exit code 3 at the step it happens, say which rank found which non-finite
# tensor and what to do, write no checkpoint and no weights after it (every checkpoint left
# verifies and holds finite values only), and resuming from a checkpoint with a sane learning
# rate must finish the run (the newest, one step before the blow-up, is already too far gone).
# Under mpirun (split 1G+1D, and 1G+2D in two discriminator groups that swap every step) every
# rank stops alike and only the rank that found the value explains, naming it. Then a run whose
# batch-norm statistics overflow while its losses are still finite.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
check "import ring8" "$NASH" data toy ring8 --n 4000 --out "$WORK/r.h5"
blowup=(--set data.path="$WORK/r.h5" --set train.steps=40 --set optim.d.kind=sgd --set optim.d.lr=10
    --set optim.g.kind=sgd --set optim.g.lr=10 --set output.checkpoint_every=2 --set output.sample_every=0)
"$NASH" train "$SRC/configs/ring8-gan.ini" "${blowup[@]}" --run-dir "$WORK/run" --quiet >"$WORK/out" 2>"$WORK/err"
code=$?
cat "$WORK/err"
check "a diverging run exits 3 (got $code)" test "$code" -eq 3
check "the message names the step, the rank and the tensor" grep -Eq "diverged at step [0-9]+: rank 0 found NaN or infinity in the (generator|discriminator)" "$WORK/err"
check "the message says how to go on" grep -q -- "resume from one of them with a lower learning rate" "$WORK/err"
at=$(sed -nE 's/.*diverged at step ([0-9]+).*/\1/p' "$WORK/err")
check "no weights.h5 from a diverged run" test ! -e "$WORK/run/weights.h5"
newest=$(ls "$WORK/run/ckpt" 2>/dev/null | sort | tail -1)
check "checkpoints were written before it (newest: $newest)" test -n "$newest"
check "no checkpoint at or after step $at" "$PY" -c '
import os, sys
steps = [int(n[5:13]) for n in os.listdir(sys.argv[1]) if n.startswith("step_") and n.endswith(".h5")]
assert steps and max(steps) < int(sys.argv[2]), (steps, sys.argv[2])' "$WORK/run/ckpt" "$at"
for f in "$WORK"/run/ckpt/step_*.h5; do
    check "$(basename "$f") verifies" "$NASH" inspect "$f" --no-config
done
check "every checkpoint holds finite values only" "$PY" -c '
import glob, sys, h5py, numpy as np
for path in glob.glob(sys.argv[1] + "/step_*.h5"):
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset) and obj.dtype.kind == "f":
                assert np.isfinite(obj[()]).all(), (path, name)
        f.visititems(visit)' "$WORK/run/ckpt"
"$NASH" train "$SRC/configs/ring8-gan.ini" "${blowup[@]}" --set optim.d.lr=0.001 --set optim.g.lr=0.001 \
    --run-dir "$WORK/run" --resume "$WORK/run/ckpt/step_00000002.h5" --quiet >"$WORK/resume.out" 2>&1
check "resuming from the first checkpoint with a lower learning rate finishes (exit $?)" test $? -eq 0
check "... with weights" test -s "$WORK/run/weights.h5"

# Batch norm's running statistics overflow before any loss does (SGD at lr 10 on the tiny DCGAN):
# the guard watches buffers and optimizer moments too, so the run stops at the first step that
# holds a non-finite value anywhere, with the divergence code and the tensor named. "First" is
# shown by the run one step shorter: it finishes and saves its final checkpoint, and a save
# refuses any non-finite parameter, buffer or optimizer moment.
check "import Fashion-MNIST" "$NASH" data fashion-mnist --out "$WORK/f.h5"
bn=(--set data.path="$WORK/f.h5" --set train.steps=60 --set optim.d.kind=sgd --set optim.d.lr=10
    --set optim.g.kind=sgd --set optim.g.lr=10 --set output.sample_every=0 --set train.log_every=1)
"$NASH" train "$SRC/tests/mpi/tiny-dcgan.ini" "${bn[@]}" --run-dir "$WORK/bn" --quiet >"$WORK/bn.out" 2>"$WORK/bn.err"
code=$?
cat "$WORK/bn.err"
check "batch-norm overflow: exit 3, the divergence code (got $code)" test "$code" -eq 3
check "batch-norm overflow: the message names a tensor and the rank" grep -Eq "diverged at step [0-9]+: rank 0 found NaN or infinity in the (generator|discriminator)'s" "$WORK/bn.err"
at=$(sed -nE 's/.*diverged at step ([0-9]+).*/\1/p' "$WORK/bn.err")
last_loss=$(tail -1 "$WORK/bn/metrics.csv" | cut -d, -f3,4)
echo "stopped at step $at; the last logged losses (loss_d,loss_g): $last_loss"
if [ -n "$at" ] && [ "$at" -gt 1 ]; then
    "$NASH" train "$SRC/tests/mpi/tiny-dcgan.ini" "${bn[@]}" --set train.steps=$((at - 1)) --run-dir "$WORK/bn-1" \
        --quiet >"$WORK/bn-1.out" 2>&1
    check "the same run to step $((at - 1)) finishes and saves (exit $?): nothing was non-finite before step $at" \
        test -s "$WORK/bn-1/weights.h5"
else
    fail "batch-norm overflow: no step in the message (or step 1): $(cat "$WORK/bn.err")"
fi

if command -v mpirun >/dev/null; then
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl_tcp_if_include=lo
    timeout 120 mpirun --oversubscribe --bind-to none -n 2 "$NASH" train "$SRC/configs/ring8-gan.ini" "${blowup[@]}" \
        --set cluster.generator_ranks=1 --run-dir "$WORK/mpi" --quiet >"$WORK/mpi.out" 2>"$WORK/mpi.err"
    code=$?
    cat "$WORK/mpi.err"
    check "2 ranks: exit 3 (got $code)" test "$code" -eq 3
    check "2 ranks: exactly one rank explains" test "$(grep -c "nash train: training diverged" "$WORK/mpi.err")" -eq 1
    check "2 ranks: no weights.h5" test ! -e "$WORK/mpi/weights.h5"
    # Two discriminator groups whose Ds move on after every step (and take the optimizer's flag
    # along): the run stops alike and a tensor is named, not only "the update". (Here G's gradient
    # goes bad in the same step as D's and rank 0, the G rank, reports.)
    timeout 120 mpirun --oversubscribe --bind-to none -n 3 "$NASH" train "$SRC/configs/ring8-gan.ini" "${blowup[@]}" \
        --set cluster.generator_ranks=1 --set cluster.discriminator_groups=2 --set cluster.swap_every=1 \
        --run-dir "$WORK/md" --quiet >"$WORK/md.out" 2>"$WORK/md.err"
    code=$?
    cat "$WORK/md.err"
    check "2 discriminator groups: exit 3 (got $code)" test "$code" -eq 3
    check "2 discriminator groups: exactly one rank explains" test "$(grep -c "nash train: training diverged" "$WORK/md.err")" -eq 1
    check "2 discriminator groups: the message names the tensor" grep -Eq "NaN or infinity in the (generator|discriminator)'s (gradient of|parameter|buffer|optimizer moment) '" "$WORK/md.err"
fi
finish
