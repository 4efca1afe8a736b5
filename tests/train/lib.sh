# lib.sh — shared helpers for the training tests (sourced). Each test gets the nash binary as
# $1 and the source directory as $2, works in its own temporary directory, and ends with
# `finish`, which prints "N passed, N failed" and exits non-zero on any failure.
set -u
NASH=${1:?nash binary}
SRC=${2:?source directory}
WORK=$(mktemp -d /tmp/nash-test.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
passed=0
failed=0

ok() { passed=$((passed + 1)); echo "ok: $*"; }
fail() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }
check() { # check DESCRIPTION COMMAND...
    local what=$1; shift
    if "$@"; then ok "$what"; else fail "$what"; fi
}
finish() {
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}
# value KEY FILE: the value of a "key value" line
value() { awk -v k="$1" '$1 == k { print $2 }' "$2"; }

# flip_byte FILE DATASET OFFSET: flip one bit of a byte inside DATASET's stored payload (h5py
# finds where the contiguous dataset lives in the file), to corrupt a checkpoint on purpose.
flip_byte() {
    /usr/bin/python3 - "$1" "$2" "$3" <<'PY'
import sys, h5py
path, name, delta = sys.argv[1], sys.argv[2], int(sys.argv[3])
with h5py.File(path, "r") as f:
    off = f[name].id.get_offset() + delta
with open(path, "r+b") as raw:
    raw.seek(off)
    b = raw.read(1)
    raw.seek(off)
    raw.write(bytes([b[0] ^ 0x40]))
PY
}
