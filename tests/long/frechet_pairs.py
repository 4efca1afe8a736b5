#!/usr/bin/python3
"""frechet_pairs.py WORK A B 'LABEL A' 'LABEL B' SEED... — the table of tests/long/pipelined.sh and
bf16.sh: for each seed, the Fréchet distance, class JS and classes covered of two runs' generators,
read from `nash eval --json` output in WORK/A-SEED.json and WORK/B-SEED.json; then the mean and
standard deviation of the Fréchet distance over the seeds, whether B's mean lies within A's
seed-to-seed spread, and the real data against itself."""
import json
import statistics
import sys


def main():
    if len(sys.argv) < 6:
        sys.exit(__doc__)
    work, a, b, label_a, label_b, seeds = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6:]

    def get(k, s):
        with open('%s/%s-%s.json' % (work, k, s)) as f:
            return json.load(f)['metrics']

    print('\n| seed | Fréchet, %s | Fréchet, %s | class JS, %s / %s | classes |' % (label_a, label_b, a, b))
    print('|---|---|---|---|---|')
    f = {a: [], b: []}
    for s in seeds:
        ra, rb = get(a, s), get(b, s)
        f[a].append(ra['frechet']['generated'])
        f[b].append(rb['frechet']['generated'])
        print('| %s | %.2f | %.2f | %.4f / %.4f | %d / %d |' % (
            s, f[a][-1], f[b][-1], ra['class_js']['generated'], rb['class_js']['generated'],
            ra['classes']['generated'], rb['classes']['generated']))
    if len(seeds) > 1:
        m = {k: (statistics.mean(v), statistics.stdev(v)) for k, v in f.items()}
        print('| mean ± sd | %.2f ± %.2f | %.2f ± %.2f | | |' % (*m[a], *m[b]))
        within = abs(m[b][0] - m[a][0]) <= m[a][1]
        print('\n%s\'s mean is %s %s\'s seed spread (|%.2f - %.2f| %s %.2f)' % (
            b, 'within' if within else 'outside', a, m[b][0], m[a][0], '<=' if within else '>', m[a][1]))
    print('real data against itself: Fréchet %.2f' % get(a, seeds[0])['frechet']['real'])


if __name__ == '__main__':
    main()
