#!/usr/bin/env bash
# A rank that dies ends the job: SIGKILL one rank of a running 3-rank job (rank 0, a generator
# rank, then rank 2, a discriminator rank) and mpirun exits
# non-zero within 30 s, leaving no process behind and the newest checkpoint whole. Invalid layouts are refused up front, by
# every rank alike, with exit 2 and nothing written.
. "$(dirname "$0")/lib.sh"
CFG="$SRC/tests/mpi/tiny-dcgan.ini"
check "import Fashion-MNIST" fashion "$WORK/f.h5"
data=(--set data.path="$WORK/f.h5")

refuse() { # refuse NP WANT SETTINGS...
    local np=$1 want=$2; shift 2
    local out run="$WORK/refused-$passed"
    out=$(train_np "$np" "$run" "$CFG" "${data[@]}" "$@" 2>&1)
    local code=$?
    check "refused ($want): exit 2 (got $code)" test "$code" -eq 2
    if grep -qF -- "$want" <<<"$out"; then ok "message names '$want'"; else fail "'$out' lacks '$want'"; fi
    check "refused ($want): nothing written" test ! -e "$run"
}
refuse 2 "leaves no discriminator rank" --set cluster.generator_ranks=2
refuse 4 "gives 3 discriminator ranks less than one sample each" --set cluster.generator_ranks=1 --set train.batch=2
refuse 3 "gives 3 ranks less than one sample each" --set cluster.layout=colocated --set train.batch=2
refuse 3 "train.n_critic = 1" --set cluster.schedule=simultaneous --set train.n_critic=2

for victim in 0 2; do
    "${MPIRUN[@]}" -n 3 "$NASH" train "$CFG" "${data[@]}" --set train.steps=100000 --run-dir "$WORK/kill-$victim" \
        --set output.checkpoint_every=5 --quiet >"$WORK/kill-$victim.log" 2>&1 &
    launcher=$!
    # wait until the ranks are training (metrics rows appear), at most 60 s
    for _ in $(seq 600); do [ "$( { wc -l <"$WORK/kill-$victim/metrics.csv"; } 2>/dev/null || echo 0)" -gt 2 ] && break; sleep 0.1; done
    ranks=($(pgrep -P "$launcher"))
    check "3 ranks running under mpirun (pids ${ranks[*]})" test "${#ranks[@]}" -eq 3
    # Open MPI tells each process its rank in the environment
    target=
    for pid in "${ranks[@]}"; do
        tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=$victim" && target=$pid
    done
    check "found rank $victim (pid $target)" test -n "$target"
    start=$(date +%s)
    [ -n "$target" ] && kill -KILL "$target"
    for _ in $(seq 300); do kill -0 "$launcher" 2>/dev/null || break; sleep 0.1; done
    elapsed=$(($(date +%s) - start))
    if kill -0 "$launcher" 2>/dev/null; then
        fail "mpirun still running 30 s after rank $victim was killed"
        kill -KILL "$launcher" "${ranks[@]}" 2>/dev/null
    fi
    wait "$launcher"
    code=$?
    check "killing rank $victim: mpirun exits non-zero (code $code) within 30 s (${elapsed} s)" test "$code" -ne 0
    # a rank still running (a zombie awaiting its reaper does not count) after a 5 s grace
    running() {
        local n=0 pid state
        for pid in "${ranks[@]}"; do
            state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || continue
            [ "$state" != Z ] && n=$((n + 1))
        done
        echo "$n"
    }
    for _ in $(seq 50); do [ "$(running)" -eq 0 ] && break; sleep 0.1; done
    left=$(running)
    check "killing rank $victim: no rank left running ($left)" test "$left" -eq 0
    newest=$(ls "$WORK/kill-$victim"/ckpt/step_*.h5 2>/dev/null | tail -1)
    check "killing rank $victim: the newest checkpoint ($newest) is whole" "$NASH" inspect "$newest" --no-config
    [ "$left" -eq 0 ] || kill -KILL "${ranks[@]}" 2>/dev/null
done
finish
