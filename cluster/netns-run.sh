#!/usr/bin/env bash
# netns-run.sh — run a command on the first network-namespace host of cluster/netns-up.sh, set up
# so that mpirun there reaches the other hosts the way it would on a cluster.
#
#   bash cluster/netns-run.sh DIR COMMAND...
#   bash cluster/netns-run.sh DIR bash launch/run.sh CONFIG.ini --hostfile DIR/hostfile -n 4 --no-monitor
#   bash cluster/netns-run.sh DIR mpirun --hostfile DIR/hostfile -n 3 hostname
#
# COMMAND runs on host 0 (cluster/netns-rsh --exec: its network namespace, hostname and /etc/hosts),
# with these Open MPI settings in its environment (they reach the daemons on the other hosts too,
# since netns-rsh keeps the environment):
#   OMPI_MCA_plm_rsh_agent=cluster/netns-rsh   start the daemons through the namespaces, not ssh
#   OMPI_MCA_oob_tcp_if_include=SUBNET.0/24   Open MPI's own control traffic on the hosts' network
#   OMPI_MCA_btl_tcp_if_include=SUBNET.0/24   MPI messages too
#   OMPI_MCA_pml=ob1 OMPI_MCA_btl=self,vader,tcp   shared memory within a host, TCP between hosts
#   OMPI_MCA_mpi_yield_when_idle=1             the hosts share this machine's cores: do not spin
# and, as root, OMPI_ALLOW_RUN_AS_ROOT(_CONFIRM)=1. The exit code is COMMAND's.
set -euo pipefail
die() {
    printf 'netns-run.sh: error: %s\n' "$*" >&2
    exit 2
}
[ $# -ge 2 ] || die "usage: bash $0 DIR COMMAND... (DIR: the state directory netns-up.sh printed)"
DIR=$1
shift
[ -f "$DIR/netns.env" ] || die "$DIR has no netns.env: bring the hosts up first with bash $(dirname "$0")/netns-up.sh"
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SUBNET="" HOSTS=""
# shellcheck disable=SC1091
. "$DIR/netns.env"
read -r -a hosts <<<"$HOSTS"
h0=${hosts[0]}
[ -e "/run/netns/$h0" ] || die "namespace $h0 is gone: bring the hosts up again"
export OMPI_MCA_plm_rsh_agent="$HERE/netns-rsh"
export OMPI_MCA_oob_tcp_if_include="$SUBNET.0/24" OMPI_MCA_btl_tcp_if_include="$SUBNET.0/24"
export OMPI_MCA_pml=ob1 OMPI_MCA_btl=self,vader,tcp
# All the "hosts" share this machine's cores, which Open MPI cannot see from a hostfile: waiting
# ranks yield instead of spinning.
export OMPI_MCA_mpi_yield_when_idle=${OMPI_MCA_mpi_yield_when_idle:-1}
[ "$(id -u)" -ne 0 ] || export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
exec "$HERE/netns-rsh" --exec "$h0" "$@"
