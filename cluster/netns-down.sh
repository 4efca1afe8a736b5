#!/usr/bin/env bash
# netns-down.sh — remove the network-namespace hosts that cluster/netns-up.sh made.
#
#   bash cluster/netns-down.sh DIR        (as root; DIR is the state directory netns-up.sh printed)
#
# For each namespace of the set (the hosts and the switch): kills the processes still inside it by
# PID (`ip netns pids`; SIGTERM, then SIGKILL after 5 s), deletes it (its veth ends and the bridge go
# with it) and removes /etc/netns/NAME. Then deletes DIR. Safe to run twice.
set -euo pipefail

die() {
    printf 'netns-down.sh: error: %s\n' "$*" >&2
    exit 1
}
say() { printf 'netns-down.sh: %s\n' "$*"; }

[ $# -eq 1 ] || die "usage: bash $0 DIR (the state directory netns-up.sh printed)"
DIR=$1
[ -d "$DIR" ] || { say "$DIR does not exist: nothing to do"; exit 0; }
[ -f "$DIR/netns.env" ] || die "$DIR has no netns.env: not made by cluster/netns-up.sh, refusing to touch it"
[ "$(id -u)" -eq 0 ] || die "needs root (ip netns del)"
PREFIX="" SWITCH="" HOSTS=""
# shellcheck disable=SC1091
. "$DIR/netns.env"
[ -n "$PREFIX" ] || die "$DIR/netns.env names no prefix"

for ns in $HOSTS $SWITCH; do
    case $ns in "$PREFIX"-*) ;; *) die "$ns does not start with $PREFIX-: refusing" ;; esac
    if [ -e "/run/netns/$ns" ]; then
        pids=$(ip netns pids "$ns" 2>/dev/null || true)
        if [ -n "$pids" ]; then
            say "$ns: stopping processes still inside: $(echo "$pids" | tr '\n' ' ')"
            # shellcheck disable=SC2086 # one pid per word
            kill -TERM $pids 2>/dev/null || true
            for _ in $(seq 50); do
                [ -z "$(ip netns pids "$ns" 2>/dev/null)" ] && break
                sleep 0.1
            done
            pids=$(ip netns pids "$ns" 2>/dev/null || true)
            # shellcheck disable=SC2086
            [ -z "$pids" ] || kill -KILL $pids 2>/dev/null || true
        fi
        ip netns del "$ns"
    fi
    rm -rf "/etc/netns/${ns:?}"
done
rmdir /etc/netns 2>/dev/null || true
rm -rf "$DIR"
say "removed namespaces $HOSTS $SWITCH"
