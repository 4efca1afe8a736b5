#!/usr/bin/env bash
# The same rank count twice gives bitwise-identical parameters (both schedules, Adam); the
# simultaneous schedule computes the same on a split and a colocated layout (plain SGD: Adam
# normalises every update, so parameters whose gradient is at rounding-noise level take
# lr-sized steps in noise-determined directions, and reduction order shows at 1e-4).
. "$(dirname "$0")/lib.sh"
CFG="$SRC/tests/mpi/tiny-dcgan.ini"
check "import Fashion-MNIST" fashion "$WORK/f.h5"
common=(--set data.path="$WORK/f.h5" --set cluster.generator_ranks=1 --set optim.g.kind=adam --set optim.d.kind=adam)
for sched in alternating simultaneous; do
    for name in a b; do
        check "$sched run $name (3 ranks)" train_np 3 "$WORK/$sched-$name" "$CFG" "${common[@]}" --set cluster.schedule=$sched
    done
    check "$sched: identical weights" h5diff "$WORK/$sched-a/weights.h5" "$WORK/$sched-b/weights.h5"
done
sgd=(--set data.path="$WORK/f.h5" --set cluster.schedule=simultaneous)
check "simultaneous SGD, split 1G+2D" train_np 3 "$WORK/sim-split" "$CFG" "${sgd[@]}" --set cluster.generator_ranks=1
check "simultaneous SGD, colocated 2" train_np 2 "$WORK/sim-col" "$CFG" "${sgd[@]}" --set cluster.layout=colocated
check "simultaneous: split equals colocated" /usr/bin/python3 "$SRC/tests/mpi/compare_weights.py" \
    "$WORK/sim-split/weights.h5" "$WORK/sim-col/weights.h5" 1e-4 1e-6
check "schedules differ" sh -c "! h5diff -q '$WORK/alternating-a/weights.h5' '$WORK/simultaneous-a/weights.h5' >/dev/null 2>&1"
finish
