#!/usr/bin/env bash
# run.sh — launch a nash training run under mpirun with a metrics monitor next to it.
#
#   bash launch/run.sh CONFIG.ini [options] [-- more `nash train` arguments]
#
#   -n, --ranks N            MPI ranks (default: $SLURM_NTASKS inside a SLURM job, with a
#                            hostfile its slots, else one per core of this machine: more
#                            ranks than cores busy-poll each other's cores away)
#   --layout L               colocated, split or config (config keeps the config's
#                            cluster.layout). Default on one machine: colocated, every rank
#                            holding G and D, the fastest layout measured on every machine so far
#                            (docs/benchmarks.md); with a hostfile or under SLURM: config
#   -g, --generator-ranks G  ranks in the generator group, split layout only
#                            (cluster.generator_ranks; default 1)
#   --hostfile FILE          Open MPI hostfile: spread the ranks over those hosts
#   --run-dir DIR            the run directory (default runs/<config name>)
#   --steps S                train.steps
#   --resume PATH|auto       continue from a checkpoint (auto: the newest whole one, or start fresh)
#   --launcher mpirun|srun   srun --mpi=pmix instead of mpirun (only inside a SLURM allocation)
#   --no-monitor             no monitor (nash train needs none)
#   --monitor-port P         where the monitor receives metrics (default: the first free port
#                            from 5555, or from a port derived from the job id under SLURM)
#   --monitor-addr ADDR      bind the monitor to ADDR instead of 127.0.0.1, so ranks on other
#                            hosts reach it (no authentication: only on a trusted network;
#                            the default under SLURM with more than one node: this host's address)
#   --http HOST:PORT         the web dashboard (default 127.0.0.1 and the first free port from
#                            8080), when this nash's monitor has --http; --no-http for none
#   -h, --help               this text
# Environment: NASH (the nash binary; default build/src/nash of this checkout, else nash on PATH),
# MPIRUN_ARGS (more mpirun arguments, split on blanks, e.g. "--mca btl_tcp_if_include eth1").
#
# What it does: starts `nash monitor --bind ENDPOINT --jsonl RUN/monitor.jsonl [--http ...]`,
# runs `mpirun -n N nash train CONFIG --set monitor.endpoint=ENDPOINT --set
# cluster.generator_ranks=G --run-dir RUN ...` (the same endpoint on both sides), waits for it
# and exits with its exit code (75: checkpointed after a signal, continue with --resume auto).
# When standard output is a terminal the monitor's live dashboard has it and the ranks' output
# goes to RUN/train.log; otherwise the ranks' output is printed and the monitor's lines go to
# RUN/monitor.log. At the end it prints where the samples, checkpoints, metrics and dashboard are.
# Ctrl-C (SIGINT), SIGTERM or SIGUSR1: the ranks are asked to stop with a checkpoint (exit 75);
# a second Ctrl-C or SIGTERM aborts them. Every process it starts, it stops by PID on exit.
# shellcheck disable=SC2317 # cleanup and on_stop run from traps
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ME="launch/run.sh"

die() {
    printf '%s: error: %s\n' "$ME" "$*" >&2
    exit 2
}
say() { printf '%s: %s\n' "$ME" "$*"; }
usage() { awk 'NR == 1 { next } !/^#/ || /^# shellcheck/ { exit } { sub(/^# ?/, ""); print }' "${BASH_SOURCE[0]}"; }

# ---- arguments
CONFIG=""
RANKS=${SLURM_NTASKS:-}
RANKS_WHY="SLURM_NTASKS"
LAYOUT=""
LAYOUT_WHY=""
GRANKS=1
HOSTFILE=""
RUN=""
STEPS=""
RESUME=""
LAUNCHER=mpirun
MONITOR=1
MON_PORT=""
MON_ADDR=""
HTTP=auto
EXTRA=()
need() { if [ $# -lt 2 ] || [ -z "$2" ]; then die "$1 needs a value; see bash $ME --help"; fi; }
while [ $# -gt 0 ]; do
    case $1 in
    -h | --help) usage; exit 0 ;;
    -n | --ranks) need "$@"; RANKS=$2; RANKS_WHY="asked for"; shift 2 ;;
    --layout) need "$@"; LAYOUT=$2; LAYOUT_WHY="asked for"; shift 2 ;;
    -g | --generator-ranks) need "$@"; GRANKS=$2; shift 2 ;;
    --hostfile) need "$@"; HOSTFILE=$2; shift 2 ;;
    --run-dir) need "$@"; RUN=$2; shift 2 ;;
    --steps) need "$@"; STEPS=$2; shift 2 ;;
    --resume) need "$@"; RESUME=$2; shift 2 ;;
    --launcher) need "$@"; LAUNCHER=$2; shift 2 ;;
    --no-monitor) MONITOR=0; shift ;;
    --monitor-port) need "$@"; MON_PORT=$2; shift 2 ;;
    --monitor-addr) need "$@"; MON_ADDR=$2; shift 2 ;;
    --http) need "$@"; HTTP=$2; shift 2 ;;
    --no-http) HTTP=none; shift ;;
    --) shift; EXTRA=("$@"); break ;;
    -*) die "unknown option '$1'; see bash $ME --help" ;;
    *) [ -z "$CONFIG" ] || die "one config only (got '$CONFIG' and '$1'); nash train arguments go after --"
       CONFIG=$1; shift ;;
    esac
done
[ -n "$CONFIG" ] || die "no config given: bash $ME CONFIG.ini [options] (e.g. configs/fashion-dcgan.ini); see --help"
[ -f "$CONFIG" ] || die "config '$CONFIG' not found (relative paths are from $(pwd))"
if [ -z "$RANKS" ]; then
    if [ -n "$HOSTFILE" ]; then
        # the hostfile's slots: mpirun's own default
        RANKS=$(awk '!/^[[:space:]]*(#|$)/ { n = 1; for (i = 2; i <= NF; i++) if ($i ~ /^slots=/) { sub(/slots=/, "", $i); n = $i } total += n } END { print total + 0 }' "$HOSTFILE")
        RANKS_WHY="the slots of $HOSTFILE"
    else
        RANKS=$(nproc 2>/dev/null || echo 1)
        RANKS_WHY="one per core: this machine has $RANKS"
    fi
fi
[[ $RANKS =~ ^[1-9][0-9]*$ ]] || die "--ranks takes a positive number, not '$RANKS'"
if [ -z "$LAYOUT" ] && { [ -n "$HOSTFILE" ] || [ -n "${SLURM_JOB_ID:-}" ]; }; then
    LAYOUT=config
    LAYOUT_WHY="the config's cluster.layout: on a cluster the config decides (the benchmarks measured one machine)"
elif [ -z "$LAYOUT" ]; then
    LAYOUT=colocated
    LAYOUT_WHY="one machine: the fastest layout measured on both CPUs in docs/benchmarks.md, 2 ranks colocated 1037 images/s against 617 split on an AMD EPYC (2026-12-07), 1380 against 761 on an Intel Xeon with AMX (2026-12-08); --layout split for generator and discriminator groups"
fi
case $LAYOUT in
colocated | split | config) ;;
*) die "--layout takes colocated, split or config, not '$LAYOUT'" ;;
esac
[[ $GRANKS =~ ^[1-9][0-9]*$ ]] || die "--generator-ranks takes a positive number, not '$GRANKS'"
[ -z "$HOSTFILE" ] || [ -r "$HOSTFILE" ] || die "hostfile '$HOSTFILE' cannot be read"
case $LAUNCHER in
mpirun) command -v mpirun >/dev/null || die "mpirun not found: install openmpi-bin (bash cluster/install-deps.sh) or load your cluster's Open MPI module" ;;
srun) [ -n "${SLURM_JOB_ID:-}" ] || die "--launcher srun works only inside a SLURM allocation (sbatch or salloc)" ;;
*) die "--launcher takes mpirun or srun, not '$LAUNCHER'" ;;
esac

if [ -z "${NASH:-}" ]; then
    if [ -x "$ROOT/build/src/nash" ]; then NASH=$ROOT/build/src/nash
    elif command -v nash >/dev/null; then NASH=$(command -v nash)
    else die "no nash binary: build it (cmake -S $ROOT -B $ROOT/build && cmake --build $ROOT/build -j2) or set NASH=/path/to/nash"
    fi
fi
[ -x "$NASH" ] || die "NASH=$NASH is not an executable"
[ -n "$RUN" ] || RUN="runs/$(basename "$CONFIG" .ini)"
mkdir -p "$RUN"
RUN=$(cd "$RUN" && pwd)

# ---- the monitor's endpoint and dashboard
# free_port FROM: the first TCP port >= FROM that nothing listens on (ss from iproute2).
free_port() {
    local p=$1
    if command -v ss >/dev/null; then
        while ss -Htln "sport = :$p" | grep -q .; do p=$((p + 1)); done
    fi
    echo "$p"
}
REMOTE=0
if [ "$MONITOR" -eq 1 ]; then
    if [ -z "$MON_ADDR" ] && [ "${SLURM_JOB_NUM_NODES:-1}" -gt 1 ]; then
        MON_ADDR=$(getent ahostsv4 "$(hostname -s)" | awk '$1 !~ /^127\./ { print $1; exit }')
        [ -n "$MON_ADDR" ] || say "warning: $(hostname -s) has no non-loopback IPv4 address: ranks on other nodes cannot reach the monitor"
    fi
    base=5555
    [ -z "${SLURM_JOB_ID:-}" ] || base=$((20000 + SLURM_JOB_ID % 20000))
    [ -n "$MON_PORT" ] || MON_PORT=$(free_port "$base")
    if [ -n "$MON_ADDR" ] && [[ ! $MON_ADDR =~ ^127\. ]]; then REMOTE=1; else MON_ADDR=127.0.0.1; fi
    ENDPOINT="tcp://$MON_ADDR:$MON_PORT"
    if [ "$HTTP" = auto ]; then
        # --http is detected, not assumed: older builds of nash monitor have no web dashboard.
        if "$NASH" help monitor 2>/dev/null | grep -Eq '^[[:space:]]+--http'; then
            HTTP="127.0.0.1:$(free_port 8080)"
        else
            HTTP=none
        fi
    fi
fi

# ---- the training command
TRAIN=("$NASH" train "$CONFIG" --run-dir "$RUN")
if [ "$RANKS" -ge 2 ]; then
    [ "$LAYOUT" = config ] || TRAIN+=(--set "cluster.layout=$LAYOUT")
    [ "$LAYOUT" = colocated ] || TRAIN+=(--set "cluster.generator_ranks=$GRANKS")
fi
[ -z "$STEPS" ] || TRAIN+=(--set "train.steps=$STEPS")
if [ "$MONITOR" -eq 1 ]; then
    TRAIN+=(--set "monitor.endpoint=$ENDPOINT")
    [ "$REMOTE" -eq 0 ] || TRAIN+=(--set monitor.allow_remote=true)
fi
[ -z "$RESUME" ] || TRAIN+=(--resume "$RESUME")
TRAIN+=(${EXTRA[@]+"${EXTRA[@]}"})

export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}
if [ "$(id -u)" -eq 0 ]; then
    # Open MPI refuses root without both of these.
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
if [ -n "${SLURM_JOB_ID:-}" ]; then
    # More ranks on this node than CPUs (sbatch --overcommit): Open MPI, which takes its slots from
    # SLURM, does not know it is oversubscribed and busy-polls; spinning ranks then steal the cores
    # from working ones (7.5 s instead of 0.9 s for 200 tiny steps, 3 ranks on 2 cores). Yield.
    here=${SLURM_TASKS_PER_NODE%%[(,]*}
    if [[ $here =~ ^[0-9]+$ ]] && { [ "$here" -gt "$(nproc)" ] || [ "$here" -gt "${SLURM_CPUS_ON_NODE:-$here}" ]; }; then
        export OMPI_MCA_mpi_yield_when_idle=${OMPI_MCA_mpi_yield_when_idle:-1}
    fi
fi
# shellcheck disable=SC2206 # MPIRUN_ARGS is split on blanks on purpose
MPIARGS=(${MPIRUN_ARGS:-})
if [ "$LAUNCHER" = srun ]; then
    LAUNCH=(srun --mpi=pmix -n "$RANKS" ${MPIARGS[@]+"${MPIARGS[@]}"})
else
    LAUNCH=(mpirun -n "$RANKS" --bind-to none)
    # One machine with more ranks than cores: allow it. Under SLURM or with a hostfile the slots
    # come from the allocation or the hostfile.
    [ -n "$HOSTFILE" ] || [ -n "${SLURM_JOB_ID:-}" ] || LAUNCH+=(--oversubscribe)
    [ -z "$HOSTFILE" ] || LAUNCH+=(--hostfile "$HOSTFILE")
    LAUNCH+=(${MPIARGS[@]+"${MPIARGS[@]}"})
fi

# ---- processes, and how they are stopped
MON_PID=""
MPI_PID=""
STOPS=0
EARLY_STOP=0
STAMP="$RUN/.launch-stamp"
cleanup() {
    local pid
    for pid in $MPI_PID $MON_PID; do
        if kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid" 2>/dev/null || true
            for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            kill -KILL "$pid" 2>/dev/null || true
        fi
    done
    rm -f "$STAMP"
}
# on_stop SIG: the first stop request asks the ranks to checkpoint; a later SIGINT or SIGTERM
# aborts (a later SIGUSR1 changes nothing: under SLURM the batch script forwards one as well).
# The ranks install their signal handlers before rank 0 writes RUN/config.ini; a SIGUSR1 sent
# earlier would kill them, so before that the run is simply ended (nothing to save yet).
on_stop() {
    [ "$STOPS" -eq 0 ] || [ "$1" != USR1 ] || return 0
    STOPS=$((STOPS + 1))
    [ -n "$MPI_PID" ] && kill -0 "$MPI_PID" 2>/dev/null || return 0
    if [ "$STOPS" -eq 1 ] && [ "$RUN/config.ini" -nt "$STAMP" ]; then
        say "stop requested: the ranks save a checkpoint at the next step boundary and exit 75 (again to abort)"
        kill -USR1 "$MPI_PID" 2>/dev/null || true
    elif [ "$STOPS" -eq 1 ]; then
        say "stop requested before training started: ending the run (nothing to save yet); exit 75"
        EARLY_STOP=1
        kill -TERM "$MPI_PID" 2>/dev/null || true
    else
        say "aborting the run"
        kill -TERM "$MPI_PID" 2>/dev/null || true
    fi
}
trap cleanup EXIT
trap 'on_stop INT' INT
trap 'on_stop TERM' TERM
trap 'on_stop USR1' USR1

TTY=0
[ -t 1 ] && TTY=1

say "run directory: $RUN"
say "ranks: $RANKS ($RANKS_WHY)"
[ "$RANKS" -lt 2 ] || say "layout: $LAYOUT ($LAYOUT_WHY)"
if [ -z "$HOSTFILE" ] && [ -z "${SLURM_JOB_ID:-}" ] && [ "$RANKS" -gt "$(nproc 2>/dev/null || echo 1)" ]; then
    say "warning: $RANKS ranks on $(nproc) cores: the ranks take turns on the cores (slower than $(nproc) ranks)"
    # Idle ranks give their core away instead of busy-polling it.
    export OMPI_MCA_mpi_yield_when_idle=${OMPI_MCA_mpi_yield_when_idle:-1}
fi
if [ "$MONITOR" -eq 1 ]; then
    MON=("$NASH" monitor --bind "$ENDPOINT" --jsonl "$RUN/monitor.jsonl")
    [ "$REMOTE" -eq 0 ] || MON+=(--allow-remote)
    [ "$HTTP" = none ] || MON+=(--http "$HTTP")
    say "monitor: ${MON[*]}"
    # Each in its own session (setsid): Ctrl-C reaches only this script, which decides.
    if [ "$TTY" -eq 1 ]; then
        setsid "${MON[@]}" &
    else
        setsid "${MON[@]}" >"$RUN/monitor.log" 2>&1 &
    fi
    MON_PID=$!
    sleep 0.3
    if ! kill -0 "$MON_PID" 2>/dev/null; then
        say "warning: the monitor exited at once (see above or $RUN/monitor.log); training runs without it"
        MON_PID=""
    fi
    [ "$HTTP" = none ] || say "dashboard: http://$HTTP/"
fi
say "training: ${LAUNCH[*]} ${TRAIN[*]}"
: >"$STAMP"
if [ "$TTY" -eq 1 ] && [ "$MONITOR" -eq 1 ] && [ -n "$MON_PID" ]; then
    say "the ranks' output goes to $RUN/train.log"
    setsid "${LAUNCH[@]}" "${TRAIN[@]}" >"$RUN/train.log" 2>&1 </dev/null &
else
    setsid "${LAUNCH[@]}" "${TRAIN[@]}" </dev/null &
fi
MPI_PID=$!
# A trapped signal interrupts `wait` (status > 128 with the launcher still running): wait again.
while :; do
    rc=0
    wait "$MPI_PID" || rc=$?
    kill -0 "$MPI_PID" 2>/dev/null || break
done
if [ "$rc" -gt 128 ]; then
    # interrupted just as it ended: its real status is still there to collect (127: it was not)
    again=0
    wait "$MPI_PID" 2>/dev/null || again=$?
    [ "$again" -eq 127 ] || rc=$again
fi
MPI_PID=""
# Stopped before the first step: as good as checkpointed (--resume auto picks up what there is).
[ "$EARLY_STOP" -eq 0 ] || [ "$STOPS" -gt 1 ] || rc=75

if [ -n "$MON_PID" ]; then
    sleep 1 # the last messages (run_end) are on their way
    kill -TERM "$MON_PID" 2>/dev/null || true
    for _ in $(seq 30); do kill -0 "$MON_PID" 2>/dev/null || break; sleep 0.1; done
    wait "$MON_PID" 2>/dev/null || true
    MON_PID=""
fi

[ "$TTY" -eq 0 ] || echo
case $rc in
0) say "training finished" ;;
75) say "training stopped with a checkpoint (exit 75); continue with: bash $ME $CONFIG --run-dir $RUN --resume auto ..." ;;
*) say "training failed with exit code $rc$([ "$TTY" -eq 1 ] && [ -f "$RUN/train.log" ] && echo "; the end of $RUN/train.log:")"
   [ "$TTY" -eq 1 ] && [ -f "$RUN/train.log" ] && tail -n 20 "$RUN/train.log" ;;
esac
cat <<MSG
  samples:     $RUN/samples/
  checkpoints: $RUN/ckpt/
  metrics:     $RUN/metrics.csv
  final:       $RUN/weights.h5
MSG
if [ "$MONITOR" -eq 1 ]; then
    printf '  monitor:     %s\n' "$RUN/monitor.jsonl$([ "$TTY" -eq 1 ] || echo " and $RUN/monitor.log")"
    [ "$HTTP" = none ] || printf '  dashboard:   http://%s/ (while the run was live)\n' "$HTTP"
fi
[ "$TTY" -eq 0 ] || [ ! -f "$RUN/train.log" ] || printf '  ranks:       %s\n' "$RUN/train.log"
exit "$rc"
