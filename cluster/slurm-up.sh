#!/usr/bin/env bash
# slurm-up.sh — bring up a real one-node SLURM cluster on this machine, from Debian's slurm-wlm and
# munge packages, entirely inside one directory; cluster/slurm-down.sh DIR takes it down again.
#
#   bash cluster/slurm-up.sh [DIR]        (as root; DIR defaults to a new /tmp/nash-slurm.XXXXXX)
#   source DIR/env.sh                     (sets SLURM_CONF so sbatch, squeue, srun ... find it)
#   sbatch -n 3 --overcommit launch/slurm/nash.sbatch tests/mpi/tiny-dcgan.ini
#   bash cluster/slurm-down.sh DIR
#
#   bash cluster/slurm-up.sh --netns NSDIR [DIR]
#     one node per host of cluster/netns-up.sh's NSDIR instead: slurmctld on host 0, a slurmd on
#     every host (each in its namespaces, named after it, at its address); use the cluster from
#     inside a host: bash cluster/netns-run.sh NSDIR sbatch -N 2 ... (DIR/env.sh is still needed).
#
# What it does, all under DIR (nothing in /etc is touched unless the short hostname does not
# resolve, in which case one line is added to /etc/hosts and slurm-down.sh removes it):
#   1. a private munge key (mungekey) and a munged with its own socket, pid, log and seed files,
#      so a system munge (if any) is left alone;
#   2. DIR/etc/slurm.conf generated for this machine: one node named `hostname -s` at 127.0.0.1
#      with the CPUs of nproc and 90% of MemTotal, one partition `debug`, SlurmUser=root, no
#      cgroups (proctrack/linuxproc, task/none: containers often have no usable cgroup tree),
#      select/cons_tres by CPU, daemons bound to 127.0.0.1 only (NoInAddrAny), two free ports,
#      and short timers so that tests are quick (see the comments in the generated file);
#   3. slurmctld and slurmd started (they daemonize and write their pid files into DIR/run),
#      then checked: `scontrol ping` answers and the node is idle.
# It prints how long the bring-up took. On failure it prints the end of the daemons' logs,
# stops what it started and exits non-zero.
set -euo pipefail

die() {
    printf 'slurm-up.sh: error: %s\n' "$*" >&2
    exit 1
}
say() { printf 'slurm-up.sh: %s\n' "$*"; }

[ "$(id -u)" -eq 0 ] ||
    die "needs root (it starts munged, slurmctld and slurmd as root with SlurmUser=root): run it as root, e.g. sudo bash $0"
for tool in munged mungekey slurmctld slurmd scontrol sinfo sbatch ss; do
    command -v "$tool" >/dev/null 2>&1 ||
        die "$tool not found: install the packages with 'bash $(dirname "$0")/install-deps.sh' (slurm-wlm, munge, iproute2)"
done

T0=$(date +%s.%N)
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NSDIR=""
if [ "${1:-}" = --netns ]; then
    NSDIR=${2:?--netns needs the state directory of cluster/netns-up.sh}
    shift 2
    [ -f "$NSDIR/netns.env" ] || die "$NSDIR has no netns.env: bring the hosts up first with bash $HERE/netns-up.sh"
fi
if [ $# -ge 1 ]; then
    DIR=$1
    mkdir -p "$DIR"
    [ -z "$(ls -A "$DIR")" ] || die "$DIR is not empty: give a new or empty directory (or none for a fresh /tmp/nash-slurm.XXXXXX)"
else
    DIR=$(mktemp -d /tmp/nash-slurm.XXXXXX)
fi
DIR=$(cd "$DIR" && pwd)
chmod 0755 "$DIR"
# munged refuses a socket below a directory that not everyone may search (mktemp -d makes 0700).
d=$DIR
while [ "$d" != / ]; do
    d=$(dirname "$d")
    [ "$(( $(stat -c '%#a' "$d") & 1 ))" -eq 1 ] ||
        die "munged needs every directory above its socket searchable by all, and $d is not: chmod o+x $d, or give another DIR"
done
# The marker tells slurm-down.sh that this directory is one of ours.
echo "made by nash cluster/slurm-up.sh on $(date -u '+%Y-%m-%d %H:%M UTC')" >"$DIR/nash-slurm.dir"
mkdir -p "$DIR"/{etc,state,log,run,munge,munge-socket}
# munged insists: the key's directory private, the socket's directory open to all (0755).
chmod 0700 "$DIR/munge"
chmod 0755 "$DIR/munge-socket"

# On any failure from here on (a failed command or a die), show the logs and take down whatever
# was started.
started=0
up=0
on_exit() {
    local rc=$?
    [ "$up" -eq 0 ] || return 0
    [ "$rc" -ne 0 ] || rc=1
    printf 'slurm-up.sh: bring-up failed (exit %d); the end of each log:\n' "$rc" >&2
    for f in "$DIR"/log/*.log; do
        [ -f "$f" ] && { printf -- '--- %s\n' "$f" >&2; tail -n 15 "$f" >&2; }
    done
    if [ "$started" -eq 1 ]; then bash "$HERE/slurm-down.sh" --keep "$DIR" >&2 || true; fi
    printf 'slurm-up.sh: logs kept in %s/log\n' "$DIR" >&2
    exit "$rc"
}
trap on_exit EXIT

NODE=$(hostname -s)
[ -n "$NODE" ] || die "hostname -s is empty: set a hostname first (hostnamectl set-hostname NAME)"
# Nodes: this machine at 127.0.0.1, or one per namespace host at its address.
NODES=("$NODE")
ADDRS=(127.0.0.1)
if [ -n "$NSDIR" ]; then
    HOSTS="" SUBNET=""
    # shellcheck disable=SC1091
    . "$NSDIR/netns.env"
    read -r -a NODES <<<"$HOSTS"
    ADDRS=()
    for ((i = 0; i < ${#NODES[@]}; i++)); do
        [ -e "/run/netns/${NODES[i]}" ] || die "namespace ${NODES[i]} of $NSDIR is gone: bring the hosts up again"
        ADDRS+=("$SUBNET.$((10 + i))")
    done
fi
# in_host I CMD...: run CMD on node I (in its namespaces, with its name as hostname), or here.
in_host() {
    local i=$1
    shift
    if [ -z "$NSDIR" ]; then "$@"; return; fi
    "$HERE/netns-rsh" --exec "${NODES[i]}" "$@"
}
# Slurm and Open MPI look the node name up; it must resolve. Add it to /etc/hosts only if needed.
if [ -z "$NSDIR" ] && ! getent hosts "$NODE" >/dev/null; then
    printf '127.0.1.1 %s # added by nash cluster/slurm-up.sh %s\n' "$NODE" "$DIR" >>/etc/hosts
    echo "$NODE" >"$DIR/etc/hosts-added"
    say "added '127.0.1.1 $NODE' to /etc/hosts (the short hostname did not resolve); slurm-down.sh removes it"
fi

# free_port FROM: the first TCP port >= FROM that nothing listens on.
free_port() {
    local p=$1
    while ss -Htln "sport = :$p" | grep -q .; do p=$((p + 1)); done
    echo "$p"
}
CTLD_PORT=$(free_port "${NASH_SLURM_PORT:-16817}")
SLURMD_PORT=$(free_port $((CTLD_PORT + 1)))

for n in "${NODES[@]}"; do mkdir -p "$DIR/spool/$n"; done
CPUS=$(nproc)
# the nodes share the memory (and, in the namespace mode, each claims all the CPUs)
MEM_MB=$(awk -v n="${#NODES[@]}" '/^MemTotal:/ { printf "%d", $2 / 1024 * 0.9 / n }' /proc/meminfo)

# munge: a private key and daemon (auth for every Slurm message).
mungekey --create --keyfile "$DIR/munge/munge.key" >/dev/null
chmod 0400 "$DIR/munge/munge.key"
SOCKET="$DIR/munge-socket/munge.socket.2"
started=1
munged --key-file "$DIR/munge/munge.key" --socket "$SOCKET" --pid-file "$DIR/run/munged.pid" \
    --log-file "$DIR/log/munged.log" --seed-file "$DIR/munge/munged.seed"
# A credential made and decoded through the private socket proves munged works.
for _ in $(seq 50); do munge -S "$SOCKET" -n 2>/dev/null | unmunge -S "$SOCKET" >/dev/null 2>&1 && break; sleep 0.1; done
munge -S "$SOCKET" -n | unmunge -S "$SOCKET" >/dev/null || die "munged does not answer on $SOCKET (see $DIR/log/munged.log)"

cat >"$DIR/etc/slurm.conf" <<CONF
# Generated by nash cluster/slurm-up.sh on $(date -u '+%Y-%m-%d %H:%M UTC') for $NODE.
ClusterName=nash
SlurmctldHost=${NODES[0]}(${ADDRS[0]})
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
# slurmd, srun and the steps bind to the node's address (${ADDRS[0]} here), not to every interface.
# (Slurm ignores this for slurmctld, which listens on all interfaces; munge authenticates every
# message, with a key only this directory holds.)
CommunicationParameters=NoInAddrAny
SlurmUser=root
SlurmdUser=root
# The private munge socket; cred_expire=5 also sets how long a requeued job waits before it may
# start again (default 120 s).
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$SOCKET,cred_expire=5
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool/%n
SlurmctldPidFile=$DIR/run/slurmctld.pid
SlurmdPidFile=$DIR/run/slurmd-%n.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd-%n.log
SlurmctldDebug=info
SlurmdDebug=info
PlugStackConfig=$DIR/etc/plugstack.conf
MailProg=/bin/true
# No cgroups: track processes through /proc, no task binding.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
# mpirun inside the allocation launches its daemons with srun; srun --mpi=pmix also works.
MpiDefault=none
# Requeue allowed (the nash batch script requeues itself after a checkpoint).
JobRequeue=1
ReturnToService=2
# Quick test cycles: start pending jobs within a few seconds, 10 s from SIGTERM to SIGKILL at a
# time limit, no grace minutes past it.
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=2,bf_interval=2
KillWait=10
OverTimeLimit=0
MinJobAge=600
CONF
for ((i = 0; i < ${#NODES[@]}; i++)); do
    echo "NodeName=${NODES[i]} NodeAddr=${ADDRS[i]} CPUs=$CPUS RealMemory=$MEM_MB State=UNKNOWN"
done >>"$DIR/etc/slurm.conf"
NODELIST=$(IFS=,; echo "${NODES[*]}")
echo "PartitionName=debug Nodes=$NODELIST Default=YES MaxTime=INFINITE State=UP" >>"$DIR/etc/slurm.conf"
# slurm-down.sh runs its clients in host 0's namespace when there is one
[ -z "$NSDIR" ] || echo "${NODES[0]}" >"$DIR/etc/netns"
: >"$DIR/etc/plugstack.conf"
cat >"$DIR/env.sh" <<ENV
# source this file to use the nash test cluster in $DIR
export SLURM_CONF=$DIR/etc/slurm.conf
ENV
export SLURM_CONF="$DIR/etc/slurm.conf"

# Daemons carry SLURM_CONF in their environment (and so do the job processes they start), which is
# also how slurm-down.sh recognises stray job processes of this cluster.
in_host 0 slurmctld -f "$SLURM_CONF"
for ((i = 0; i < ${#NODES[@]}; i++)); do
    in_host "$i" slurmd -f "$SLURM_CONF" -N "${NODES[i]}"
done

ok=0
for _ in $(seq 300); do
    if in_host 0 scontrol ping 2>/dev/null | grep -q 'is UP' &&
        [ "$(in_host 0 sinfo -h -N -t idle -o '%N' 2>/dev/null | sort -u | wc -l)" -eq "${#NODES[@]}" ]; then
        ok=1
        break
    fi
    sleep 0.1
done
[ "$ok" -eq 1 ] || die "the nodes did not all become idle within 30 s: $(in_host 0 sinfo -h -N -o '%N %T %E' 2>&1 | head -n 5)"
daemons=(munged slurmctld)
for n in "${NODES[@]}"; do daemons+=("slurmd-$n"); done
for f in "${daemons[@]}"; do
    pid=$(cat "$DIR/run/$f.pid" 2>/dev/null || true)
    if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then die "$f is not running (no live pid in $DIR/run/$f.pid)"; fi
done
up=1

took=$(awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
echo "$took" >"$DIR/bringup-seconds"
say "${#NODES[@]}-node cluster up in ${took} s: $NODELIST, $CPUS CPUs and ${MEM_MB} MB each, partition debug, ports $CTLD_PORT/$SLURMD_PORT"
say "  pids: $(for f in "${daemons[@]}"; do printf '%s %s  ' "$f" "$(cat "$DIR/run/$f.pid")"; done)"
if [ -z "$NSDIR" ]; then
    say "use it:       source $DIR/env.sh"
else
    say "use it:       source $DIR/env.sh; bash $HERE/netns-run.sh $NSDIR sbatch ..."
fi
say "take it down: bash $HERE/slurm-down.sh $DIR"
