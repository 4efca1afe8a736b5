#!/usr/bin/env bash
# SLURM across hosts: a 3-node SLURM cluster whose nodes are network-namespace hosts
# (cluster/netns-up.sh + cluster/slurm-up.sh --netns: slurmctld on host 0, a slurmd on each host),
# and `sbatch -N 3 -n 4 launch/slurm/nash.sbatch`: mpirun inside the allocation starts its daemons
# on the other nodes with srun (Open MPI's SLURM support, no hostfile), 4 ranks split 1G+3D over the
# 3 nodes; the monitor binds the batch host's address by itself and hears the ranks of the other
# nodes; the MPI traffic crosses every node's veth; the result equals the same layout on one host
# bitwise.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
need_root "create network namespaces and run munged, slurmctld and slurmd on them"
need_tools ip nsenter unshare slurmctld slurmd munged sbatch h5diff

CFG="$SRC/tests/mpi/tiny-dcgan.ini"
STEPS=30
common=(--set data.path="$WORK/f.h5" --set output.checkpoint_every=10 --set train.log_every=1)
check "import Fashion-MNIST" fashion "$WORK/f.h5"

PREFIX=nashslm SUBNET=10.231.79
NETNS_STATE="$WORK/ns"
bash "$SRC/cluster/netns-up.sh" --prefix "$PREFIX" --subnet "$SUBNET" "$NETNS_STATE" ||
    { fail "bring up 3 namespace hosts"; NETNS_STATE=""; finish; exit 1; }
chmod 0755 "$WORK"
SLURM_DIR="$WORK/slurm"
bash "$SRC/cluster/slurm-up.sh" --netns "$NETNS_STATE" "$SLURM_DIR" ||
    { fail "bring up a 3-node SLURM cluster on them"; finish; exit 1; }
export SLURM_CONF="$SLURM_DIR/etc/slurm.conf"
echo "cluster bring-up: $(cat "$SLURM_DIR/bringup-seconds") s"
on_h0() { bash "$SRC/cluster/netns-run.sh" "$NETNS_STATE" "$@"; }
check "3 idle nodes" test "$(on_h0 sinfo -h -N -t idle -o %N | sort -u | wc -l)" -eq 3

veth() { ip netns exec "$PREFIX-sw" cat "/sys/class/net/$PREFIX-h$1/statistics/$2_bytes"; }
declare -A before
for i in 0 1 2; do for d in rx tx; do before[$i$d]=$(veth "$i" "$d"); done; done

t0=$SECONDS
id=$(cd "$WORK" && MPIRUN_ARGS="--display-map" on_h0 sbatch --parsable -N 3 -n 4 --time=5 \
    --output="$WORK/job-%j.out" --export=ALL,NASH="$NASH",NASH_ROOT="$SRC" \
    "$SRC/launch/slurm/nash.sbatch" "$CFG" --steps "$STEPS" -- "${common[@]}" --quiet)
check "sbatch accepted the job ($id)" test -n "$id"
job_field() { on_h0 scontrol -o show job "$1" 2>/dev/null | tr ' ' '\n' | awk -F= -v k="$2" '$1 == k { print $2; exit }'; }
state=""
for _ in $(seq 120); do
    state=$(job_field "$id" JobState)
    case $state in COMPLETED | FAILED | CANCELLED | TIMEOUT | NODE_FAIL) break ;; esac
    sleep 1
done
echo "job $id: $state after $((SECONDS - t0)) s"
out="$WORK/job-$id.out"
run="$WORK/runs/slurm-$id"
check "job completed ($state)" test "$state" = COMPLETED
check "job exit code 0:0 ($(job_field "$id" ExitCode))" test "$(job_field "$id" ExitCode)" = 0:0
check "the job had 3 nodes and 4 tasks" grep -q "3 node(s) $PREFIX-h\[0-2\], 4 task(s)" "$out"
check "mpirun mapped ranks to all 3 nodes" sh -c "grep -q 'Data for node: $PREFIX-h1' '$out' && grep -q 'Data for node: $PREFIX-h2' '$out'"
check "the monitor bound the batch host's address" grep -q "monitor --bind tcp://$SUBNET.10:" "$out"
for r in 2 3; do
    check "the monitor heard rank $r" grep -q "\"rank\":$r," "$run/monitor.jsonl"
done
for i in 0 1 2; do
    rx=$(($(veth "$i" rx) - before[${i}rx]))
    tx=$(($(veth "$i" tx) - before[${i}tx]))
    echo "node $PREFIX-h$i veth: $rx bytes from the node, $tx bytes to it"
    check "traffic crossed $PREFIX-h$i's veth both ways (> 100 kB each)" test "$rx" -gt 100000 -a "$tx" -gt 100000
done

check "one-host run, same layout" train_np 4 "$WORK/one" "$CFG" "${common[@]}" --set cluster.generator_ranks=1 --set train.steps="$STEPS"
ck=$(printf 'ckpt/step_%08d.h5' "$STEPS")
check "final checkpoint bitwise equal to one host" h5diff --exclude-path /config "$WORK/one/$ck" "$run/$ck"
check "identical loss log" cmp <(cut -d, -f1-10 "$WORK/one/metrics.csv") <(cut -d, -f1-10 "$run/metrics.csv")
[ "$failed" -eq 0 ] || { echo "--- $out"; cat "$out"; }
finish
