#!/usr/bin/env bash
# bench_kernels.sh — nash's default BLAS kernel against every OpenBLAS kernel this CPU can run, on
# the reference workload (configs/fashion-dcgan.ini, one rank, one BLAS thread). A benchmark, not a
# test: it prints one table (sgemm at 1024^3 and the DCGAN's images/s per kernel, medians over the
# rounds) and the verdict "default within 5% of the best kernel".
#
#     bash tests/bench/bench_kernels.sh [build dir] [steps] [rounds]     (defaults: build, 60, 3)
#
# "default" is nash with no OPENBLAS_CORETYPE: whatever OpenBLAS picks, moved by nash to the best
# kernel for the CPU when OpenBLAS's pick is below it (docs/building.md, "The BLAS kernel"). Every
# other row sets OPENBLAS_CORETYPE, which nash never overrides. Each round runs the rows in turn,
# the order reversed every other round.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
STEPS=${2:-60}
ROUNDS=${3:-3}
NASH="$BUILD/src/nash"
SGEMM="$BUILD/tests/bench/bench_sgemm"
PY=/usr/bin/python3
CONFIG="$ROOT/configs/fashion-dcgan.ini"
WARMUP=10
for f in "$NASH" "$SGEMM" /usr/bin/time; do
    [ -x "$f" ] || { echo "bench_kernels.sh: $f is missing (build the tests; apt install time)" >&2; exit 2; }
done
flags=$(grep -m1 '^flags' /proc/cpuinfo)
has() { [[ $flags == *" $1 "* ]]; }
KERNELS=(default Prescott)
if has avx2 && has fma; then KERNELS+=(Haswell Zen); fi
if has avx512f && has avx512bw && has avx512vl; then KERNELS+=(SkylakeX); fi
if has avx512f && has avx512_bf16; then KERNELS+=(Cooperlake); fi

WORK=$(mktemp -d /tmp/nash-bench-kernels.XXXXXX)
"$NASH" data fashion-mnist --out "$WORK/fashion.h5" >/dev/null
RESULTS="$WORK/results.txt"
: >"$RESULTS"
echo "load before: $(cat /proc/loadavg)"

# with_kernel K CMD...: CMD with OPENBLAS_CORETYPE=K, or with nothing set for "default"
with_kernel() {
    local k=$1; shift
    if [ "$k" = default ]; then env -u OPENBLAS_CORETYPE "$@"; else OPENBLAS_CORETYPE=$k "$@"; fi
}
for round in $(seq 1 "$ROUNDS"); do
    order=("${KERNELS[@]}")
    if [ $((round % 2)) = 0 ]; then
        order=()
        for ((i = ${#KERNELS[@]} - 1; i >= 0; i--)); do order+=("${KERNELS[i]}"); done
    fi
    for k in "${order[@]}"; do
        echo "round $round/$ROUNDS: $k" >&2
        dir="$WORK/$k.$round"
        mkdir -p "$dir"
        ran=$(with_kernel "$k" env OPENBLAS_VERBOSE=2 OPENBLAS_NUM_THREADS=1 "$NASH" info 2>&1 | sed -n 's/^kernel *\([A-Za-z0-9_]*\) .*/\1/p')
        gflops=$(with_kernel "$k" env OPENBLAS_NUM_THREADS=1 "$SGEMM" 0.3 | awk '$2 == "square_1024" && $6 == 1 { print $7 }')
        with_kernel "$k" env OPENBLAS_NUM_THREADS=1 /usr/bin/time -f %M -o "$dir/rss.0" "$NASH" train "$CONFIG" \
            --set "data.path=$WORK/fashion.h5" --set "train.steps=$STEPS" --set "train.log_every=$WARMUP" \
            --set output.sample_every=0 --set monitor.enabled=false --run-dir "$dir" --quiet >"$dir/log" 2>&1
        line=$("$PY" "$ROOT/tests/bench/bench_dcgan_table.py" nash-result "$k" "$round" 1 1 alternating "$dir" "$WARMUP")
        echo "$k $round ran=$ran sgemm_gflops=$gflops $line" >>"$RESULTS"
    done
done
echo "load after: $(cat /proc/loadavg)"

"$PY" - "$RESULTS" <<'PYEOF'
import re, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    f = line.split()
    k = f[0]
    kv = dict(re.findall(r'(\w+)=([^\s]+)', line))
    rows.setdefault(k, []).append((kv['ran'], float(kv['sgemm_gflops']), float(kv['images_per_s'])))
print()
print('| OPENBLAS_CORETYPE | kernel run | sgemm 1024³, 1 thread (GFLOP/s) | nash 1 rank (images/s) | rounds (images/s) |')
print('|---|---|---|---|---|')
med = {}
for k, rs in rows.items():
    med[k] = statistics.median(r[2] for r in rs)
    name = '(unset: nash default)' if k == 'default' else k
    print(f'| {name} | {rs[0][0]} | {statistics.median(r[1] for r in rs):.1f} | {med[k]:.1f} | '
          + ', '.join(f'{r[2]:.1f}' for r in rs) + ' |')
best = max((v, k) for k, v in med.items() if k != 'default')
ratio = med['default'] / best[0]
print(f'\ndefault / best kernel ({best[1]}): {ratio:.3f} '
      f'({"within" if ratio >= 0.95 else "NOT within"} 5%)')
PYEOF
rm -rf "$WORK/fashion.h5" "$WORK"/*/weights.h5 "$WORK"/*/ckpt
echo "raw results: $WORK"
