#!/usr/bin/env bash
# A full disk loses nothing: the run directory lives on a 300 KiB tmpfs mounted for this test, so
# the third checkpoint of a small DCGAN (100 KiB each) cannot be written. The run must stop with
# exit 1 and a message naming the file and "No space left on device"; the checkpoints already
# written must be whole (their checksums hold), no temporary file may remain, and after the run
# directory is moved to a roomy disk, --resume auto must finish the run. `nash data` and
# `nash sample` into a full disk fail the same clean way, leaving no partial file. Needs root
# (mount); without it the test is skipped (exit 77).
. "$(dirname "$0")/../train/lib.sh"
if [ "$(id -u)" -ne 0 ]; then
    echo "SKIP: mounting a small tmpfs needs root"
    exit 77
fi
SMALL="$WORK/small"
mkdir -p "$SMALL"
if ! mount -t tmpfs -o size=300k nash-disk-full "$SMALL"; then
    echo "SKIP: cannot mount a tmpfs here (no CAP_SYS_ADMIN in this container?)"
    exit 77
fi
trap 'umount "$SMALL" 2>/dev/null; rm -rf "$WORK"' EXIT
check "import Fashion-MNIST (to a roomy disk)" "$NASH" data fashion-mnist --out "$WORK/f.h5"
CFG="$SRC/tests/mpi/tiny-dcgan.ini"
args=(--set data.path="$WORK/f.h5" --set train.steps=12 --set output.checkpoint_every=1 --set output.sample_every=0)

"$NASH" train "$CFG" "${args[@]}" --run-dir "$SMALL/run" --quiet >"$WORK/out" 2>"$WORK/err"
code=$?
cat "$WORK/err"
check "the run stops with exit 1 (got $code)" test "$code" -eq 1
check "the message names the checkpoint and the full disk" grep -q "ckpt/step_[0-9]*.h5: cannot write .*No space left on device" "$WORK/err"
ls -la "$SMALL/run/ckpt"
n=$(ls "$SMALL/run/ckpt"/step_*.h5 2>/dev/null | wc -l)
check "checkpoints were written before the disk filled ($n)" test "$n" -ge 1
for f in "$SMALL"/run/ckpt/step_*.h5; do
    check "$(basename "$f") is whole" "$NASH" inspect "$f" --no-config
done
check "no temporary file remains" test -z "$(find "$SMALL" -name '.*.tmp.*')"
cp -a "$SMALL/run" "$WORK/moved"
umount "$SMALL"
"$NASH" train "$CFG" "${args[@]}" --run-dir "$WORK/moved" --resume auto >"$WORK/resume.out" 2>&1
check "moved to a roomy disk, --resume auto finishes (exit $?)" test $? -eq 0
check "... from a checkpoint written before the disk filled" grep -q "^resuming from .*step_0000000[1-9].h5" "$WORK/resume.out"
check "... with weights" test -s "$WORK/moved/weights.h5"

mount -t tmpfs -o size=300k nash-disk-full "$SMALL"
"$NASH" data fashion-mnist --out "$SMALL/f.h5" >"$WORK/data.out" 2>&1
check "nash data into a full disk fails (exit $?)" test $? -eq 1
check "... saying so" grep -q "No space left on device" "$WORK/data.out"
check "... leaving no file behind" test -z "$(ls -A "$SMALL")"
"$NASH" sample "$WORK/moved/weights.h5" -n 4096 -o "$SMALL/s.h5" >"$WORK/sample.out" 2>&1
check "nash sample into a full disk fails (exit $?)" test $? -eq 1
check "... leaving no file behind" test -z "$(ls -A "$SMALL")"
finish
