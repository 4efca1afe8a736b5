#!/usr/bin/env bash
# The progress line redraws in place (\r and ESC[K) only where a person watches a terminal. Open
# MPI gives every rank a pseudo-terminal even when mpirun writes to a file, so nash looks at
# mpirun's own output: to a file, plain lines (one every log_every steps, no escape codes); under a
# real terminal (util-linux `script` makes one), the redrawn line. Alone, the same by isatty. Under
# mpirun rank 0 also names the layout, and on one machine says when colocated would be faster.
. "$(dirname "$0")/lib.sh"
CFG="$SRC/tests/mpi/tiny-dcgan.ini"
check "import Fashion-MNIST" fashion "$WORK/f.h5"
ESC=$'\033' CR=$'\r'
args=(train "$CFG" --set data.path="$WORK/f.h5" --set train.steps=20 --set train.log_every=5 --set monitor.enabled=false)

timeout 300 "${MPIRUN[@]}" -n 2 "$NASH" "${args[@]}" --run-dir "$WORK/file" >"$WORK/file.log" 2>&1
check "mpirun to a file (exit $?)" test $? -eq 0
check "... no escape codes and no carriage returns in the log" bash -c "! grep -q '[$ESC$CR]' '$WORK/file.log'"
check "... one plain line per log_every steps (4)" test "$(grep -c '^step ' "$WORK/file.log")" -eq 4
cat "$WORK/file.log"
check "... names the layout and the machines" grep -q "^layout: split 1G+1D on 1 machine (cluster.layout = split)" "$WORK/file.log"
check "... and, split on one machine, the faster layout" grep -q -- "--set cluster.layout=colocated" "$WORK/file.log"

"$NASH" "${args[@]}" --run-dir "$WORK/alone" >"$WORK/alone.log" 2>&1
check "alone to a file: no escape codes" bash -c "! grep -q '$ESC' '$WORK/alone.log'"

timeout 300 script -qec "${MPIRUN[*]} -n 2 $NASH ${args[*]} --run-dir $WORK/tty" "$WORK/tty.log" >/dev/null 2>&1
check "mpirun on a terminal (exit $?)" test $? -eq 0
check "... redraws the progress line in place" grep -q "$ESC\[K" "$WORK/tty.log"
finish
