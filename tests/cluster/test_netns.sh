#!/usr/bin/env bash
# Multi-host: three "hosts" made of network namespaces on a bridge (cluster/netns-up.sh), mpirun
# started on host 0 through launch/run.sh with a hostfile (2 slots on h0, 1 on h1, 1 on h2) and the
# netns rsh agent, 4 ranks split 1G+3D: the generator's fakes and the discriminator group's
# allreduce cross TCP between hosts (the bytes through each host's veth are counted). The monitor
# binds host 0's address and hears the ranks of the other hosts. The result is bitwise the same as
# the same 4-rank layout on one host: Open MPI picks its allreduce algorithm by communicator size and
# message size, not by transport, so the sums are added in the same order whether the bytes travel
# through shared memory or TCP.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
need_root "create network namespaces, veth pairs and a bridge"
need_tools ip nsenter unshare h5diff

CFG="$SRC/tests/mpi/tiny-dcgan.ini"
STEPS=30
common=(--set data.path="$WORK/f.h5" --set output.checkpoint_every=10 --set train.log_every=1)
check "import Fashion-MNIST" fashion "$WORK/f.h5"

PREFIX=nashtest SUBNET=10.231.78
NETNS_STATE="$WORK/ns"
bash "$SRC/cluster/netns-up.sh" --prefix "$PREFIX" --subnet "$SUBNET" --slots 2,1,1 "$NETNS_STATE" ||
    { fail "bring up 3 namespace hosts"; NETNS_STATE=""; finish; exit 1; }
ok "3 namespace hosts up"
# bytes through host I's veth, counted at the bridge port in the switch namespace
veth() { ip netns exec "$PREFIX-sw" cat "/sys/class/net/$PREFIX-h$1/statistics/$2_bytes"; }
declare -A before
for i in 0 1 2; do for d in rx tx; do before[$i$d]=$(veth "$i" "$d"); done; done

t0=$SECONDS
MPIRUN_ARGS="--display-map" NASH="$NASH" timeout 180 bash "$SRC/cluster/netns-run.sh" "$NETNS_STATE" \
    bash "$SRC/launch/run.sh" "$CFG" --hostfile "$NETNS_STATE/hostfile" -n 4 -g 1 --steps "$STEPS" \
    --run-dir "$WORK/multi" --monitor-addr "$SUBNET.10" -- "${common[@]}" --quiet >"$WORK/multi.log" 2>&1
code=$?
echo "multi-host run: exit $code in $((SECONDS - t0)) s"
check "multi-host run exits 0 (got $code)" test "$code" -eq 0
check "ranks mapped to 3 hosts" sh -c "grep -q 'Data for node: $PREFIX-h1' '$WORK/multi.log' && grep -q 'Data for node: $PREFIX-h2' '$WORK/multi.log'"
for i in 0 1 2; do
    rx=$(($(veth "$i" rx) - before[${i}rx]))
    tx=$(($(veth "$i" tx) - before[${i}tx]))
    echo "host $PREFIX-h$i veth: $rx bytes from the host, $tx bytes to it"
    check "MPI traffic crossed $PREFIX-h$i's veth both ways (> 100 kB each)" test "$rx" -gt 100000 -a "$tx" -gt 100000
done
for r in 2 3; do
    check "the monitor on h0 heard rank $r (another host)" grep -q "\"rank\":$r," "$WORK/multi/monitor.jsonl"
done
check "the layout was split 1G+3D on 4 ranks" sh -c "'$NASH' inspect --no-config '$WORK/multi/weights.h5' >/dev/null && '$NASH' inspect --no-config '$WORK/multi/ckpt/step_$(printf %08d $STEPS).h5' | grep -q 'layout split 1G+3D, world size 4'"

# the same layout on one host (loopback, shared memory between ranks)
check "one-host run, same layout" train_np 4 "$WORK/one" "$CFG" "${common[@]}" --set cluster.generator_ranks=1 --set train.steps="$STEPS"
ck=$(printf 'ckpt/step_%08d.h5' "$STEPS")
check "configs equal but for the monitor keys" diff <(grep -Ev '^(endpoint|allow_remote)' "$WORK/one/config.ini") \
    <(grep -Ev '^(endpoint|allow_remote)' "$WORK/multi/config.ini")
check "final checkpoint bitwise equal to one host" h5diff --exclude-path /config "$WORK/one/$ck" "$WORK/multi/$ck"
check "final weights bitwise equal to one host" h5diff --exclude-path /config "$WORK/one/weights.h5" "$WORK/multi/weights.h5"
check "identical loss log" cmp <(cut -d, -f1-10 "$WORK/one/metrics.csv") <(cut -d, -f1-10 "$WORK/multi/metrics.csv")

bash "$SRC/cluster/netns-down.sh" "$NETNS_STATE"
NETNS_STATE=""
check "namespaces removed" sh -c "! ip netns list | grep -q '^$PREFIX-'"
check "no /etc/netns entries left" sh -c "! ls -d /etc/netns/$PREFIX-* 2>/dev/null | grep -q ."
[ "$failed" -eq 0 ] || { echo "--- multi-host log"; cat "$WORK/multi.log"; }
finish
