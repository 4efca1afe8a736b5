#!/usr/bin/env bash
# netns-up.sh — make two or more "hosts" on this machine out of network namespaces, joined by a
# bridge, so that mpirun across them sends its MPI traffic over real TCP between hosts.
#
#   bash cluster/netns-up.sh [-n HOSTS] [--slots S1,S2,...] [--subnet A.B.C] [--prefix P] [DIR]
#   bash cluster/netns-run.sh DIR bash launch/run.sh CONFIG.ini --hostfile DIR/hostfile -n 3 ...
#   bash cluster/netns-down.sh DIR
#
#   -n HOSTS      number of hosts (default 3, at least 2)
#   --slots LIST  MPI slots per host, comma separated (default 1 each; "2,1,1": two on the first)
#   --subnet ABC  the hosts' /24 (default 10.231.77: host i is ABC.(10+i)); refused if this machine
#                 already has an address or a route in it
#   --prefix P    names start with P (default nash): hosts P-h0, P-h1, ..., switch P-sw
#   DIR           where the state goes (default a new /tmp/nash-netns.XXXXXX): hostfile, hosts,
#                 subnet, names
#
# Needs root and iproute2. Nothing is added to the root network namespace: the bridge P-br lives
# in its own namespace P-sw (so the host's firewall and routes never see the traffic), and each
# host namespace P-hI has lo and an eth0 with address ABC.(10+I)/24, one end of a veth pair whose
# other end (P-hI in P-sw) is a port of the bridge. Each host gets /etc/netns/P-hI/hosts (which
# `ip netns exec` and netns-rsh show as its /etc/hosts) naming every host. cluster/netns-rsh is
# the "rsh" that Open MPI uses to start its daemon on a host: it enters the namespace, with the
# host's name as hostname. cluster/netns-down.sh removes all of it.
set -euo pipefail

die() {
    printf 'netns-up.sh: error: %s\n' "$*" >&2
    exit 1
}
say() { printf 'netns-up.sh: %s\n' "$*"; }

HOSTS=3
SLOTS=""
SUBNET=10.231.77
PREFIX=nash
DIR=""
while [ $# -gt 0 ]; do
    case $1 in
    -n) HOSTS=${2:?-n needs a number}; shift 2 ;;
    --slots) SLOTS=${2:?--slots needs a list}; shift 2 ;;
    --subnet) SUBNET=${2:?--subnet needs A.B.C}; shift 2 ;;
    --prefix) PREFIX=${2:?--prefix needs a name}; shift 2 ;;
    -h | --help) awk 'NR == 1 { next } !/^#/ { exit } { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
    -*) die "unknown option '$1'; see bash $0 --help" ;;
    *) DIR=$1; shift ;;
    esac
done
[ "$(id -u)" -eq 0 ] || die "needs root (ip netns add, veth pairs): run it as root, e.g. sudo bash $0"
command -v ip >/dev/null || die "ip not found: install iproute2 (bash $(dirname "$0")/install-deps.sh)"
command -v unshare >/dev/null || die "unshare not found: install util-linux"
if ! [[ $HOSTS =~ ^[0-9]+$ ]] || [ "$HOSTS" -lt 2 ] || [ "$HOSTS" -gt 200 ]; then die "-n takes 2 to 200 hosts, not '$HOSTS'"; fi
[[ $SUBNET =~ ^([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})$ ]] || die "--subnet takes the first three numbers of a /24, e.g. 10.231.77, not '$SUBNET'"
[[ $PREFIX =~ ^[a-z][a-z0-9]{0,7}$ ]] || die "--prefix takes 1 to 8 lowercase letters and digits, not '$PREFIX'"
IFS=, read -r -a slots <<<"${SLOTS:-}"
for ((i = 0; i < HOSTS; i++)); do
    s=${slots[i]:-1}
    [[ $s =~ ^[1-9][0-9]*$ ]] || die "--slots: '$s' is not a positive number"
    slots[i]=$s
done

SW="$PREFIX-sw"
names=()
for ((i = 0; i < HOSTS; i++)); do names+=("$PREFIX-h$i"); done
for ns in "$SW" "${names[@]}"; do
    [ ! -e "/run/netns/$ns" ] || die "network namespace $ns exists already: take the old set down (bash $(dirname "$0")/netns-down.sh DIR) or use --prefix"
done
if ip -4 -o addr show | awk '{ print $4 }' | grep -q "^$SUBNET\." || ip -4 route show | grep -q "^$SUBNET\."; then
    die "this machine already uses $SUBNET.0/24 (an address or a route): pick another with --subnet"
fi

if [ -n "$DIR" ]; then
    mkdir -p "$DIR"
    [ -z "$(ls -A "$DIR")" ] || die "$DIR is not empty: give a new or empty directory"
else
    DIR=$(mktemp -d /tmp/nash-netns.XXXXXX)
fi
DIR=$(cd "$DIR" && pwd)
T0=$(date +%s.%N)

# State first, so that netns-down.sh can undo a half-done bring-up.
{
    echo "PREFIX=$PREFIX"
    echo "SUBNET=$SUBNET"
    echo "SWITCH=$SW"
    echo "HOSTS=\"${names[*]}\""
} >"$DIR/netns.env"
up=0
undo() {
    local rc=$?
    [ "$up" -eq 0 ] || return 0
    [ "$rc" -ne 0 ] || rc=1
    echo "netns-up.sh: failed (exit $rc); undoing" >&2
    bash "$(dirname "$0")/netns-down.sh" "$DIR" >&2 || true
    exit "$rc"
}
trap undo EXIT

ip netns add "$SW"
ip -n "$SW" link set lo up
ip -n "$SW" link add "$PREFIX-br" type bridge
ip -n "$SW" link set "$PREFIX-br" up
: >"$DIR/hostfile"
: >"$DIR/hosts"
for ((i = 0; i < HOSTS; i++)); do
    echo "$SUBNET.$((10 + i)) ${names[i]}" >>"$DIR/hosts"
done
for ((i = 0; i < HOSTS; i++)); do
    ns=${names[i]}
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    # both ends created directly in their namespaces: nothing appears in the root namespace
    ip link add "$ns" netns "$SW" type veth peer name eth0 netns "$ns"
    ip -n "$SW" link set "$ns" master "$PREFIX-br"
    ip -n "$SW" link set "$ns" up
    ip -n "$ns" addr add "$SUBNET.$((10 + i))/24" dev eth0
    ip -n "$ns" link set eth0 up
    mkdir -p "/etc/netns/$ns"
    { echo "127.0.0.1 localhost"; cat "$DIR/hosts"; } >"/etc/netns/$ns/hosts"
    echo "$ns slots=${slots[i]}" >>"$DIR/hostfile"
done

# h0 reaches every other host: a TCP connection to a closed port is refused, and that refusal is
# a reply from the other host (no ping needed; a few tries while the bridge ports come up).
for ((i = 1; i < HOSTS; i++)); do
    okay=0
    for _ in $(seq 30); do
        msg=$(ip netns exec "${names[0]}" timeout 3 bash -c "exec 3<>/dev/tcp/$SUBNET.$((10 + i))/9" 2>&1) && { okay=1; break; }
        case $msg in *refused*) okay=1; break ;; esac
        sleep 0.1
    done
    [ "$okay" -eq 1 ] || die "${names[0]} cannot reach ${names[i]} at $SUBNET.$((10 + i)): ${msg:-}"
done
up=1

took=$(awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
say "$HOSTS hosts up in ${took} s on $SUBNET.0/24 (bridge $PREFIX-br in namespace $SW):"
sed 's/^/  /' "$DIR/hosts"
say "hostfile: $DIR/hostfile ($(tr '\n' ' ' <"$DIR/hostfile"))"
say "run on ${names[0]}: bash $(cd "$(dirname "$0")" && pwd)/netns-run.sh $DIR COMMAND..."
say "take down:  bash $(cd "$(dirname "$0")" && pwd)/netns-down.sh $DIR"
