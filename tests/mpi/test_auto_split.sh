#!/usr/bin/env bash
# cluster.generator_ranks = auto: before training, every split of the ranks is timed for a few
# steps of the run's own config, and the run takes the one with the shortest step. What a test
# can hold without timing the machine (bench_split.sh prints the timings against fixed splits):
#   - on 3 and on 4 ranks (alternating and pipelined) it says what it timed, every split, and
#     trains with the split it chose: config.ini records it, and the weights equal, bitwise, a
#     run with that split fixed (the trials leave nothing behind: parameters, data order, files);
#   - a split the config refuses is not a candidate, and when every split is refused so is the
#     run, naming the reason (batch 2 on 4 ranks: 1G+3D and 3G+1D leave a rank without a sample,
#     2G+2D gives batch norm one sample a rank);
#   - colocated and one-process runs ignore it.
. "$(dirname "$0")/lib.sh"
CFG="$SRC/tests/mpi/tiny-dcgan.ini"
check "import Fashion-MNIST" fashion "$WORK/f.h5"
data=(--set data.path="$WORK/f.h5" --set train.steps=12)
auto() { # auto NAME NP SETTINGS...: an auto run, its log in NAME.log
    local name=$1 np=$2; shift 2
    timeout 300 "${MPIRUN[@]}" -n "$np" "$NASH" train "$CFG" "${data[@]}" --set cluster.generator_ranks=auto "$@" \
        --run-dir "$WORK/$name" >"$WORK/$name.log" 2>&1
}
chosen() { awk '$1 == "generator_ranks" { print $3 }' "$WORK/$1/config.ini"; }
for case in "3 alternating" "4 alternating" "4 pipelined"; do
    set -- $case
    np=$1 schedule=$2 name=auto-$1-$2
    check "$np ranks $schedule, auto" auto "$name" "$np" --set cluster.schedule="$schedule"
    line=$(grep 'generator_ranks = auto timed' "$WORK/$name.log")
    splits=$(grep -o '[0-9]G+[0-9]D [0-9.]* ms' <<<"$line" | wc -l)
    check "... timed all $((np - 1)) splits: $line" test "$splits" -eq $((np - 1))
    g=$(chosen "$name")
    check "... chose the split it timed fastest ($g G)" /usr/bin/python3 -c '
import re, sys
times = {int(g): float(ms) for g, ms in re.findall(r"(\d)G\+\dD ([0-9.]+) ms", sys.argv[1])}
# the log rounds to 0.1 ms: a split that ties the fastest there may be the faster unrounded
sys.exit(0 if times and times.get(int(sys.argv[2])) == min(times.values()) else 1)' "$line" "$g"
    check "... the same split, fixed" train_np "$np" "$WORK/fixed-$name" "$CFG" "${data[@]}" \
        --set cluster.schedule="$schedule" --set cluster.generator_ranks="$g"
    check "... equal weights, bitwise" h5diff "$WORK/$name/weights.h5" "$WORK/fixed-$name/weights.h5"
done
auto none 4 --set train.batch=2 --set cluster.generator_ranks=auto
code=$?
check "batch 2 with batch norm: every split refused, exit 2 (got $code)" test "$code" -eq 2
check "... saying why" grep -q "auto: no split of 4 ranks can run train.batch = 2: .*batch norm over one value" "$WORK/none.log"
check "colocated ignores it" auto coloc 2 --set cluster.layout=colocated
check "one process ignores it" auto one 1
check "... and says nothing about it" bash -c '! grep -q "auto timed" "$1" "$2"' _ "$WORK/coloc.log" "$WORK/one.log"
finish
