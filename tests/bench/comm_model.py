#!/usr/bin/python3
"""comm_model.py — the communication model of a nash training step (docs/benchmarks.md): bytes
each generator (G) and discriminator (D) rank sends and receives per step, checked against
Open MPI's monitoring counts (bench_comm.sh), and projected to many nodes.

    comm_model.py check CONFIG WORK S1 S2      measured (bench_comm.sh's runs) vs model, per role
    comm_model.py project CONFIG TG TD TG_SIM TD_SIM [NODES]
        predicted step time and scaling efficiency at NODES (default 64) nodes for both layouts
        and every schedule (pipelined: the split only; also with 2 discriminator groups and with
        a D per discriminator rank, swapping every 1000 steps), at 10 and 100 Gbit/s; TG, TD: seconds per image of G's and D's
        compute in one alternating step on one rank (metrics.csv g_compute/B, d_compute/B);
        TG_SIM, TD_SIM the same for the simultaneous schedule.

Model, per step, n_critic = 1, f = 4 bytes per float, w = floats per sample (784), B global
batch, g and d the ranks of each group, P = g + d (split) or P (colocated):
  exchange (split only): fakes G -> D, B w f bytes per exchange, 2 exchanges alternating, 1
      simultaneous; input gradients D -> G, B w f bytes once. Every row travels once: G rank
      i sends its B/g rows, D rank j receives its B/d rows.
  allreduce of S bytes over p ranks, bytes sent (= received) per rank, as Open MPI 4.1's tuned
  component was measured to do it at p = 2 and 4:
      ring (S >= 10 kB):                2 (p-1)/p S
      recursive doubling (S < 10 kB):   log2(p) S
  (at p = 3 it does something else: docs/benchmarks.md);
  per step: G's gradient arena (4 x 778,305 B) over G's ranks, D's (4 x 138,817 B) over D's;
  synchronised batch norm (cluster.sync_bn = true): each BN layer's forward allreduces
  (2C+1) doubles, its backward 2C doubles. Alternating: G runs 2 forwards and 1 backward, D 3
  forwards (real, fake, G-step fake) and 3 backwards; simultaneous: G 1 and 1, D 3 and 3 (the
  G-loss pass re-runs D's forward). Plus the stop vote, an allreduce of 2 ints over all ranks.
  Pipelined moves the same bytes as alternating: the same fakes, gradients and allreduces, one
  step apart.
  Discriminator groups (cluster.discriminator_groups = K): D's allreduces run over d/K ranks, and
  every E = swap_every steps each D rank sends its D to the next group's rank and receives one:
  parameters, buffers (BN running mean and variance) and Adam's two moments, 4 (3 |D| + buffers)
  bytes, so 1/E of that per step. The fakes and gradients move as with one D.
"""
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_peer import models_specs, prod, read_config  # noqa: E402

F = 4
SMALL = 10000  # bytes: below this Open MPI's tuned allreduce uses recursive doubling


def net_info(specs):
    """(parameter floats, BN channel counts) of one network from its layer specs (torch_peer.Spec:
    sizes are (h, w) pairs). Residual blocks, conditional layers and spectral norm are not in the
    model: a net with them is refused rather than counted wrong."""
    params, bn = 0, []
    for kind, _, kw, shape_in, shape_out in specs:
        if kind in ('residual', 'cbatchnorm', 'projection') or kw.get('sn'):
            sys.exit(f'comm_model.py: {kind}{" sn=1" if kw.get("sn") else ""} is not in the model')
        kh, kw_ = kw['k']
        bias = shape_out[0] if kw['bias'] else 0
        if kind == 'dense':
            params += prod(shape_in) * shape_out[0] + bias
        elif kind == 'conv2d':
            params += shape_out[0] * shape_in[0] * kh * kw_ + bias
        elif kind == 'deconv2d':
            params += shape_in[0] * shape_out[0] * kh * kw_ + bias
        elif kind == 'batchnorm':
            params += 2 * shape_in[0]
            bn.append(shape_in[0])
    return params, bn


def allreduce_bytes(p, s):
    if p <= 1:
        return 0.0
    if s < SMALL:
        return math.log2(p) * s
    return 2.0 * (p - 1) / p * s


def allreduce_time(p, s, alpha, beta):
    """Seconds for one allreduce of s bytes over p ranks (latency alpha, bytes/s beta): the
    better of recursive doubling, log2(p) (alpha + s/beta), and Rabenseifner (reduce-scatter by
    recursive halving, allgather by recursive doubling: ring's bytes in 2 log2(p) steps),
    2 log2(p) alpha + 2 (p-1)/p s/beta; reduction arithmetic left out."""
    if p <= 1:
        return 0.0
    steps = math.ceil(math.log2(p))
    return min(steps * (alpha + s / beta), 2 * steps * alpha + 2.0 * (p - 1) / p * s / beta)


class Model:
    def __init__(self, cfg):
        g, d = models_specs(cfg)
        self.batch = int(cfg['train']['batch'])
        self.width = prod(d[0][3])
        self.g_params, self.g_bn = net_info(g)
        self.d_params, self.d_bn = net_info(d)

    def allreduces(self, role, simultaneous):
        """The allreduces one rank of `role` makes per step: [(bytes, kind)]."""
        if role == 'G':
            fwd, bwd, bn, params = (1 if simultaneous else 2), 1, self.g_bn, self.g_params
        else:
            fwd, bwd, bn, params = 3, 3, self.d_bn, self.d_params
        out = [(F * params, 'grads')]
        for c in bn:
            out += [(8 * (2 * c + 1), 'bn')] * fwd + [(8 * 2 * c, 'bn')] * bwd
        return out

    def swap_bytes(self, groups, swap_every):
        """A D rank's bytes sent (= received) per step for the discriminator groups' swaps."""
        if groups <= 1 or swap_every <= 0:
            return 0.0
        return F * (3 * self.d_params + 2 * sum(self.d_bn)) / swap_every

    def bytes_per_step(self, layout, g, d, simultaneous, groups=1, swap_every=0):
        """{role: (sent, received)} per rank per step (the largest slice where slices differ)."""
        row = self.width * F
        fakes = 1 if simultaneous else 2
        swap = self.swap_bytes(groups, swap_every)
        out = {}
        if layout == 'colocated':
            p = g
            ar = sum(allreduce_bytes(p, s) for s, _ in self.allreduces('G', simultaneous))
            ar += sum(allreduce_bytes(p // groups, s) for s, _ in self.allreduces('D', simultaneous))
            ar += allreduce_bytes(p, 8) + swap
            out['GD'] = (ar, ar)
            return out
        p = g + d
        vote = allreduce_bytes(p, 8)
        bg, bd = math.ceil(self.batch / g), math.ceil(self.batch / d)
        ar_g = sum(allreduce_bytes(g, s) for s, _ in self.allreduces('G', simultaneous))
        ar_d = sum(allreduce_bytes(d // groups, s) for s, _ in self.allreduces('D', simultaneous)) + swap
        out['G'] = (fakes * bg * row + ar_g + vote, bg * row + ar_g + vote)
        out['D'] = (bd * row + ar_d + vote, fakes * bd * row + ar_d + vote)
        return out


def read_prof(path):
    """[(src, dst, bytes)] of the point-to-point lines (E: the program's own, I: collectives')."""
    out = []
    for line in open(path):
        w = line.split('\t')
        if w[0] in ('E', 'I'):
            out.append((int(w[1]), int(w[2]), int(w[3].split()[0]), w[0]))
    return out


def measured(work, name, s1, s2, p):
    """Per rank: (sent, received or None, sent by collectives or None) per step, from the S1 and
    S2 runs: monitoring files m.RANK.prof, or io.RANK (wchar: sent only)."""
    totals = []
    for steps in (s1, s2):
        d = os.path.join(work, f'{name}-{steps}')
        sent, recv, coll = [0] * p, [0] * p, [0] * p
        prof = os.path.exists(os.path.join(d, 'm.0.prof'))
        for r in range(p):
            if not prof:
                for line in open(os.path.join(d, f'io.{r}')):
                    if line.startswith('wchar:'):
                        sent[r] = int(line.split()[1])
                recv[r] = coll[r] = None
                continue
            for src, dst, b, kind in read_prof(os.path.join(d, f'm.{r}.prof')):
                sent[src] += b
                recv[dst] += b
                if kind == 'I':
                    coll[src] += b
        totals.append((sent, recv, coll))
    k = s2 - s1
    return [tuple(None if totals[0][i][r] is None else (totals[1][i][r] - totals[0][i][r]) / k
                  for i in range(3)) for r in range(p)]


def check(config, work, s1, s2):
    model = Model(read_config(config))
    print('| ranks | layout | schedule | role (rank) | sent: measured / model (kB) | received: measured / '
          'model (kB) | sent by collectives, measured (kB) |')
    print('|---|---|---|---|---|---|---|')
    cases = sorted({e.rsplit('-', 1)[0] for e in os.listdir(work) if e[0].isdigit()},
                   key=lambda c: (int(c.split('-')[0]), c))
    for case in cases:
        p_str, layout, g_str, schedule, k_str = case.split('-')
        p, g, k = int(p_str), int(g_str), int(k_str)
        sim = schedule == 'simultaneous'
        try:
            meas = measured(work, case, s1, s2, p)
        except (OSError, ValueError) as e:
            print(f'| {p} | {layout} | {schedule} | missing: {e} | | | |')
            continue
        pred = model.bytes_per_step(layout, p if layout == 'colocated' else g, p - g, sim, k, 3)
        for r in range(p):
            role = 'GD' if layout == 'colocated' else ('G' if r < g else 'D')
            ps, pr = pred[role]
            ms, mr, mc = meas[r]
            name = f'{role}{"" if layout == "colocated" else f" ({g}G+{p - g}D)"}{f", {k} Ds" if k > 1 else ""} r{r}'
            kb = lambda v: '-' if v is None else f'{v / 1e3:.1f}'  # noqa: E731
            print(f'| {p} | {layout} | {schedule} | {name} | {kb(ms)} / {kb(ps)} ({100 * (ms - ps) / ps:+.1f}%) | '
                  f'{kb(mr)} / {kb(pr)} | {kb(mc)} |')


def step_time(model, layout, nodes, sim, tg, td, alpha, beta, batch, pipelined=False, groups=1, swap_every=1000):
    """(seconds per step, of which communication) for a global batch `batch` on `nodes` ranks,
    one rank per node. tg, td: compute seconds per image of G and D on one rank (they scale
    with the images a rank handles: nash's layers loop over samples). groups: discriminator
    groups (0: one per discriminator rank), swapping every swap_every steps."""
    row = model.width * F

    def ar_time(role, p):
        if role == 'D' and groups != 1:  # each group's D over its own ranks, plus the swaps
            k = groups or p
            swap = model.swap_bytes(k, swap_every) * swap_every
            return (sum(allreduce_time(p // k, s, alpha, beta) for s, _ in model.allreduces(role, sim)) +
                    (alpha + swap / beta) / swap_every)
        return sum(allreduce_time(p, s, alpha, beta) for s, _ in model.allreduces(role, sim))

    vote = allreduce_time(nodes, 8, alpha, beta)
    if layout == 'colocated':
        comm = ar_time('G', nodes) + ar_time('D', nodes) + vote
        return batch / nodes * (tg + td) + comm, comm
    if pipelined:  # the groups work at once: sized so that bg tg = bd td, g ~ tg, d ~ td
        g = max(1, min(nodes - 1, round(nodes * tg / (tg + td))))
    else:  # the groups take turns: g ~ sqrt(tg), d ~ sqrt(td) minimises bg tg + bd td
        g = max(1, min(nodes - 1, round(nodes * math.sqrt(tg) / (math.sqrt(tg) + math.sqrt(td)))))
    d = nodes - g
    bg, bd = math.ceil(batch / g), math.ceil(batch / d)
    fan = math.ceil(max(g, d) / min(g, d)) + 1  # peers one rank exchanges rows with, at most
    exch = fan * alpha + max(bg, bd) * row / beta  # one exchange: the busiest rank's link
    if pipelined:  # G makes the next step's fakes and runs its backward while D trains on these;
        # each group's compute and allreduce run at once, the exchanges are each on the path once,
        # and the stop vote is read a step late (hidden)
        busy = max(bg * tg + ar_time('G', g), bd * td + ar_time('D', d))
        comm = 3 * exch + busy - max(bg * tg, bd * td)
        return busy + 3 * exch, comm
    if not sim:  # every phase waits for the previous one
        comm = 3 * exch + ar_time('G', g) + ar_time('D', d) + vote
        return bg * tg + bd * td + comm, comm
    # simultaneous: G's backward and allreduce overlap D's allreduce and update; G's compute
    # is split by FLOPs into forward (1/3) and backward (2/3)
    g_fwd, g_bwd = bg * tg / 3.0, bg * tg * 2.0 / 3.0
    tail = max(g_bwd + ar_time('G', g), ar_time('D', d))
    comm = 2 * exch + vote + max(0.0, tail - g_bwd)
    return g_fwd + bd * td + g_bwd + comm, comm


def project(config, tg, td, tg_sim, td_sim, nodes):
    model = Model(read_config(config))
    b = model.batch
    nets = [('10 Gbit/s, 10 us', 10e-6, 10e9 / 8), ('100 Gbit/s, 2 us', 2e-6, 100e9 / 8)]
    print('Efficiency = images/s on N nodes / (N x images/s of one rank holding both players).')
    print('weak: batch 64 per node (global 64 N); strong: global batch 64 (1 image per rank at 64).\n')
    print('| nodes | scaling | network | layout | schedule | step (ms) | of which comm (ms) | images/s | '
          'efficiency |')
    print('|---|---|---|---|---|---|---|---|---|')
    for scaling in ('weak', 'strong'):
        for net, alpha, beta in nets:
            for layout in ('split', 'colocated'):
                for schedule in ('alternating', 'simultaneous', 'pipelined'):
                    if layout == 'colocated' and schedule == 'pipelined':
                        continue  # a split schedule
                    sim, pipe = schedule == 'simultaneous', schedule == 'pipelined'
                    g_t, d_t = (tg_sim, td_sim) if sim else (tg, td)  # pipelined: alternating's compute
                    one = b / (b * (g_t + d_t))  # images/s of one rank holding both players
                    for n in sorted({2, nodes}):
                        batch = b * n if scaling == 'weak' else b
                        t, comm = step_time(model, layout, n, sim, g_t, d_t, alpha, beta, batch, pipe)
                        eff = (batch / t) / (n * one)
                        print(f'| {n} | {scaling} | {net} | {layout} | {schedule} | {1e3 * t:.1f} | '
                              f'{1e3 * comm:.1f} | {batch / t:.0f} | {100 * eff:.0f}% |')
                    if not pipe or nodes < 4:
                        continue
                    # several discriminators (MD-GAN): 2 groups, and one D per discriminator rank
                    for groups, what in ((2, '2 Ds'), (0, 'a D per D rank')):
                        batch = b * nodes if scaling == 'weak' else b
                        t, comm = step_time(model, layout, nodes, sim, g_t, d_t, alpha, beta, batch, pipe, groups)
                        eff = (batch / t) / (nodes * one)
                        print(f'| {nodes} | {scaling} | {net} | {layout} | {schedule}, {what} | {1e3 * t:.1f} | '
                              f'{1e3 * comm:.1f} | {batch / t:.0f} | {100 * eff:.0f}% |')


def main():
    a = sys.argv
    if len(a) == 6 and a[1] == 'check':
        check(a[2], a[3], int(a[4]), int(a[5]))
    elif len(a) in (7, 8) and a[1] == 'project':
        project(a[2], *(float(v) for v in a[3:7]), int(a[7]) if len(a) == 8 else 64)
    else:
        sys.exit(__doc__)


if __name__ == '__main__':
    main()
