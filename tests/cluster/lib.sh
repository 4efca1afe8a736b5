# lib.sh — shared by the cluster tests (sourced): the helpers of tests/mpi/lib.sh, a root check
# that skips with CTest's skip code (77) where the machine cannot run them, and a cleanup that
# takes down whatever the test brought up (a SLURM cluster, network namespaces) by PID.
# shellcheck shell=bash source-path=SCRIPTDIR source=../mpi/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../mpi/lib.sh"
SKIP=77
T_START=$SECONDS

# need_root WHAT: skip (exit 77) unless root, saying why.
need_root() {
    if [ "$(id -u)" -ne 0 ]; then
        echo "SKIP: $(basename "$0") needs root to $1; run the cluster tests as root (CI does)"
        exit "$SKIP"
    fi
}

# need_tools TOOL...: fail (not skip) with what to install when a tool is missing.
need_tools() {
    local t
    for t in "$@"; do
        command -v "$t" >/dev/null 2>&1 || {
            echo "FAIL: $t not found: install the packages with bash $SRC/cluster/install-deps.sh" >&2
            exit 1
        }
    done
}

SLURM_DIR=""
NETNS_STATE=""
cluster_cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if [ -n "$SLURM_DIR" ] && [ -d "$SLURM_DIR" ]; then
        if [ "$rc" -ne 0 ] || [ "$failed" -ne 0 ]; then
            for f in "$SLURM_DIR"/log/*.log; do echo "--- $f (end)"; tail -n 20 "$f"; done >&2
        fi
        bash "$SRC/cluster/slurm-down.sh" "$SLURM_DIR" || true
    fi
    [ -z "$NETNS_STATE" ] || bash "$SRC/cluster/netns-down.sh" "$NETNS_STATE" || true
    rm -rf "$WORK"
    echo "took $((SECONDS - T_START)) s"
    exit "$rc"
}
trap cluster_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# slurm_up: a fresh one-node cluster in $WORK/slurm; SLURM_CONF exported; bring-up time in BRINGUP.
slurm_up() {
    chmod 0755 "$WORK" # munged wants the directories above its socket searchable by all
    SLURM_DIR="$WORK/slurm"
    bash "$SRC/cluster/slurm-up.sh" "$SLURM_DIR" || return 1
    export SLURM_CONF="$SLURM_DIR/etc/slurm.conf"
    BRINGUP=$(cat "$SLURM_DIR/bringup-seconds")
    export BRINGUP
}

# job_field JOBID FIELD: one field of `scontrol show job` (JobState, ExitCode, Restarts, ...).
job_field() {
    scontrol -o show job "$1" 2>/dev/null | tr ' ' '\n' | awk -F= -v k="$2" '$1 == k { print $2; exit }'
}

# wait_job JOBID SECONDS: wait until the job has ended for good (not pending, running, requeued
# or completing); prints its final state. Fails on the time bound.
wait_job() {
    local id=$1 bound=$2 state="" t0=$SECONDS
    while [ $((SECONDS - t0)) -lt "$bound" ]; do
        state=$(job_field "$id" JobState)
        case $state in
        COMPLETED | FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY | BOOT_FAIL | DEADLINE | PREEMPTED)
            echo "$state"
            return 0
            ;;
        esac
        sleep 1
    done
    echo "still ${state:-unknown} after $bound s"
    return 1
}
