#!/usr/bin/env bash
# test_import.sh — `nash data images` against Pillow + torchvision, and every kind of bad file.
#
#   bash tests/cli/test_import.sh PATH/TO/nash      (ctest passes the built binary)
#
# 1. A folder of 1000 mixed files (tests/support/image_folder.py: PNG RGB/RGBA/grey/grey+alpha/
#    palette/palette+tRNS/1-bit/16-bit, JPEG colour/grey/progressive/EXIF-rotated, 16 to 320 pixels
#    a side, 4 classes, one nested folder, two files that are not images) is imported at 64x64 RGB
#    and compared with the reference pipeline (tests/support/import_reference.py): the same class
#    names, labels and order, and every pixel equal (nash follows Pillow's resampling exactly and
#    decodes JPEG with the same libjpeg-turbo; the bound is 0 levels, mean and largest).
#    Also 1 channel at 37x37, --crop none at 32, an unlabelled folder, and 1 vs 2 threads.
# 2. Shards: --shard-samples 300 gives 4 shard files and a virtual file that h5py reads as the
#    one-file import, byte for byte, also after the folder of files is moved (training on shards,
#    and a missing shard refused by name, are tests/mpi/test_shards.sh: nash train starts MPI,
#    which this test's sanitizer run would report as leaks).
# 3. Bad files, one per case (corrupt, truncated PNG and JPEG, empty, text named .png, a huge
#    header, a symbolic link loop, a folder loop, an unreadable file, an unsupported format):
#    by default exit 2 (1 for the unreadable file) naming the file and the reason, and no output or temporary file; with
#    --skip-bad exit 0, skipped_count 1 and the file listed in the attribute `skipped`.
# Prints one FAIL line per mismatch, then "N passed, N failed"; exits non-zero on any failure.
set -u

NASH=${1:?usage: test_import.sh PATH/TO/nash}
NASH=$(cd "$(dirname "$NASH")" && pwd)/$(basename "$NASH")
PY=/usr/bin/python3
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
GEN="$HERE/../support/image_folder.py"
REF="$HERE/../support/import_reference.py"
# shellcheck source=../support/cli.sh
source "$HERE/../support/cli.sh"

if ! "$PY" -c 'import h5py, numpy, PIL, torchvision' 2>/dev/null; then
    echo "FAIL: $PY cannot import h5py, numpy, PIL and torchvision: run bash cluster/install-deps.sh"
    exit 1
fi

# compare DIR FILE ARGS...: the reference comparison must pass with both bounds at 0.
compare() {
    local dir=$1 file=$2
    shift 2
    ran="import_reference.py $dir $* (vs nash)"
    local report
    if report=$("$PY" "$REF" "$dir" "$file" "$@" --max-mean 0 --max-abs 0 2>&1); then
        pass
        printf '%s\n' "$report" | tail -n 1
    else
        fail "$report"
    fi
}
# check_py DESCRIPTION CODE ARGS...: Python that prints a reason and exits 1 on a mismatch.
check_py() {
    local what=$1 code_text=$2
    shift 2
    ran="python: $what"
    local reason
    if reason=$("$PY" -c "$code_text" "$@" 2>&1); then pass; else fail "$reason"; fi
}
expect_no_output() {
    local left
    left=$(find "$1" -maxdepth 1 \( -name '*.h5' -o -name '*.tmp.*' -o -name '*.partial' \) | head -n 3)
    if [ -z "$left" ]; then pass; else fail "files left after a refused import: $left"; fi
}

# ---- 1. the reference comparison -----------------------------------------------------------------
"$PY" "$GEN" good "$tmp/photos" --n 1000 --classes 4 --seed 7 >/dev/null
mkdir -p "$tmp/o"
run data images "$tmp/photos" --size 64 --out "$tmp/o/p64.h5"
expect_code 0
expect_out_contains "1000 images of (3,64,64) uint8, with labels (4 classes)"
expect_out_contains "left out 2 files that are not .png, .jpg or .jpeg"
expect_out_contains "left out 1 file outside the class folders"
expect_err_contains "1000/1000 images"
compare "$tmp/photos" "$tmp/o/p64.h5" --size 64

run data images "$tmp/photos" --size 37 --channels 1 --threads 1 --out "$tmp/o/g37.h5"
expect_code 0
compare "$tmp/photos" "$tmp/o/g37.h5" --size 37 --channels 1
run data images "$tmp/photos" --size 32 --crop none --out "$tmp/o/n32.h5"
expect_code 0
compare "$tmp/photos" "$tmp/o/n32.h5" --size 32 --crop none

# The thread count changes nothing: 1 and 2 threads write the same images.
run data images "$tmp/photos" --size 64 --threads 1 --out "$tmp/o/p64-1.h5"
check_py "1 thread equals 2" '
import sys, h5py, numpy as np
a, b = h5py.File(sys.argv[1])["images"][:], h5py.File(sys.argv[2])["images"][:]
sys.exit(0 if np.array_equal(a, b) else "1 and 2 threads differ")' "$tmp/o/p64.h5" "$tmp/o/p64-1.h5"

"$PY" "$GEN" good "$tmp/flat" --n 60 --classes 0 --seed 3 >/dev/null
run data images "$tmp/flat" --size 48 --out "$tmp/o/flat.h5"
expect_code 0
expect_out_contains "60 images of (3,48,48) uint8;"
compare "$tmp/flat" "$tmp/o/flat.h5" --size 48
check_py "an unlabelled folder has no /labels" '
import sys, h5py
f = h5py.File(sys.argv[1])
sys.exit("/labels in an unlabelled import" if "labels" in f or "class_names" in f.attrs else 0)' "$tmp/o/flat.h5"

# ---- 2. shards -------------------------------------------------------------------------------------
mkdir -p "$tmp/sh"
run data images "$tmp/photos" --size 64 --shard-samples 300 --out "$tmp/sh/p64.h5"
expect_code 0
expect_out_contains "in 4 shards beside it"
check_py "4 shards read as the one-file import" '
import sys, os, h5py, numpy as np
one, vds = h5py.File(sys.argv[1]), h5py.File(sys.argv[2])
shards = sorted(n for n in os.listdir(os.path.dirname(sys.argv[2])) if n.startswith("p64-"))
if shards != ["p64-%05d.h5" % k for k in range(4)]: sys.exit("shard files: %s" % shards)
if not vds["images"].is_virtual: sys.exit("/images is not virtual")
counts = [h5py.File(os.path.join(os.path.dirname(sys.argv[2]), s))["images"].shape[0] for s in shards]
if counts != [300, 300, 300, 100]: sys.exit("shard sizes %s" % counts)
for k in ("images", "labels"):
    if not np.array_equal(one[k][:], vds[k][:]): sys.exit("/%s differs from the one-file import" % k)
if list(one.attrs["class_names"]) != list(vds.attrs["class_names"]): sys.exit("class names differ")' \
    "$tmp/o/p64.h5" "$tmp/sh/p64.h5"
mv "$tmp/sh" "$tmp/moved"
check_py "the shards still read after moving the folder" '
import sys, h5py, numpy as np
a, b = h5py.File(sys.argv[1])["images"][:], h5py.File(sys.argv[2])["images"][:]
sys.exit(0 if np.array_equal(a, b) else "moved shards read differently")' "$tmp/o/p64.h5" "$tmp/moved/p64.h5"

# ---- 3. bad files ----------------------------------------------------------------------------------
declare -A reason=(
    [corrupt]="truncated or corrupt PNG"
    [truncated-png]="truncated or corrupt PNG"
    [truncated-jpeg]="truncated or corrupt JPEG"
    [empty]="0 bytes: the file is empty"
    [not-image]="not a PNG or JPEG file"
    [huge]="100000x100000 = 10000000000 pixels, more than the limit"
    [symlink-loop]="a symbolic link loop"
    [dir-loop]="a symbolic link back to a folder above it"
    [unreadable]="Permission denied"
    [webp]="a .webp file, which nash does not import"
)
for kind in corrupt truncated-png truncated-jpeg empty not-image huge symlink-loop dir-loop unreadable webp; do
    d="$tmp/bad-$kind"
    mkdir -p "$d/out"
    badpath=$("$PY" "$GEN" bad "$d" "$kind")
    as=()
    if [ "$kind" = unreadable ]; then
        # Root reads any file: drop to nobody, for whom mode 000 means no.
        chmod -R a+rX "$d" "$tmp"
        chmod 0 "$badpath"
        chmod a+rwx "$d/out"
        as=(setpriv --reuid=65534 --regid=65534 --clear-groups)
    fi
    "${as[@]}" "$NASH" data images "$d/good" --size 32 --out "$d/out/x.h5" >"$tmp/stdout" 2>"$tmp/stderr" </dev/null
    code=$? out=$(cat "$tmp/stdout") err=$(cat "$tmp/stderr") ran="nash data images ($kind)"
    # A file that cannot be read is exit code 1, bad contents 2 (docs/exit-codes.md).
    if [ "$kind" = unreadable ]; then expect_code 1; else expect_code 2; fi
    expect_err_contains "$badpath"
    expect_err_contains "${reason[$kind]}"
    expect_err_contains "nothing was written"
    expect_no_output "$d/out"
    "${as[@]}" "$NASH" data images "$d/good" --size 32 --skip-bad --out "$d/out/x.h5" >"$tmp/stdout" 2>"$tmp/stderr" </dev/null
    code=$? out=$(cat "$tmp/stdout") err=$(cat "$tmp/stderr") ran="nash data images --skip-bad ($kind)"
    expect_code 0
    expect_out_contains "skipped 1 bad file (listed"
    check_py "the skipped file is listed ($kind)" '
import sys, h5py
f = h5py.File(sys.argv[1])
n, listed = f.attrs["skipped_count"][0], [s.decode() if isinstance(s, bytes) else s for s in f.attrs.get("skipped", [])]
want = sys.argv[2]
if n != 1 or len(listed) != 1 or not listed[0].startswith(want + ": "):
    sys.exit("skipped_count %s, skipped %s, expected one entry for %s" % (n, listed, want))
if f["images"].shape[0] != 6: sys.exit("%d images, expected the 6 good ones" % f["images"].shape[0])' \
        "$d/out/x.h5" "${badpath#"$d/good/"}"
done

# ---- usage ------------------------------------------------------------------------------------------
run data images "$tmp/photos" --out "$tmp/o/u.h5"
expect_code 2
expect_err_contains "--size is required"
run data images "$tmp/photos" --size 64 --channels 2 --out "$tmp/o/u.h5"
expect_code 2
expect_err_contains "--channels '2': use 1 (grey) or 3 (RGB)"
run data images "$tmp/nowhere" --size 64 --out "$tmp/o/u.h5"
expect_code 1
expect_err_contains "$tmp/nowhere: cannot read the folder"
mkdir -p "$tmp/emptyclass/a" "$tmp/emptyclass/b"
cp "$tmp/flat/img_00000.png" "$tmp/emptyclass/a/"
run data images "$tmp/emptyclass" --size 16 --out "$tmp/o/u.h5"
expect_code 2
expect_err_contains "$tmp/emptyclass/b: the class folder holds no .png, .jpg or .jpeg files"
ran="no output after refused imports"
if [ ! -e "$tmp/o/u.h5" ]; then pass; else fail "$tmp/o/u.h5 written by a refused import"; fi

finish
