#!/usr/bin/env bash
# slurm-down.sh — take down a one-node SLURM cluster that cluster/slurm-up.sh brought up.
#
#   bash cluster/slurm-down.sh [--keep] DIR      (as root)
#
# Cancels the cluster's jobs, stops slurmd, slurmctld and munged by the PIDs in DIR/run/*.pid
# (SIGTERM, then SIGKILL after 10 s), then kills by PID any job process left over from this cluster
# (a process whose environment holds SLURM_CONF=DIR/etc/slurm.conf and a SLURM_JOB_ID, or a
# slurmstepd started by this cluster's slurmd); never by name. Removes the /etc/hosts line
# slurm-up.sh added, if it added one, and deletes DIR unless --keep is given (the logs are in
# DIR/log). Safe to run twice.
set -euo pipefail

die() {
    printf 'slurm-down.sh: error: %s\n' "$*" >&2
    exit 1
}
say() { printf 'slurm-down.sh: %s\n' "$*"; }

keep=0
if [ "${1:-}" = --keep ]; then
    keep=1
    shift
fi
[ $# -eq 1 ] || die "usage: bash $0 [--keep] DIR (the directory slurm-up.sh printed)"
DIR=$1
[ -d "$DIR" ] || { say "$DIR does not exist: nothing to do"; exit 0; }
DIR=$(cd "$DIR" && pwd)
CONF="$DIR/etc/slurm.conf"
[ -f "$DIR/nash-slurm.dir" ] ||
    die "$DIR was not made by cluster/slurm-up.sh (no nash-slurm.dir marker in it): refusing to touch it"
[ "$(id -u)" -eq 0 ] || die "needs root (the daemons run as root)"

# alive PIDFILE: print the pid in PIDFILE if that process is running.
alive() {
    local pid
    pid=$(cat "$1" 2>/dev/null) || return 1
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

# stop_pid NAME PID: SIGTERM, wait up to 10 s, then SIGKILL.
stop_pid() {
    local name=$1 pid=$2
    kill -TERM "$pid" 2>/dev/null || return 0
    for _ in $(seq 100); do
        kill -0 "$pid" 2>/dev/null || { say "stopped $name ($pid)"; return 0; }
        sleep 0.1
    done
    say "$name ($pid) ignored SIGTERM for 10 s: SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
}

# 1. cancel the jobs while slurmctld still runs, and give them a moment to end.
# client CMD...: a Slurm command where it reaches slurmctld (in host 0's namespace, if it is there).
client() {
    local ns
    ns=$(cat "$DIR/etc/netns" 2>/dev/null || true)
    if [ -n "$ns" ] && [ -e "/run/netns/$ns" ]; then
        SLURM_CONF=$CONF ip netns exec "$ns" "$@"
    else
        SLURM_CONF=$CONF "$@"
    fi
}
if [ -f "$CONF" ] && alive "$DIR/run/slurmctld.pid" >/dev/null; then
    jobs=$(client squeue -h -o %A 2>/dev/null || true)
    if [ -n "$jobs" ]; then
        # shellcheck disable=SC2086 # one job id per word
        client scancel $jobs 2>/dev/null || true
        for _ in $(seq 100); do
            [ -z "$(client squeue -h -t running,completing -o %A 2>/dev/null)" ] && break
            sleep 0.1
        done
    fi
fi

# 2. the daemons, by their pid files.
for f in "$DIR"/run/slurmd*.pid "$DIR/run/slurmctld.pid" "$DIR/run/munged.pid"; do
    name=$(basename "$f" .pid)
    if pid=$(alive "$f"); then stop_pid "$name" "$pid"; fi
done

# 3. leftover job processes of this cluster, recognised by SLURM_CONF in their environment.
self_and_ancestors=" "
p=$$
while [ -n "$p" ] && [ "$p" -gt 1 ]; do
    self_and_ancestors+="$p "
    p=$(awk '/^PPid:/ { print $2 }' "/proc/$p/status" 2>/dev/null || true)
done
for d in /proc/[0-9]*; do
    pid=${d#/proc/}
    case "$self_and_ancestors" in *" $pid "*) continue ;; esac
    env=$({ tr '\0' '\n' <"$d/environ"; } 2>/dev/null) || continue
    grep -qxF "SLURM_CONF=$CONF" <<<"$env" || continue
    if grep -q '^SLURM_JOB_ID=' <<<"$env" || [ "$(readlink "$d/exe" 2>/dev/null)" = /usr/sbin/slurmstepd ]; then
        say "killing leftover job process $pid ($({ tr '\0' ' ' <"$d/cmdline"; } 2>/dev/null | cut -c1-80))"
        kill -KILL "$pid" 2>/dev/null || true
    fi
done

# 4. the /etc/hosts line, if slurm-up.sh added one.
if [ -f "$DIR/etc/hosts-added" ]; then
    sed -i "\\|# added by nash cluster/slurm-up.sh $DIR\$|d" /etc/hosts
    say "removed the /etc/hosts line for $(cat "$DIR/etc/hosts-added")"
fi

if [ "$keep" -eq 1 ]; then
    say "down; kept $DIR (logs in $DIR/log)"
else
    rm -rf "$DIR"
    say "down; removed $DIR"
fi
