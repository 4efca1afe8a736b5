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
