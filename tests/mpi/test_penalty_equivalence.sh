#!/usr/bin/env bash
# The gradient penalties are distributed as the rest of D's gradient (src/gan/penalty.h): each D
# rank penalises its own slice of the batch, with interpolates keyed by global sample index, and
# the penalty's gradients join D's before the allreduce. So, for WGAN-GP (n_critic 2) and for lazy
# R1 (hinge, every 2nd D step) on a spectrally normalised residual critic (tiny-penalty.ini):
#   - the first step's D gradients (p0 - p1) / lr of one plain-SGD step with lr = 10, only D
#     moving, agree with one process within rtol 1e-5 and max(1e-7, 16 u max|g|) per tensor, the
#     bound of test_equivalence.sh; with one D step, penalised (a second would be taken at the D
#     that lr 10 has wrecked, where rounding differences are no longer small);
#   - the parameters after 10 steps of plain SGD agree within rtol 1e-4;
#   - the penalty column of metrics.csv is non-zero where the penalty is due, and agrees with one
#     process within 1e-4 relative;
# for 2 ranks (1G+1D), 3 ranks (1G+2D), 4 ranks (1G+3D: the slices are 3/3/4) split, and 2 ranks
# colocated; lazy R1 in the simultaneous schedule too. And a critic with batch norm is refused on
# every rank, naming the layer.
. "$(dirname "$0")/lib.sh"
CFG="$SRC/tests/mpi/tiny-penalty.ini"
CMP=(/usr/bin/python3 "$SRC/tests/mpi/compare_weights.py")
check "import Fashion-MNIST" fashion "$WORK/f.h5"
data=(--set data.path="$WORK/f.h5")
layouts=("2 split 1" "3 split 1" "4 split 1" "2 colocated 1")
penalties=(gp r1)
settings_gp=(--set loss.kind=wgan --set loss.penalty=gp)
settings_r1=(--set loss.kind=hinge --set loss.penalty=r1 --set loss.penalty_every=2 --set loss.penalty_weight=1)

# column k of metrics.csv, by name
column() { awk -F, -v name="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) k = i; next } { print $k }' "$1"; }
export -f column

# the simultaneous schedule: D sends G its gradients, then updates with the penalty's added
layouts_sim=("2 split 1" "3 split 1" "2 colocated 1")
sim=(--set loss.kind=hinge --set loss.penalty=r1 --set loss.penalty_every=2 --set loss.penalty_weight=1
    --set cluster.schedule=simultaneous --set train.n_critic=1)
saved=("${layouts[@]}")
layouts=("${layouts_sim[@]}")
run_all r1-simultaneous "${sim[@]}"
for l in "${layouts[@]}"; do
    set -- $l
    check "r1, simultaneous: 10 SGD steps, $1 ranks $2 ($3 G)" "${CMP[@]}" "$WORK/r1-simultaneous-$1-$2-$3/weights.h5" \
        "$WORK/r1-simultaneous-1/weights.h5" 1e-4 1e-6
done
layouts=("${saved[@]}")

for p in "${penalties[@]}"; do
    declare -n extra="settings_$p"
    one=(--set train.n_critic=1 --set loss.penalty_every=1)
    check "$p: initial parameters (lr 1e-30)" train_np 1 "$WORK/$p-p0" "$CFG" "${data[@]}" "${extra[@]}" "${one[@]}" \
        --set train.steps=1 --set optim.g.lr=1e-30 --set optim.d.lr=1e-30
    run_all "$p-grad" "${extra[@]}" "${one[@]}" --set train.steps=1 --set optim.g.lr=1e-30 --set optim.d.lr=10
    run_all "$p-sgd" "${extra[@]}"
    check "$p: the penalty is non-zero on the logged steps" \
        bash -c '[ -n "$(column "$1" penalty)" ] && column "$1" penalty | awk "\$1 == 0 { bad = 1 } END { exit bad }"' \
        _ "$WORK/$p-sgd-1/metrics.csv"
    for l in "${layouts[@]}"; do
        set -- $l
        tag="$1 ranks $2 ($3 G)"
        check "$p: first-step discriminator gradients, $tag" "${CMP[@]}" --grad discriminator \
            "$WORK/$p-p0/weights.h5" 10 "$WORK/$p-grad-$1-$2-$3/weights.h5" "$WORK/$p-grad-1/weights.h5" 1e-5 1e-7 16
        check "$p: 10 SGD steps, $tag" "${CMP[@]}" "$WORK/$p-sgd-$1-$2-$3/weights.h5" "$WORK/$p-sgd-1/weights.h5" 1e-4 1e-6
        check "$p: the penalty column, $tag" awk 'NR == FNR { a[FNR] = $1; next }
            { if ((a[FNR] - $1)^2 > (1e-4 * $1)^2 || a[FNR] == "") { print "row " FNR ": " a[FNR] " vs " $1; bad = 1 } }
            END { exit bad }' <(column "$WORK/$p-sgd-$1-$2-$3/metrics.csv" penalty) \
            <(column "$WORK/$p-sgd-1/metrics.csv" penalty)
    done
done

# a critic with batch norm cannot be penalised: every rank refuses it at set-up, the job ends
out="$WORK/refused.txt"
check "a batch-norm critic with a penalty is refused (exit 2)" bash -c '
    timeout 120 "$@" > "$0" 2>&1; [ $? -eq 2 ]' "$out" "${MPIRUN[@]}" -n 3 "$NASH" train "$SRC/tests/mpi/tiny-dcgan.ini" \
    "${data[@]}" --set loss.penalty=r1 --set cluster.layout=split --run-dir "$WORK/refused" --quiet
check "... naming the section, the penalty and the layer" grep -q 'discriminator.*penalty = r1.*layer 3 (batchnorm)' "$out"
finish
