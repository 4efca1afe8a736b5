#!/usr/bin/python3
"""bench_dcgan_table.py — the result lines and the table of bench_dcgan.sh and bench_sngan.sh (run by them).

    bench_dcgan_table.py nash-result NAME ROUND NP THREADS SCHEDULE RUN_DIR WARMUP
        one line for a nash run from its metrics.csv, config.ini and rss.RANK files
    bench_dcgan_table.py table WORK_DIR STEPS ROUNDS [CONFIG [WARMUP]]
        the markdown table of medians over rounds, the roof, and the ratios against the targets
        of docs/benchmarks.md, which every workload shares (CONFIG left out: the reference workload,
        configs/fashion-dcgan.ini); WARMUP (default 10) only labels the table

The roof of the reference DCGAN: OpenBLAS sgemm at the workload's GEMM shapes batched over the
minibatch (bench_sgemm `b64_*`), combined as a harmonic mean weighted by the FLOPs each shape does
in one alternating step (per image: 4, 5 and 3 products of 12.8 MFLOP at the conv2/deconv1 shapes
128xNx1024, 1024xNx128, 128x1024xN; 6 thin conv1 products and 4 deconv2 products of 0.4 MFLOP;
3 of G's dense layer, 1.25 MFLOP) — the rate a perfect implementation of these FLOPs on this
BLAS would reach on one core. bench_sgemm measures no other workload's shapes, so for any other
config (one whose GEMM layers are not the reference DCGAN's) the roof is sgemm at 1024^3, which
its thin layers (few input channels, 1x1 convolutions, 3 output channels) cannot reach: there the
percentage is an upper bound's share, not comparable with the reference workload's. A
configuration on 2 cores is held to twice the 1-core roof (the 2-thread measurement is printed
too; on a shared machine it swings with the other work). bf16 rows are held to the float32 roof.
"""
import csv
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_peer import count_flops, read_config  # noqa: E402

ROOF_WEIGHTS = {  # FLOPs per image of one alternating step done at each sgemm shape
    'b64_conv2_fwd': 4 * 12845056,
    'b64_conv2_dx': 5 * 12845056,
    'b64_conv2_dw': 3 * 12845056,
    'b64_conv1_fwd': 6 * 401408,
    'b64_deconv2_fwd': 4 * 401408,
    'b64_dense_g': 3 * 1254400,
}
# The reference DCGAN's GEMM layers (forward FLOPs per image, torch_peer.count_flops): ROOF_WEIGHTS
# belong to these.
REFERENCE_LAYERS = ([1254400, 12845056, 401408], [401408, 12845056, 12544])
REFERENCE_CONFIG = os.path.join(os.path.dirname(os.path.abspath(__file__)), '../../configs/fashion-dcgan.ini')

LABELS = {
    'nash-1': ('nash, 1 rank, alternating', 1),
    'nash-1-sim': ('nash, 1 rank, simultaneous', 1),
    'nash-1-2t': ('nash, 1 rank with 2 BLAS threads, alternating', 2),
    'nash-split': ('nash, 2 ranks split (1G+1D), alternating', 2),
    'nash-split-sim': ('nash, 2 ranks split (1G+1D), simultaneous', 2),
    'nash-split-pipe': ('nash, 2 ranks split (1G+1D), pipelined', 2),
    'nash-coloc': ('nash, 2 ranks colocated, alternating', 2),
    'nash-coloc-sim': ('nash, 2 ranks colocated, simultaneous', 2),
    'nash-1-bf16': ('nash, 1 rank, alternating, bf16', 1),
    'nash-coloc-bf16': ('nash, 2 ranks colocated, alternating, bf16', 2),
    'nash-coloc-sim-bf16': ('nash, 2 ranks colocated, simultaneous, bf16', 2),
    'torch-1t': ('PyTorch, 1 thread', 1),
    'torch-2t': ('PyTorch, 2 threads', 2),
    'torch-ddp2': ('PyTorch DDP (gloo), 2 processes', 2),
    'torch-1t-bf16': ('PyTorch, 1 thread, bf16 autocast', 1),
}

SPLIT = ['g_compute', 'g_exchange', 'g_allreduce', 'd_compute', 'd_exchange', 'd_allreduce', 'd_data']


def nash_result(name, rnd, np_, threads, schedule, run_dir, warmup):
    cfg = read_config(os.path.join(run_dir, 'config.ini'))
    batch = int(cfg['train']['batch'])
    with open(os.path.join(run_dir, 'metrics.csv')) as f:
        rows = [r for r in csv.DictReader(f)]
    elapsed = {int(r['step']): int(r['step']) * batch / float(r['images_per_s']) for r in rows}
    first, last = int(warmup), max(elapsed)
    if first not in elapsed or last <= first:
        sys.exit(f'bench_dcgan_table.py: {run_dir}/metrics.csv has no log at steps {first} and after')
    step_s = (elapsed[last] - elapsed[first]) / (last - first)
    steady = [r for r in rows if int(r['step']) > first]
    split = {k: statistics.mean(float(r[k]) for r in steady) for k in SPLIT}
    rss = [int(open(os.path.join(run_dir, f)).read().split()[-1]) / 1024.0
           for f in os.listdir(run_dir) if f.startswith('rss.')]  # none: not measured (bench_split.sh)
    print(f'{name} {rnd} nash mode={name} procs={np_} threads={threads} schedule={schedule} steps={last - first} '
          f'ms_per_step={1e3 * step_s:.2f} images_per_s={batch / step_s:.1f} '
          f'data_wait_pct={100.0 * split["d_data"] / step_s:.3f} peak_rss_mb={max(rss) if rss else float("nan"):.1f} ' +
          ' '.join(f'{k}_ms={1e3 * v:.2f}' for k, v in split.items()))


def read_results(work):
    runs = {}
    with open(os.path.join(work, 'results.txt')) as f:
        for line in f:
            words = line.split()
            fields = dict(w.split('=', 1) for w in words[3:] if '=' in w)
            runs.setdefault(words[0], []).append(fields)
    return runs


def median_of(runs, name, key):
    vals = [float(r[key]) for r in runs.get(name, []) if key in r]
    return statistics.median(vals) if vals else float('nan')


def read_sgemm(work, rounds):
    rates = {}
    for rnd in range(1, rounds + 1):
        path = os.path.join(work, f'sgemm.{rnd}.txt')
        if not os.path.exists(path):
            continue
        for line in open(path):
            w = line.split()
            if w and w[0] == 'sgemm':
                rates.setdefault((w[1], int(w[5])), []).append(float(w[6]))
    return {k: statistics.median(v) for k, v in rates.items()}


def table(work, steps, rounds, config=REFERENCE_CONFIG, warmup=10):
    runs = read_results(work)
    sgemm = read_sgemm(work, rounds)
    cfg = read_config(config)
    flops = count_flops(cfg)
    batch = int(cfg['train']['batch'])
    reference = (flops['g_layers'], flops['d_layers']) == REFERENCE_LAYERS
    if reference:
        total = sum(ROOF_WEIGHTS.values())
        roof1 = total / sum(w / sgemm[(k, 1)] for k, w in ROOF_WEIGHTS.items())
        roof2 = total / sum(w / sgemm[(k, 2)] for k, w in ROOF_WEIGHTS.items())
        print(f'\nReference workload (configs/fashion-dcgan.ini, batch {batch}), {steps} steps per run of which '
              f'{warmup} warm-up, median of {rounds} rounds.')
        print(f'Useful work per image: {flops["alternating"] / 1e6:.1f} MFLOP alternating, '
              f'{flops["simultaneous"] / 1e6:.1f} MFLOP simultaneous (counted from the layer shapes).')
        print(f'sgemm roof, 1 core: {roof1:.1f} GFLOP/s at the workload\'s batched shapes '
              f'(1024^3: {sgemm[("square_1024", 1)]:.1f}); 2 threads, median: {roof2:.1f} '
              f'(1024^3: {sgemm[("square_1024", 2)]:.1f}); 2-core configurations are held to 2 x {roof1:.1f}.\n')
    else:
        roof1, roof2 = sgemm[('square_1024', 1)], sgemm[('square_1024', 2)]
        n_critic = int(cfg['train'].get('n_critic', 1))
        name = os.path.relpath(os.path.abspath(config), os.path.join(os.path.dirname(REFERENCE_CONFIG), '..'))
        print(f'\nWorkload {name} (batch {batch}, n_critic {n_critic}), {steps} steps per run of which '
              f'{warmup} warm-up, median of {rounds} rounds; a step is {n_critic} D steps and 1 G step, images/s '
              f'counts {batch} per step.')
        print(f'Useful work per image: {flops["alternating"] / 1e6:.1f} MFLOP alternating'
              + (f', {flops["simultaneous"] / 1e6:.1f} MFLOP simultaneous' if 'simultaneous' in flops else '')
              + f' (counted from the layer shapes; {flops["alternating"] * batch / 1e9:.2f} GFLOP per step).')
        print(f'sgemm roof, 1 core: {roof1:.1f} GFLOP/s at 1024^3 (the workload\'s own shapes are not measured); '
              f'2 threads, median: {roof2:.1f}; 2-core configurations are held to 2 x {roof1:.1f}.\n')
    print('| configuration | cores | images/s | ms/step | useful GFLOP/s | % of sgemm roof | '
          'peak RSS per process (MB) | data wait (% of step) |')
    print('|---|---|---|---|---|---|---|---|')
    summary = {}
    for name, (label, cores) in LABELS.items():
        if name not in runs:
            continue
        ips, ms = median_of(runs, name, 'images_per_s'), median_of(runs, name, 'ms_per_step')
        per_image = flops['simultaneous'] if '-sim' in name else flops['alternating']
        gflops = ips * per_image / 1e9
        pct = 100.0 * gflops / (roof1 * cores)
        rss, wait = median_of(runs, name, 'peak_rss_mb'), median_of(runs, name, 'data_wait_pct')
        summary[name] = dict(ips=ips, gflops=gflops, pct=pct, rss=rss, wait=wait)
        print(f'| {label} | {cores} | {ips:.1f} | {ms:.1f} | {gflops:.1f} | {pct:.0f}% | {rss:.0f} | {wait:.2f}% |')
    nash_names = [n for n in summary if n.startswith('nash')]
    if nash_names:
        print('\nnash time split, ms per step (averaged over the ranks of each role; median of rounds):\n')
        print('| configuration | ' + ' | '.join(SPLIT) + ' |')
        print('|---|' + '---|' * len(SPLIT))
        for name in nash_names:
            print(f'| {LABELS[name][0]} | ' + ' | '.join(f'{median_of(runs, name, k + "_ms"):.1f}' for k in SPLIT) +
                  ' |')
    targets(summary, nash_names, reference)


# The targets (docs/benchmarks.md), the same for both workloads
TARGET_VS_PEER = 2.0   # nash's best configuration / PyTorch's best (bf16 autocast included)
TARGET_ROOF = 80.0     # one rank on one core: useful FLOPs as % of the sgemm roof
TARGET_TWO_RANKS = 1.9  # the best 2-rank configuration / 1 rank, same schedule
TARGET_RSS = 0.2       # largest nash RSS per process / smallest PyTorch RSS per process
TARGET_WAIT = 1.0      # data wait, % of step time
TARGET_PIPELINED = 1.45  # 2 ranks split pipelined / 1 rank alternating
TARGET_BF16 = 1.5      # train.precision = bf16 / float32, 1 rank, at equal quality (tests/long/bf16.sh)


def is_bf16(name):
    return name.endswith('-bf16')


def schedule_of(name):
    base = name[:-len('-bf16')] if is_bf16(name) else name
    return 'simultaneous' if base.endswith('-sim') else 'pipelined' if base.endswith('-pipe') else 'alternating'


def targets(s, nash_names, reference=True):
    """The ratios of docs/benchmarks.md against its targets, which both workloads share; `reference`
    only says whether the roof is the workload's own shapes (the DCGAN) or sgemm at 1024^3."""
    torch_names = [n for n in s if n.startswith('torch')]
    if not nash_names or not torch_names:
        return
    print('\nTargets (docs/benchmarks.md' + ('' if reference else '; the roof is sgemm at 1024^3, an upper bound') +
          '):\n')

    def line(what, value, goal, ok):
        print(f'- {what}: {value} (target {goal}): {"met" if ok else "NOT met"}')

    # PyTorch's best of every configuration it has, bf16 autocast included; nash's best in float32
    # of every schedule, and of the one the peer runs (alternating), for a like-for-like view; and
    # nash's best with train.precision = bf16 counted too, as PyTorch's autocast is
    best_t = max(torch_names, key=lambda n: s[n]['ips'])
    f32 = [n for n in nash_names if not is_bf16(n)]
    same = [n for n in f32 if schedule_of(n) == 'alternating']
    for names, what in ((f32, 'float32, any schedule'), (same, 'float32, same schedule'),
                        (nash_names, 'bf16 or float32, any schedule')):
        if not names or (what != 'float32, any schedule' and set(names) == set(f32)):
            continue
        best_n = max(names, key=lambda n: s[n]['ips'])
        r = s[best_n]['ips'] / s[best_t]['ips']
        line(f'best nash, {what} ({LABELS[best_n][0]}) / best PyTorch ({LABELS[best_t][0]})', f'{r:.2f}x',
             f'>= {TARGET_VS_PEER}x', r >= TARGET_VS_PEER)
    ones = [n for n in ('nash-1', 'nash-1-sim') if n in s]
    if ones:
        one = max(ones, key=lambda n: s[n]['pct'])
        line(f'one rank, useful FLOPs as % of the sgemm roof ({LABELS[one][0]})', f'{s[one]["pct"]:.0f}%',
             f'>= {TARGET_ROOF:.0f}%', s[one]['pct'] >= TARGET_ROOF)
    for one, sched in (('nash-1', 'alternating'), ('nash-1-sim', 'simultaneous')):
        twos = [n for n in f32 if n.startswith(('nash-split', 'nash-coloc')) and schedule_of(n) == sched]
        if one in s and twos:
            two = max(twos, key=lambda n: s[n]['ips'])
            r = s[two]['ips'] / s[one]['ips']
            line(f'2 ranks / 1 rank, {sched} ({LABELS[two][0]})', f'{r:.2f}x', f'>= {TARGET_TWO_RANKS}x',
                 r >= TARGET_TWO_RANKS)
    # the pipelined split does the alternating step's work a step stale (docs/distributed.md): its
    # ceiling on 2 ranks is (t_G + t_D) / max(t_G, t_D), 1.5x at t_D = 2 t_G
    if 'nash-1' in s and 'nash-split-pipe' in s:
        r = s['nash-split-pipe']['ips'] / s['nash-1']['ips']
        line('2 ranks split pipelined / 1 rank alternating', f'{r:.2f}x', f'>= {TARGET_PIPELINED}x',
             r >= TARGET_PIPELINED)
    if 'nash-1' in s and 'nash-1-bf16' in s:
        r = s['nash-1-bf16']['ips'] / s['nash-1']['ips']
        line('1 rank, bf16 / float32 (its quality: tests/long/bf16.sh)', f'{r:.2f}x', f'>= {TARGET_BF16}x',
             r >= TARGET_BF16)
    worst_rss = max(s[n]['rss'] for n in nash_names)
    torch_rss = min(s[n]['rss'] for n in torch_names)
    r = worst_rss / torch_rss
    line('largest nash RSS per process / smallest PyTorch RSS per process',
         f'{worst_rss:.0f} / {torch_rss:.0f} MB = {r:.2f}', f'<= {TARGET_RSS}', r <= TARGET_RSS)
    worst_wait = max(s[n]['wait'] for n in nash_names)
    line('largest nash data wait', f'{worst_wait:.2f}% of step time', f'< {TARGET_WAIT:.0f}%', worst_wait < TARGET_WAIT)


def main():
    if len(sys.argv) == 9 and sys.argv[1] == 'nash-result':
        nash_result(*sys.argv[2:])
    elif len(sys.argv) in (5, 6, 7) and sys.argv[1] == 'table':
        table(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), *sys.argv[5:6], *map(int, sys.argv[6:]))
    else:
        sys.exit(__doc__)


if __name__ == '__main__':
    main()
