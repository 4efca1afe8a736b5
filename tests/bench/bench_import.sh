#!/usr/bin/env bash
# bench_import.sh — `nash data images` against a plain Pillow loop on the same folder.
#
#   bash tests/bench/bench_import.sh [PATH/TO/nash] [N]     (default build/src/nash, 1000 files)
#
# Makes N photo-sized files (640x480 JPEG, quality 90, and every 4th a 640x480 RGB PNG; made by
# tests/support/image_folder.py's picture()), then times, best of 3, the import to 64x64 RGB with
# nash on 1 thread and on every core, and the reference loop in one Python process: Image.open,
# exif_transpose, convert('RGB'), torchvision Resize(64) + CenterCrop(64), numpy array. Prints a
# table with the CPU; a benchmark, not a test.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
NASH=${1:-$ROOT/build/src/nash}
N=${2:-1000}
PY=/usr/bin/python3
WORK=$(mktemp -d /tmp/nash-bench-import.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

"$PY" - "$WORK/photos" "$N" "$ROOT/tests/support" <<'PYEOF'
import os, sys
sys.path.insert(0, sys.argv[3])
import numpy as np
from PIL import Image
from image_folder import picture
root, n = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(1)
for k in range(4):
    os.makedirs(os.path.join(root, 'c%d' % k))
for i in range(n):
    im = Image.fromarray(picture(rng, 640, 480), 'RGB')
    p = os.path.join(root, 'c%d' % (i % 4), 'p%05d' % i)
    if i % 4 == 3:
        im.save(p + '.png')
    else:
        im.save(p + '.jpg', quality=90)
PYEOF

best() { # best CMD...: the shortest wall time of 3 runs, in seconds
    local b=""
    for _ in 1 2 3; do
        local t0 t1
        t0=$(date +%s.%N)
        "$@" >/dev/null 2>&1
        t1=$(date +%s.%N)
        b=$(echo "$t0 $t1 ${b:-1e9}" | awk '{d = $2 - $1; print (d < $3 ? d : $3)}')
    done
    echo "$b"
}
cores=$(nproc)
t_nash1=$(best "$NASH" data images "$WORK/photos" --size 64 --threads 1 --quiet --out "$WORK/a.h5")
t_nashn=$(best "$NASH" data images "$WORK/photos" --size 64 --threads "$cores" --quiet --out "$WORK/b.h5")
t_pil=$(best "$PY" -c '
import os, sys, numpy as np
from PIL import Image, ImageOps
from torchvision import transforms
tf = transforms.Compose([transforms.Resize(64), transforms.CenterCrop(64)])
root = sys.argv[1]
out = []
for c in sorted(os.listdir(root)):
    for f in sorted(os.listdir(os.path.join(root, c))):
        im = ImageOps.exif_transpose(Image.open(os.path.join(root, c, f))).convert("RGB")
        out.append(np.asarray(tf(im)))
np.stack(out)' "$WORK/photos")
# Python's start-up and imports, to be fair to the loop: timed alone and subtracted.
t_imp=$(best "$PY" -c 'import numpy; from PIL import Image, ImageOps; from torchvision import transforms')

printf 'CPU: %s, %s cores; %s; %s files (640x480, 3/4 JPEG q90, 1/4 PNG) to 64x64 RGB\n' \
    "$(lscpu | sed -n 's/^Model name: *//p')" "$cores" "$(date -u +%Y-%m-%d)" "$N"
printf '%-44s %9s %10s %8s\n' "importer" "seconds" "images/s" "vs Pillow"
awk -v n="$N" -v a="$t_nash1" -v b="$t_nashn" -v p="$t_pil" -v i="$t_imp" -v c="$cores" 'BEGIN {
    q = p - i
    printf "%-44s %9.2f %10.0f %8s\n", "Pillow + torchvision loop, 1 process", q, n / q, "1.00x"
    printf "%-44s %9.2f %10.0f %7.2fx\n", "nash data images --threads 1", a, n / a, q / a
    printf "%-44s %9.2f %10.0f %7.2fx\n", "nash data images --threads " c, b, n / b, q / b
    printf "(Python start-up and imports, %.2f s, are subtracted from the loop)\n", i
}'
