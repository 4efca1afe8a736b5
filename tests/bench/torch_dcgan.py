#!/usr/bin/python3
"""torch_dcgan.py — the PyTorch peer of nash's reference workload, and its FLOP counter (a
benchmark, not a test; bench_dcgan.sh runs it).

    /usr/bin/python3 tests/bench/torch_dcgan.py CONFIG.ini DATA.h5 [--threads N] [--ddp P]
                                                [--steps S] [--warmup W]
    /usr/bin/python3 tests/bench/torch_dcgan.py CONFIG.ini --flops

The generator, the discriminator, the batch, the loss and both Adam optimizers are read from the
nash config (`layer = ...` lines, [train] batch, [loss] kind, [optim.g]/[optim.d]), so the peer
cannot drift from configs/fashion-dcgan.ini. The step is nash's alternating step with
n_critic = 1 (docs/distributed.md): D on real and on fresh fakes (separate forward passes, so
batch norm sees each half alone, as in nash), then the G step on new fakes, backpropagated
through D to its input only (D's parameters do not require gradients there), then G's backward.
Real batches come from the same HDF5 file as nash's (/images, uint8, scaled to [-1, 1]): each
step reads B consecutive samples at a random offset with h5py (the whole file is not loaded, so
peak RSS is the model's and the framework's); the time spent reading is the "data wait".

--threads N   one process, torch.set_num_threads(N) (default 1)
--ddp P       P processes (torch.multiprocessing, gloo on 127.0.0.1), 1 thread each, the global
              batch split evenly; G and D each wrapped in DistributedDataParallel (gradients
              averaged). Batch norm is per process (SyncBatchNorm is CUDA-only): cheaper than
              nash's default cluster.sync_bn = true.

Prints one line, `torch mode=... procs=P threads=N steps=S ms_per_step=... images_per_s=...
data_wait_pct=... peak_rss_mb=...` (peak RSS: the largest ru_maxrss of the processes).

--flops prints the useful FLOPs of one training step counted from the layer shapes (multiply-add
= 2 FLOPs; only dense, conv2d and deconv2d layers; batch norm, activations, losses and Adam are
left out, under 1% here). Per image, with F(l) a layer's forward FLOPs:
    G_f = sum F(l) over G,  D_f = sum F(l) over D
    backward of a layer: dW costs F(l), dx costs F(l); a network's first layer needs no dx
      (G's input is noise; D's input needs dx only when G is training)
    alternating:   G_f + 2 (D_f + D_bw)              D step: fresh fakes, D on real and fake
                 + G_f + D_f + D_dx + G_bw          G step: fresh fakes, D to its input only
    simultaneous:  G_f + 2 (D_f + D_bw) + D_dx + G_bw
where D_bw = dW of every D layer + dx of all but the first, D_dx = dx of every D layer,
G_bw = dW of every G layer + dx of all but the first.
"""
import argparse
import os
import re
import resource
import sys
import time


def read_config(path):
    """The nash INI: sections of `key = value`, `layer` repeated; comments with # or ;."""
    sections, current = {}, None
    with open(path) as f:
        for raw in f:
            line = raw.split('#', 1)[0].split(';', 1)[0].strip()
            if not line:
                continue
            if line.startswith('['):
                current = line.strip('[]').strip()
                sections.setdefault(current, {'layer': []})
                continue
            key, value = (s.strip() for s in line.split('=', 1))
            if key == 'layer':
                sections[current]['layer'].append(value)
            else:
                sections[current][key] = value
    return sections


def layer_specs(lines, shape):
    """(kind, args, in_shape, out_shape) for each `layer = ...` line, from the input shape."""
    out = []
    for line in lines:
        words = line.split()
        kind, pos = words[0], [w for w in words[1:] if '=' not in w]
        kw = dict(w.split('=') for w in words[1:] if '=' in w)
        k, s, p = int(kw.get('k', 1)), int(kw.get('s', 1)), int(kw.get('p', 0))
        if kind == 'dense':
            new = (int(pos[0]),)
        elif kind == 'reshape':
            new = tuple(int(v) for v in pos)
        elif kind == 'flatten':
            new = (prod(shape),)
        elif kind == 'conv2d':
            c, h, w = shape
            new = (int(pos[0]), (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1)
        elif kind == 'deconv2d':
            c, h, w = shape
            new = (int(pos[0]), (h - 1) * s - 2 * p + k, (w - 1) * s - 2 * p + k)
        elif kind in ('batchnorm', 'relu', 'leakyrelu', 'tanh', 'sigmoid'):
            new = shape
        else:
            sys.exit(f'torch_dcgan.py: layer {kind!r} is not supported by the peer')
        out.append((kind, pos, dict(k=k, s=s, p=p), shape, new))
        shape = new
    return out


def prod(t):
    r = 1
    for v in t:
        r *= v
    return r


def layer_flops(spec):
    """Forward FLOPs of one layer for one image (0 for layers without a GEMM)."""
    kind, _, kw, shape_in, shape_out = spec
    k = kw['k']
    if kind == 'dense':
        return 2 * prod(shape_in) * shape_out[0]
    if kind == 'conv2d':
        return 2 * shape_out[0] * shape_out[1] * shape_out[2] * shape_in[0] * k * k
    if kind == 'deconv2d':
        return 2 * shape_in[0] * shape_in[1] * shape_in[2] * shape_out[0] * k * k
    return 0


def models_specs(cfg):
    latent = int(cfg['generator']['latent'])
    g = layer_specs(cfg['generator']['layer'], (latent,))
    d = layer_specs(cfg['discriminator']['layer'], g[-1][4])
    return g, d


def count_flops(cfg):
    g, d = models_specs(cfg)
    gf = [layer_flops(s) for s in g if layer_flops(s)]
    df = [layer_flops(s) for s in d if layer_flops(s)]
    g_f, d_f = sum(gf), sum(df)
    g_bw = sum(gf) + sum(gf[1:])
    d_bw = sum(df) + sum(df[1:])
    d_dx = sum(df)
    alt = g_f + 2 * (d_f + d_bw) + g_f + d_f + d_dx + g_bw
    sim = g_f + 2 * (d_f + d_bw) + d_dx + g_bw
    return dict(g_f=g_f, d_f=d_f, g_bw=g_bw, d_bw=d_bw, d_dx=d_dx, alternating=alt, simultaneous=sim,
                g_layers=gf, d_layers=df)


def build(cfg, role, torch, nn):
    g, d = models_specs(cfg)
    mods = []
    for kind, pos, kw, shape_in, shape_out in (g if role == 'generator' else d):
        if kind == 'dense':
            mods.append(nn.Linear(prod(shape_in), shape_out[0]))
        elif kind == 'reshape':
            mods.append(nn.Unflatten(1, shape_out))
        elif kind == 'flatten':
            mods.append(nn.Flatten())
        elif kind == 'conv2d':
            mods.append(nn.Conv2d(shape_in[0], shape_out[0], kw['k'], kw['s'], kw['p']))
        elif kind == 'deconv2d':
            mods.append(nn.ConvTranspose2d(shape_in[0], shape_out[0], kw['k'], kw['s'], kw['p']))
        elif kind == 'batchnorm':
            mods.append(nn.BatchNorm2d(shape_in[0]) if len(shape_in) == 3 else nn.BatchNorm1d(shape_in[0]))
        elif kind == 'relu':
            mods.append(nn.ReLU())
        elif kind == 'leakyrelu':
            mods.append(nn.LeakyReLU(float(pos[0]) if pos else 0.01))
        elif kind == 'tanh':
            mods.append(nn.Tanh())
        elif kind == 'sigmoid':
            mods.append(nn.Sigmoid())
    net = nn.Sequential(*mods)
    for m in net.modules():  # DCGAN init (Radford et al.): N(0, 0.02) weights, BN gamma N(1, 0.02)
        if isinstance(m, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.normal_(m.weight, 0.0, 0.02)
            nn.init.zeros_(m.bias)
        elif isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)
    return net


def adam(cfg, section, params, torch):
    o = cfg[section]
    if o.get('kind', 'adam') != 'adam':
        sys.exit(f'torch_dcgan.py: [{section}] kind = {o["kind"]}: the peer runs Adam only')
    return torch.optim.Adam(params, lr=float(o['lr']), betas=(float(o['beta1']), float(o['beta2'])))


def train(rank, world, args, cfg, result):
    import torch
    import torch.nn as nn
    import h5py
    torch.set_num_threads(args.threads)
    torch.manual_seed(int(cfg['train'].get('seed', 1)) + rank)
    if cfg['loss'].get('kind', 'nonsat') != 'nonsat':
        sys.exit('torch_dcgan.py: the peer runs the non-saturating loss only ([loss] kind = nonsat)')
    if world > 1:
        import torch.distributed as dist
        dist.init_process_group('gloo', init_method=f'tcp://127.0.0.1:{args.port}', rank=rank, world_size=world)
    batch = int(cfg['train']['batch']) // world
    latent = int(cfg['generator']['latent'])
    g_net, d_net = build(cfg, 'generator', torch, nn), build(cfg, 'discriminator', torch, nn)
    g_model, d_model = g_net, d_net
    if world > 1:
        # running BN statistics stay per process (they are not used in training)
        g_model = nn.parallel.DistributedDataParallel(g_net, broadcast_buffers=False)
        d_model = nn.parallel.DistributedDataParallel(d_net, broadcast_buffers=False)
    opt_g = adam(cfg, 'optim.g', g_net.parameters(), torch)
    opt_d = adam(cfg, 'optim.d', d_net.parameters(), torch)
    bce = nn.BCEWithLogitsLoss()
    f = h5py.File(args.data, 'r')
    images = f['images']
    n = images.shape[0]
    gen = torch.Generator().manual_seed(1000 + rank)
    ones, zeros = torch.ones(batch, 1), torch.zeros(batch, 1)
    data_wait = 0.0
    t_start = None
    for step in range(args.warmup + args.steps):
        if step == args.warmup:
            if world > 1:
                dist.barrier()
            t_start, data_wait = time.perf_counter(), 0.0
        t0 = time.perf_counter()
        first = int(torch.randint(0, n - batch, (1,), generator=gen))
        real = torch.from_numpy(images[first:first + batch]).float().div_(127.5).sub_(1.0)
        data_wait += time.perf_counter() - t0
        # D step: fresh fakes, D on real and on fake, Adam
        with torch.no_grad():
            fake = g_net(torch.randn(batch, latent, generator=gen))
        opt_d.zero_grad(set_to_none=True)
        loss_d = bce(d_model(real), ones) + bce(d_model(fake), zeros)
        loss_d.backward()
        opt_d.step()
        # G step: new fakes, D to its input only, G's backward, Adam
        for p in d_net.parameters():
            p.requires_grad_(False)
        opt_g.zero_grad(set_to_none=True)
        loss_g = bce(d_net(g_model(torch.randn(batch, latent, generator=gen))), ones)
        loss_g.backward()
        opt_g.step()
        for p in d_net.parameters():
            p.requires_grad_(True)
    if world > 1:
        dist.barrier()
    elapsed = time.perf_counter() - t_start
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    stats = torch.tensor([elapsed, data_wait, rss_mb], dtype=torch.float64)
    if world > 1:
        gathered = [torch.zeros(3, dtype=torch.float64) for _ in range(world)]
        dist.all_gather(gathered, stats)
        dist.destroy_process_group()
    else:
        gathered = [stats]
    if rank == 0:
        el = max(float(s[0]) for s in gathered)
        wait = sum(float(s[1]) for s in gathered) / world
        rss = max(float(s[2]) for s in gathered)
        result.append((el, wait, rss))
        mode = f'ddp{world}' if world > 1 else f'threads{args.threads}'
        print(f'torch mode={mode} procs={world} threads={args.threads} steps={args.steps} '
              f'ms_per_step={1e3 * el / args.steps:.2f} '
              f'images_per_s={int(cfg["train"]["batch"]) * args.steps / el:.1f} '
              f'data_wait_pct={100.0 * wait / el:.3f} peak_rss_mb={rss:.1f} torch={torch.__version__}',
              flush=True)


def ddp_worker(rank, world, args, cfg):
    train(rank, world, args, cfg, [])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('config')
    ap.add_argument('data', nargs='?')
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--ddp', type=int, default=1)
    ap.add_argument('--steps', type=int, default=100)
    ap.add_argument('--warmup', type=int, default=10)
    ap.add_argument('--port', type=int, default=29517)
    ap.add_argument('--flops', action='store_true')
    args = ap.parse_args()
    cfg = read_config(args.config)
    if args.flops:
        c = count_flops(cfg)
        batch = int(cfg['train']['batch'])
        print('flops_per_image ' + ' '.join(f'{k}={v}' for k, v in c.items() if not k.endswith('layers')))
        print(f'flops_per_step batch={batch} alternating={c["alternating"] * batch} '
              f'simultaneous={c["simultaneous"] * batch}')
        print('g_layer_fwd ' + ' '.join(map(str, c['g_layers'])) + ' | d_layer_fwd ' +
              ' '.join(map(str, c['d_layers'])))
        return
    if not args.data:
        ap.error('DATA.h5 is needed unless --flops')
    if args.ddp > 1:
        import torch.multiprocessing as mp
        args.threads = 1
        mp.spawn(ddp_worker, args=(args.ddp, args, cfg), nprocs=args.ddp, join=True)
    else:
        train(0, 1, args, cfg, [])


if __name__ == '__main__':
    main()
