# lib.sh — shared by the MPI tests (sourced after tests/train/lib.sh): run nash under mpirun as
# root with oversubscription, bounded in time, on loopback only.
. "$(dirname "${BASH_SOURCE[0]}")/../train/lib.sh"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl_tcp_if_include=lo \
    OMPI_MCA_oob_tcp_if_include=lo OMPI_MCA_btl=self,vader,tcp OPENBLAS_NUM_THREADS=1
MPIRUN=(mpirun --oversubscribe --bind-to none)

# fashion DEST: import Fashion-MNIST (Debian dataset-fashion-mnist) for the tests
fashion() { "$NASH" data fashion-mnist --out "$1" >/dev/null; }

# train_np NP RUN-DIR CONFIG [--set ...]: one bounded run
train_np() {
    local np=$1 run=$2; shift 2
    timeout 300 "${MPIRUN[@]}" -n "$np" "$NASH" train "$@" --run-dir "$run" --quiet
}

# run_all NAME SETTINGS...: train $CFG with ${data[@]} and SETTINGS on 1 rank into $WORK/NAME-1, then
# in each of the caller's ${layouts[@]} ("NP LAYOUT G": ranks, layout, generator ranks) into
# $WORK/NAME-NP-LAYOUT-G, each a check (the equivalence tests compare them with compare_weights.py)
run_all() { # run_all NAME SETTINGS...
    local name=$1; shift
    check "$name: 1 rank" train_np 1 "$WORK/$name-1" "$CFG" "${data[@]}" "$@"
    for l in "${layouts[@]}"; do
        set -- $l "$@"
        local np=$1 layout=$2 g=$3; shift 3
        check "$name: $np ranks $layout ($g G)" train_np "$np" "$WORK/$name-$np-$layout-$g" "$CFG" "${data[@]}" \
            --set cluster.layout="$layout" --set cluster.generator_ranks="$g" "$@"
    done
}
