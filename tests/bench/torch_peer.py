#!/usr/bin/python3
"""torch_peer.py — the PyTorch peer of a nash GAN config (the reference DCGAN of bench_dcgan.sh, the
SNGAN ResNet of bench_sngan.sh), and its FLOP counter (a benchmark, not a test).

    /usr/bin/python3 tests/bench/torch_peer.py CONFIG.ini DATA.h5 [--threads N] [--ddp P] [--bf16]
                                               [--steps S] [--warmup W] [--port PORT]
    /usr/bin/python3 tests/bench/torch_peer.py CONFIG.ini --flops

The generator, the discriminator, the batch, n_critic, the loss, the initialisation and both
optimizers are read from the nash config (`layer = ...` lines, [generator] latent/noise/init,
[discriminator] init, [train] batch/seed/n_critic, [loss] kind/clip, [optim.g]/[optim.d]), so the
peer cannot drift from the config. Layer lines follow src/nn/spec.h and the grammar of residual
networks: `residual` ... [`shortcut` ...] `end` blocks (nesting; y = main(x) + shortcut(x), an
identity shortcut when there is none), `upsample S` (nn.Upsample, nearest), `sumpool` (sum over
H and W), `sn=1` on dense/conv2d/projection (torch.nn.utils.spectral_norm, its defaults: one power
iteration per training forward), `cbatchnorm` (batch norm without affine, then a gain and a bias
per class) and `projection` (linear(h) + <embed(y), h>, Miyato & Koyama 2018). Modules are named
as nash names its tensors (nn.Sequential positions, `i.main.j`, `i.shortcut.j`).

The step is nash's alternating step (docs/distributed.md, src/train/train.c): n_critic D steps,
each on a fresh real batch and fresh fakes (G in training mode without gradients), D on real and
on fake in separate forward passes (so batch norm sees each half alone, as in nash), the D loss,
D's update (wgan: D's parameters clipped to [-clip, clip]); then one G step on new fakes,
backpropagated through D to its input only (D's parameters do not require gradients there), G's
backward and update. Losses on D's raw outputs r (real) and f (fake), batch means:
    nonsat   D: softplus(-r) + softplus(f)     G: softplus(-f)
    minimax  D: as nonsat                      G: -softplus(f)
    wgan     D: f - r                          G: -f
    hinge    D: relu(1 - r) + relu(1 + f)      G: -f
    lsgan    D: (r - 1)^2/2 + f^2/2            G: (f - 1)^2/2
Real batches come from the same HDF5 file as nash's (/images, uint8, scaled to [-1, 1]): each D
step reads B consecutive samples at a random offset with h5py (the whole file is not loaded, so
peak RSS is the model's and the framework's); the time spent reading is the "data wait". A
network with a conditional layer (cbatchnorm, projection) also takes labels: real images keep
theirs (/labels, read into memory once), fakes get labels drawn per sample from the data's class
frequencies, and G and D see the same fake labels. The class count is a layer's classes=K or, when
left out, the data's (its class_names attribute, else the largest label + 1).

--threads N   one process, torch.set_num_threads(N) (default 1)
--ddp P       P processes (torch.multiprocessing, gloo on 127.0.0.1), 1 thread each, the global
              batch split evenly; G and D each wrapped in DistributedDataParallel (gradients
              averaged). Batch norm is per process (SyncBatchNorm is CUDA-only): cheaper than
              nash's default cluster.sync_bn = true.
--bf16        forward passes and losses under torch.autocast("cpu", dtype=torch.bfloat16)
              (worth it only where the CPU has avx512_bf16 or amx_bf16); backward and Adam as
              autocast leaves them.

Prints one line, `torch mode=... procs=P threads=N steps=S ms_per_step=... images_per_s=...
data_wait_pct=... peak_rss_mb=... torch=VERSION` (peak RSS: the largest ru_maxrss of the
processes; mode threadsN or ddpP, with `-bf16` and a trailing `amp=bf16` under --bf16). A step is
one G step and its n_critic D steps; images/s counts B images per step, as nash's metrics.csv.

--flops prints the useful FLOPs of one training step counted from the layer shapes (multiply-add
= 2 FLOPs). Only the GEMM layers count, per image, with F(l) a layer's forward FLOPs:
    dense 2 in out (on a sequence (T,in): 2 T in out),  conv2d 2 Cout Ho Wo Cin kh kw,
    deconv2d 2 Cin H W Cout kh kw,  projection as a dense C -> 1 (2 C),
wherever they sit (conv2d inside residual blocks, in either branch). upsample, sumpool, pooling,
reshape/flatten, (conditional) batch norm, activations, the residual sums, losses, Adam and the
spectral-norm power iterations (4 R C FLOPs per weight per forward pass, not per image: under
0.01% at batch 64) are left out, under 1% of the FLOPs in the reference DCGAN.
    G_f = sum F(l) over G,  D_f = sum F(l) over D
    backward of a layer: dW costs F(l); dx costs F(l) when the layer's input depends on something
      that needs a gradient — a parameterised layer (dense, conv, deconv, batch norm, cbatchnorm,
      projection) before it on its path from the network's input, or D's input itself in the G
      step. In a chain that is "every layer but the first"; in D's first residual block of the
      SNGAN neither the main branch's first conv nor the shortcut's conv needs dx in the D step.
    alternating:   n_critic (G_f + 2 (D_f + D_bw))    D steps: fresh fakes, D on real and fake
                 + G_f + D_f + D_dx + G_bw           G step: fresh fakes, D to its input only
    simultaneous:  G_f + 2 (D_f + D_bw) + D_dx + G_bw   (printed only for n_critic = 1)
where D_bw = dW of every D layer + dx where needed in the D step, D_dx = dx of every D layer,
G_bw = dW of every G layer + dx where needed (G's input is noise).
"""
import argparse
import collections
import contextlib
import resource
import sys
import time

# A layer line parsed and placed: kind, positional words, keys (sizes as (h, w) pairs; for
# `residual` the branches: kw['main'], kw['shortcut'] (None: identity)), input and output shapes.
Spec = collections.namedtuple('Spec', 'kind pos kw shape_in shape_out')

# The keys each kind takes (src/nn/spec.h); a key outside its kind's set is an error here, so a
# config the peer would misread stops it instead.
KEYS = {
    'dense': {'bias', 'sn'},
    'conv2d': {'k', 's', 'p', 'bias', 'sn'},
    'deconv2d': {'k', 's', 'p', 'op', 'bias'},
    'maxpool2d': {'k', 's', 'p'},
    'avgpool2d': {'k', 's', 'p', 'count_pad'},
    'batchnorm': {'eps', 'momentum'},
    'cbatchnorm': {'eps', 'momentum', 'classes'},
    'projection': {'classes', 'sn'},
    'relu': set(), 'leakyrelu': set(), 'tanh': set(), 'sigmoid': set(),
    'reshape': set(), 'flatten': set(), 'dropout': set(), 'upsample': set(), 'sumpool': set(),
}
PARAMETERISED = ('dense', 'conv2d', 'deconv2d', 'batchnorm', 'cbatchnorm', 'projection')
CONDITIONAL = ('cbatchnorm', 'projection')


def die(msg):
    sys.exit(f'torch_peer.py: {msg}')


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


def prod(t):
    r = 1
    for v in t:
        r *= v
    return r


def pair(text):
    """`4` -> (4, 4), `3x5` -> (3, 5) (height x width)."""
    h, _, w = text.partition('x')
    return int(h), int(w or h)


def parse_line(line):
    words = line.split()
    return words[0], [w for w in words[1:] if '=' not in w], dict(w.split('=', 1) for w in words[1:] if '=' in w)


def one_spec(line, shape):
    """The Spec of one (non-structural) layer line on input `shape`."""
    kind, pos, keys = parse_line(line)
    if kind not in KEYS:
        die(f'layer {kind!r} is not supported by the peer ({line!r})')
    bad = set(keys) - KEYS[kind]
    if bad:
        die(f'key {sorted(bad)[0]}= is not one the peer knows for {kind} ({line!r})')
    k = pair(keys.get('k', '1'))
    s = pair(keys['s']) if 's' in keys else (k if kind in ('maxpool2d', 'avgpool2d') else (1, 1))
    p, op = pair(keys.get('p', '0')), pair(keys.get('op', '0'))
    kw = dict(k=k, s=s, p=p, op=op, bias=keys.get('bias', '1') == '1', sn=keys.get('sn', '0') == '1',
              classes=int(keys.get('classes', 0)), eps=float(keys.get('eps', 1e-5)),
              momentum=float(keys.get('momentum', 0.1)), count_pad=keys.get('count_pad', '1') == '1')

    def image():
        if len(shape) != 3:
            die(f'{kind} takes (C,H,W), got {shape} ({line!r})')
        return shape

    if kind == 'dense':
        new = (int(pos[0]),) if len(shape) == 1 else (shape[0], int(pos[0]))
    elif kind == 'reshape':
        new = tuple(int(v) for v in pos)
        if prod(new) != prod(shape):
            die(f'reshape {new} of {shape} ({line!r})')
    elif kind == 'flatten':
        new = (prod(shape),)
    elif kind in ('conv2d', 'maxpool2d', 'avgpool2d'):
        c, h, w = image()
        new = (int(pos[0]) if kind == 'conv2d' else c, (h + 2 * p[0] - k[0]) // s[0] + 1,
               (w + 2 * p[1] - k[1]) // s[1] + 1)
    elif kind == 'deconv2d':
        c, h, w = image()
        new = (int(pos[0]), (h - 1) * s[0] - 2 * p[0] + k[0] + op[0], (w - 1) * s[1] - 2 * p[1] + k[1] + op[1])
    elif kind == 'upsample':
        c, h, w = image()
        new = (c, int(pos[0]) * h, int(pos[0]) * w)
    elif kind == 'sumpool':
        new = (image()[0],)
    elif kind == 'projection':
        if len(shape) != 1:
            die(f'projection takes features (C), got {shape} ({line!r})')
        new = (1,)
    else:  # batchnorm, cbatchnorm, activations, dropout
        new = shape
    return Spec(kind, pos, kw, shape, new)


def parse_seq(lines, i, shape, depth):
    """Specs from lines[i] up to a `shortcut`/`end` of the enclosing block (or the end of the net):
    (specs, index of the line that stopped it, output shape)."""
    specs = []
    while i < len(lines):
        kind = lines[i].split()[0]
        if kind in ('shortcut', 'end'):
            if not depth:
                die(f'`{kind}` without `residual` (layer line {i + 1})')
            return specs, i, shape
        if kind == 'residual':
            first = i + 1
            main, i, out = parse_seq(lines, first, shape, depth + 1)
            if i >= len(lines):
                die(f'`residual` at layer line {first} has no `end`')
            if not main:
                die(f'`residual` at layer line {first} has an empty main branch')
            shortcut, short_out = None, shape
            if lines[i].split()[0] == 'shortcut':
                shortcut, i, short_out = parse_seq(lines, i + 1, shape, depth + 1)
                if i >= len(lines) or lines[i].split()[0] != 'end':
                    die(f'`residual` at layer line {first}: `shortcut` must be followed by its branch and `end`')
            if out != short_out:
                die(f'`residual` at layer line {first}: main branch gives {out}, shortcut {short_out}')
            specs.append(Spec('residual', [], dict(main=main, shortcut=shortcut), shape, out))
        else:
            specs.append(one_spec(lines[i], shape))
            out = specs[-1].shape_out
        shape = out
        i += 1
    if depth:
        die('a `residual` block has no `end`')
    return specs, i, shape


def layer_specs(lines, shape):
    """The Specs of a network's `layer = ...` lines from its input shape (blocks nested)."""
    return parse_seq(lines, 0, tuple(shape), 0)[0]


def models_specs(cfg):
    latent = int(cfg['generator']['latent'])
    if int(cfg['generator'].get('latent_steps', 0)):
        die('generator.latent_steps (sequence noise) is not supported by the peer')
    g = layer_specs(cfg['generator']['layer'], (latent,))
    d = layer_specs(cfg['discriminator']['layer'], g[-1].shape_out)
    return g, d


def walk(specs):
    """Every non-structural Spec of a net, blocks flattened (main branch, then shortcut)."""
    for s in specs:
        if s.kind == 'residual':
            yield from walk(s.kw['main'])
            yield from walk(s.kw['shortcut'] or [])
        else:
            yield s


def is_conditional(specs):
    return any(s.kind in CONDITIONAL for s in walk(specs))


def layer_flops(spec):
    """Forward FLOPs of one layer for one image (0 for layers without a GEMM)."""
    kind, _, kw, shape_in, shape_out = spec
    kh, kw_ = kw.get('k', (1, 1))
    if kind == 'dense':
        return 2 * prod(shape_in) * shape_out[-1]
    if kind == 'projection':
        return 2 * shape_in[0]
    if kind == 'conv2d':
        return 2 * prod(shape_out) * shape_in[0] * kh * kw_
    if kind == 'deconv2d':
        return 2 * prod(shape_in) * shape_out[0] * kh * kw_
    return 0


def gemm_layers(specs, live):
    """[(forward FLOPs, needs dx)] of the GEMM layers of `specs` in order, and whether the output
    depends on something that needs a gradient; `live`: whether the input does."""
    out = []
    for s in specs:
        if s.kind == 'residual':
            main, live_main = gemm_layers(s.kw['main'], live)
            short, live_short = gemm_layers(s.kw['shortcut'] or [], live)
            out += main + short
            live = live_main or live_short
            continue
        f = layer_flops(s)
        if f:
            out.append((f, live))
        live = live or s.kind in PARAMETERISED
    return out, live


def count_flops(cfg):
    g, d = models_specs(cfg)
    n_critic = int(cfg['train'].get('n_critic', 1))
    gl, dl = gemm_layers(g, False)[0], gemm_layers(d, False)[0]
    g_f, d_f = sum(f for f, _ in gl), sum(f for f, _ in dl)
    g_bw = g_f + sum(f for f, dx in gl if dx)
    d_bw = d_f + sum(f for f, dx in dl if dx)
    d_dx = d_f
    c = dict(g_f=g_f, d_f=d_f, g_bw=g_bw, d_bw=d_bw, d_dx=d_dx,
             alternating=n_critic * (g_f + 2 * (d_f + d_bw)) + g_f + d_f + d_dx + g_bw)
    if n_critic == 1:
        c['simultaneous'] = g_f + 2 * (d_f + d_bw) + d_dx + g_bw
    else:
        c['n_critic'] = n_critic
    c['g_layers'], c['d_layers'] = [f for f, _ in gl], [f for f, _ in dl]
    return c


def torch_modules():
    """The module classes the grammar adds (imported here: --flops and the table need no torch)."""
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    class Seq(nn.Sequential):
        """nn.Sequential whose conditional members (and blocks) also get the labels y."""

        def forward(self, x, y=None):
            for m in self:
                x = m(x, y) if getattr(m, 'conditional', False) else m(x)
            return x

    class Residual(nn.Module):
        conditional = True  # passes the labels down to its branches

        def __init__(self, main, shortcut):
            super().__init__()
            self.main, self.shortcut = main, shortcut

        def forward(self, x, y=None):
            return self.main(x, y) + (self.shortcut(x, y) if self.shortcut is not None else x)

    class SumPool(nn.Module):
        def forward(self, x):
            return torch.sum(x, dim=(2, 3))

    class CondBatchNorm(nn.Module):
        conditional = True

        def __init__(self, c, k, eps, momentum):
            super().__init__()
            self.eps, self.momentum = eps, momentum
            self.weight, self.bias = nn.Parameter(torch.ones(k, c)), nn.Parameter(torch.zeros(k, c))
            self.register_buffer('running_mean', torch.zeros(c))
            self.register_buffer('running_var', torch.ones(c))

        def forward(self, x, y):
            h = F.batch_norm(x, self.running_mean, self.running_var, None, None, self.training, self.momentum,
                             self.eps)
            shape = (x.shape[0], -1) + (1,) * (x.dim() - 2)
            return self.weight[y].view(shape) * h + self.bias[y].view(shape)

    class Projection(nn.Module):
        conditional = True

        def __init__(self, c, k):
            super().__init__()
            self.linear, self.embed = nn.Linear(c, 1), nn.Embedding(k, c)

        def forward(self, h, y):
            return self.linear(h) + (self.embed(y) * h).sum(1, keepdim=True)

    return dict(torch=torch, nn=nn, F=F, Seq=Seq, Residual=Residual, SumPool=SumPool,
                CondBatchNorm=CondBatchNorm, Projection=Projection)


def init_module(m, scheme, nn):
    """nash's initialisers (src/nn/init.c): torch = the modules' own defaults; dcgan N(0, 0.02)
    weights, N(1, 0.02) batch-norm gains; xavier Glorot uniform; kaiming He normal (fan_in, ReLU);
    zero biases except under torch."""
    if isinstance(m, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d, nn.Embedding)):
        if scheme == 'dcgan':
            nn.init.normal_(m.weight, 0.0, 0.02)
        elif scheme == 'xavier':
            nn.init.xavier_uniform_(m.weight)
        elif scheme == 'kaiming':
            nn.init.kaiming_normal_(m.weight, nonlinearity='relu')
        elif scheme != 'torch':
            die(f'init = {scheme}: not one of torch, dcgan, xavier, kaiming')
        if scheme != 'torch' and getattr(m, 'bias', None) is not None:
            nn.init.zeros_(m.bias)
    elif isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)) and scheme == 'dcgan':
        nn.init.normal_(m.weight, 1.0, 0.02)
        nn.init.zeros_(m.bias)


def build_seq(specs, mods, scheme, classes):
    nn = mods['nn']
    sn = nn.utils.spectral_norm

    def leaf(m, spec_sn=False):
        init_module(m, scheme, nn)
        return sn(m) if spec_sn else m

    out = []
    for kind, pos, kw, shape_in, shape_out in specs:
        k = kw.get('classes') or classes
        if kind in CONDITIONAL and not k:
            die(f'{kind} needs classes=K or a data file with labels')
        if kind == 'residual':
            short = kw['shortcut']
            out.append(mods['Residual'](build_seq(kw['main'], mods, scheme, classes),
                                        build_seq(short, mods, scheme, classes) if short else None))
        elif kind == 'dense':
            out.append(leaf(nn.Linear(shape_in[-1], shape_out[-1], bias=kw['bias']), kw['sn']))
        elif kind == 'reshape':
            out.append(nn.Unflatten(1, shape_out))
        elif kind == 'flatten':
            out.append(nn.Flatten())
        elif kind == 'conv2d':
            out.append(leaf(nn.Conv2d(shape_in[0], shape_out[0], kw['k'], kw['s'], kw['p'], bias=kw['bias']),
                            kw['sn']))
        elif kind == 'deconv2d':
            out.append(leaf(nn.ConvTranspose2d(shape_in[0], shape_out[0], kw['k'], kw['s'], kw['p'], kw['op'],
                                               bias=kw['bias'])))
        elif kind == 'maxpool2d':
            out.append(nn.MaxPool2d(kw['k'], kw['s'], kw['p']))
        elif kind == 'avgpool2d':
            out.append(nn.AvgPool2d(kw['k'], kw['s'], kw['p'], count_include_pad=kw['count_pad']))
        elif kind == 'batchnorm':
            bn = nn.BatchNorm2d if len(shape_in) == 3 else nn.BatchNorm1d
            out.append(leaf(bn(shape_in[0], eps=kw['eps'], momentum=kw['momentum'])))
        elif kind == 'cbatchnorm':
            out.append(mods['CondBatchNorm'](shape_in[0], k, kw['eps'], kw['momentum']))
        elif kind == 'projection':
            p = mods['Projection'](shape_in[0], k)
            p.linear, p.embed = leaf(p.linear, kw['sn']), leaf(p.embed, kw['sn'])
            out.append(p)
        elif kind == 'upsample':
            out.append(nn.Upsample(scale_factor=int(pos[0]), mode='nearest'))
        elif kind == 'sumpool':
            out.append(mods['SumPool']())
        elif kind == 'relu':
            out.append(nn.ReLU())
        elif kind == 'leakyrelu':
            out.append(nn.LeakyReLU(float(pos[0]) if pos else 0.01))
        elif kind == 'tanh':
            out.append(nn.Tanh())
        elif kind == 'sigmoid':
            out.append(nn.Sigmoid())
        elif kind == 'dropout':
            out.append(nn.Dropout(float(pos[0])))
    return mods['Seq'](*out)


def build(cfg, role, mods, classes=0):
    g, d = models_specs(cfg)
    return build_seq(g if role == 'generator' else d, mods, cfg[role].get('init', 'dcgan'), classes)


def optimizer(cfg, section, params, torch):
    """[optim.*] with nash's defaults (src/config/config_schema.c) and PyTorch's update rules."""
    o = cfg.get(section, {})
    kind, lr, wd = o.get('kind', 'adam'), float(o.get('lr', 2e-4)), float(o.get('weight_decay', 0))
    if kind == 'adam':
        return torch.optim.Adam(params, lr=lr, betas=(float(o.get('beta1', 0.5)), float(o.get('beta2', 0.999))),
                                eps=float(o.get('eps', 1e-8)), weight_decay=wd)
    if kind == 'sgd':
        return torch.optim.SGD(params, lr=lr, momentum=float(o.get('momentum', 0)), weight_decay=wd)
    if kind == 'rmsprop':
        return torch.optim.RMSprop(params, lr=lr, alpha=float(o.get('alpha', 0.99)), eps=float(o.get('eps', 1e-8)),
                                   momentum=float(o.get('momentum', 0)), weight_decay=wd)
    die(f'[{section}] kind = {kind}: the peer runs adam, sgd and rmsprop')


def losses(kind, F):
    """(D's real half, D's fake half, G's loss) as functions of D's raw outputs (batch means)."""
    sp, relu = F.softplus, F.relu
    d_real = {'nonsat': lambda r: sp(-r).mean(), 'minimax': lambda r: sp(-r).mean(), 'wgan': lambda r: -r.mean(),
              'hinge': lambda r: relu(1 - r).mean(), 'lsgan': lambda r: 0.5 * ((r - 1) ** 2).mean()}
    d_fake = {'nonsat': lambda f: sp(f).mean(), 'minimax': lambda f: sp(f).mean(), 'wgan': lambda f: f.mean(),
              'hinge': lambda f: relu(1 + f).mean(), 'lsgan': lambda f: 0.5 * (f ** 2).mean()}
    g = {'nonsat': lambda f: sp(-f).mean(), 'minimax': lambda f: -sp(f).mean(), 'wgan': lambda f: -f.mean(),
         'hinge': lambda f: -f.mean(), 'lsgan': lambda f: 0.5 * ((f - 1) ** 2).mean()}
    if kind not in g:
        die(f'[loss] kind = {kind}: not one of {", ".join(g)}')
    return d_real[kind], d_fake[kind], g[kind]


def data_classes(f):
    """(class count, labels, class frequencies) of an images file's /labels; (0, None, None) without."""
    import numpy as np
    if 'labels' not in f:
        return 0, None, None
    labels = f['labels'][:].astype(np.int64)
    names = f.attrs.get('class_names')
    k = len(names) if names is not None else int(labels.max()) + 1
    return k, labels, np.bincount(labels, minlength=k).astype(np.float64)


def train(rank, world, args, cfg, result):
    mods = torch_modules()
    torch, nn, F = mods['torch'], mods['nn'], mods['F']
    import h5py
    torch.set_num_threads(args.threads)
    torch.manual_seed(int(cfg['train'].get('seed', 1)) + rank)
    loss_real, loss_fake, loss_gen = losses(cfg.get('loss', {}).get('kind', 'nonsat'), F)
    wgan = cfg.get('loss', {}).get('kind') == 'wgan'
    clip = float(cfg.get('loss', {}).get('clip', 0.01))
    n_critic = int(cfg['train'].get('n_critic', 1))
    if world > 1:
        import torch.distributed as dist
        dist.init_process_group('gloo', init_method=f'tcp://127.0.0.1:{args.port}', rank=rank, world_size=world)
    if int(cfg['train']['batch']) % world:
        die(f'train.batch = {cfg["train"]["batch"]} does not split over {world} processes')
    batch = int(cfg['train']['batch']) // world
    latent = int(cfg['generator']['latent'])
    uniform = cfg['generator'].get('noise', 'gaussian') == 'uniform'
    f = h5py.File(args.data, 'r')
    images = f['images']
    n = images.shape[0]
    g_specs, d_specs = models_specs(cfg)
    if tuple(images.shape[1:]) != g_specs[-1].shape_out:
        die(f'{args.data}: samples are {tuple(images.shape[1:])}, G makes {g_specs[-1].shape_out}')
    conditional = is_conditional(g_specs) or is_conditional(d_specs)
    classes, labels, freq = data_classes(f) if conditional else (0, None, None)
    if conditional and labels is None:
        die(f'{args.data} has no /labels, which the conditional layers need')
    freq = torch.from_numpy(freq) if conditional else None
    g_net, d_net = build(cfg, 'generator', mods, classes), build(cfg, 'discriminator', mods, classes)
    g_cond, d_cond = is_conditional(g_specs), is_conditional(d_specs)
    g_model, d_model = g_net, d_net
    if world > 1:
        # running BN statistics and spectral-norm vectors stay per process (identical weights and
        # u give identical iterations; the running statistics are not used in training)
        g_model = nn.parallel.DistributedDataParallel(g_net, broadcast_buffers=False)
        d_model = nn.parallel.DistributedDataParallel(d_net, broadcast_buffers=False)
    opt_g = optimizer(cfg, 'optim.g', g_net.parameters(), torch)
    opt_d = optimizer(cfg, 'optim.d', d_net.parameters(), torch)
    gen = torch.Generator().manual_seed(1000 + rank)
    amp = (lambda: torch.autocast('cpu', dtype=torch.bfloat16)) if args.bf16 else contextlib.nullcontext

    def noise():
        if uniform:
            return torch.rand(batch, latent, generator=gen).mul_(2.0).sub_(1.0)
        return torch.randn(batch, latent, generator=gen)

    def fake_labels():
        return torch.multinomial(freq, batch, replacement=True, generator=gen) if conditional else None

    def run(net, x, y, cond):
        return net(x, y) if cond else net(x)

    data_wait = 0.0
    t_start = None
    for step in range(args.warmup + args.steps):
        if step == args.warmup:
            if world > 1:
                dist.barrier()
            t_start, data_wait = time.perf_counter(), 0.0
        # n_critic D steps: a fresh real batch and fresh fakes each, D on real and on fake, update
        for _ in range(n_critic):
            t0 = time.perf_counter()
            first = int(torch.randint(0, n - batch, (1,), generator=gen))
            real = torch.from_numpy(images[first:first + batch]).float().div_(127.5).sub_(1.0)
            y_real = torch.from_numpy(labels[first:first + batch]) if conditional else None
            data_wait += time.perf_counter() - t0
            y_fake = fake_labels()
            with torch.no_grad(), amp():
                fake = run(g_net, noise(), y_fake, g_cond)
            opt_d.zero_grad(set_to_none=True)
            with amp():
                loss_d = (loss_real(run(d_model, real, y_real, d_cond).float()) +
                          loss_fake(run(d_model, fake, y_fake, d_cond).float()))
            loss_d.backward()
            opt_d.step()
            if wgan:
                with torch.no_grad():
                    for p in d_net.parameters():
                        p.clamp_(-clip, clip)
        # G step: new fakes, D to its input only, G's backward, update
        for p in d_net.parameters():
            p.requires_grad_(False)
        opt_g.zero_grad(set_to_none=True)
        y_fake = fake_labels()
        with amp():
            loss_g = loss_gen(run(d_net, run(g_model, noise(), y_fake, g_cond), y_fake, d_cond).float())
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
        mode = (f'ddp{world}' if world > 1 else f'threads{args.threads}') + ('-bf16' if args.bf16 else '')
        print(f'torch mode={mode} procs={world} threads={args.threads} steps={args.steps} '
              f'ms_per_step={1e3 * el / args.steps:.2f} '
              f'images_per_s={int(cfg["train"]["batch"]) * args.steps / el:.1f} '
              f'data_wait_pct={100.0 * wait / el:.3f} peak_rss_mb={rss:.1f} torch={torch.__version__}' +
              (' amp=bf16' if args.bf16 else ''), flush=True)


def ddp_worker(rank, world, args, cfg):
    train(rank, world, args, cfg, [])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('config')
    ap.add_argument('data', nargs='?')
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--ddp', type=int, default=1)
    ap.add_argument('--bf16', action='store_true')
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
        print(f'flops_per_step batch={batch} alternating={c["alternating"] * batch}' +
              (f' simultaneous={c["simultaneous"] * batch}' if 'simultaneous' in c else ''))
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
