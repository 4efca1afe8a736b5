#!/usr/bin/env python3
"""Load the generator of a nash checkpoint (or weights file) into PyTorch and sample from it.

    python3 docs/examples/load_generator.py runs/ring8-gan/ckpt/step_00005000.h5 [GROUP] [N]
    python3 docs/examples/load_generator.py runs/fashion/weights.h5 --samples samples.h5
    python3 docs/examples/load_generator.py runs/cond/weights.h5 generator 64 --class 3

GROUP is generator (default) or generator_ema; prints the output shape and value range.
With --samples, a file of `nash sample WEIGHTS -o samples.h5`: runs the group it names on its
latents /z (and its labels /labels, for a conditional generator) and prints the largest
difference from nash's /samples (docs/weights.md, "Reproducing nash's samples in PyTorch").
A conditional generator (cbatchnorm or projection lines, classes=K) takes one label per sample:
without a /labels in --samples, every sample gets --class (default 0). nash_generator is the
code of docs/checkpoint.md, extended to the whole layer grammar: residual blocks (y = main(x) +
shortcut(x), identity without a shortcut; a block at position i owns i.main.j.* and
i.shortcut.j.*), nearest upsampling, global sum pooling, spectral norm (sn=1:
torch.nn.utils.spectral_norm, i.weight_orig, i.weight_u, i.weight_v), conditional batch norm
(de Vries et al. 2017) and the projection head (Miyato & Koyama 2018).
"""
import argparse
import sys

import h5py
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils import spectral_norm


class Reshape(nn.Module):
    def __init__(self, *dims):
        super().__init__()
        self.dims = dims

    def forward(self, x):
        return x.reshape(x.shape[0], *self.dims)


class Sequential(nn.Sequential):
    """nn.Sequential that hands the labels to the layers that take them."""

    takes_labels = True

    def forward(self, x, labels=None):
        for m in self:
            x = m(x, labels) if getattr(m, "takes_labels", False) else m(x)
        return x


class Residual(nn.Module):
    takes_labels = True

    def __init__(self, main, shortcut=None):
        super().__init__()
        self.main = Sequential(*main)
        self.shortcut = Sequential(*shortcut) if shortcut else None  # None: the identity

    def forward(self, x, labels=None):
        return self.main(x, labels) + (x if self.shortcut is None else self.shortcut(x, labels))


class SumPool(nn.Module):
    def forward(self, x):
        return torch.sum(x, dim=(2, 3))


class CondBatchNorm(nn.Module):
    """Batch norm without affine, then a gain and a bias per class: weight[y] * xhat + bias[y]."""

    takes_labels = True

    def __init__(self, C, K, eps=1e-5, momentum=0.1):
        super().__init__()
        self.eps, self.momentum = eps, momentum
        self.weight = nn.Parameter(torch.ones(K, C))
        self.bias = nn.Parameter(torch.zeros(K, C))
        self.register_buffer("running_mean", torch.zeros(C))
        self.register_buffer("running_var", torch.ones(C))

    def forward(self, x, y):
        h = F.batch_norm(x, self.running_mean, self.running_var, None, None, self.training, self.momentum, self.eps)
        shape = (x.shape[0], -1) + (1,) * (x.dim() - 2)
        return self.weight[y].view(shape) * h + self.bias[y].view(shape)


class Projection(nn.Module):
    """The projection discriminator's head on features h (C): linear(h) + <embed(y), h>."""

    takes_labels = True

    def __init__(self, C, K, sn):
        super().__init__()
        self.linear, self.embed = nn.Linear(C, 1), nn.Embedding(K, C)
        if sn:
            self.linear, self.embed = spectral_norm(self.linear), spectral_norm(self.embed)

    def forward(self, h, y):
        return self.linear(h) + (self.embed(y) * h).sum(1, keepdim=True)


def _size(v):  # "4" or "3x5" (height x width)
    h, _, w = v.partition("x")
    return (int(h), int(w or h))


def _tree(lines):
    """The layer lines as a list of word lists and ("residual", main, shortcut or None)."""
    lines = iter(lines)

    def seq(closers):
        items = []
        for words in lines:
            if words[0] in closers:
                return items, words[0]
            if words[0] == "residual":
                main, stop = seq(("shortcut", "end"))
                short = seq(("end",))[0] if stop == "shortcut" else None
                items.append(("residual", main, short))
            else:
                items.append(words)
        if closers:
            raise ValueError(f"a residual block without {' or '.join(closers)}")
        return items, None

    return seq(())[0]


def _layer(words, x):
    """One module for one layer line, given an input x (N, ...) of the right shape."""
    kind, pos = words[0], [w for w in words[1:] if "=" not in w]
    kw = dict(w.split("=", 1) for w in words[1:] if "=" in w)
    bias = kw.get("bias", "1") != "0"
    sn = kw.get("sn", "0") != "0"
    K = int(kw.get("classes", "0"))
    if kind in ("cbatchnorm", "projection") and K <= 0:
        raise ValueError(f"{' '.join(words)!r}: the class count is not in the line (classes=K)")
    if kind == "dense":
        m = nn.Linear(x.shape[-1], int(pos[0]), bias=bias)
    elif kind in ("conv2d", "deconv2d"):
        args = (x.shape[1], int(pos[0]), _size(kw["k"]), _size(kw.get("s", "1")), _size(kw.get("p", "0")))
        if kind == "conv2d":
            m = nn.Conv2d(*args, bias=bias)
        else:
            m = nn.ConvTranspose2d(*args, _size(kw.get("op", "0")), bias=bias)
    elif kind in ("maxpool2d", "avgpool2d"):
        args = (_size(kw["k"]), _size(kw.get("s", kw["k"])), _size(kw.get("p", "0")))
        if kind == "maxpool2d":
            m = nn.MaxPool2d(*args)
        else:
            m = nn.AvgPool2d(*args, count_include_pad=kw.get("count_pad", "1") != "0")
    elif kind == "batchnorm":
        norm = nn.BatchNorm2d if x.dim() == 4 else nn.BatchNorm1d
        m = norm(x.shape[1], eps=float(kw.get("eps", 1e-5)), momentum=float(kw.get("momentum", 0.1)))
    elif kind == "cbatchnorm":
        m = CondBatchNorm(x.shape[1], K, float(kw.get("eps", 1e-5)), float(kw.get("momentum", 0.1)))
    elif kind == "projection":
        m = Projection(x.shape[1], K, sn)
    elif kind == "upsample":
        m = nn.Upsample(scale_factor=int(pos[0]), mode="nearest")
    elif kind == "sumpool":
        m = SumPool()
    elif kind == "leakyrelu":
        m = nn.LeakyReLU(float(pos[0]) if pos else 0.01)
    elif kind == "reshape":
        m = Reshape(*(int(d) for d in pos))
    elif kind == "dropout":
        m = nn.Dropout(float(pos[0]))
    elif kind in ("relu", "tanh", "sigmoid", "flatten"):
        m = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "flatten": nn.Flatten}[kind]()
    else:
        raise ValueError(f"layer {kind!r} is not supported by this example")
    if sn and kind in ("dense", "conv2d"):
        m = spectral_norm(m)  # n_power_iterations=1, eps=1e-12, dim=0, as nash's sn=1
    return m, K


def _modules(tree, x, labels):
    """The modules of a sequence of the tree, its output for x, and the largest classes=K seen."""
    mods, classes = [], 0
    for item in tree:
        if isinstance(item, tuple):
            main, _, k_main = _modules(item[1], x, labels)
            short, _, k_short = _modules(item[2], x, labels) if item[2] else (None, None, 0)
            m, k = Residual(main, short), max(k_main, k_short)
        else:
            m, k = _layer(item, x)
        classes = max(classes, k)
        x = m.eval()(x, labels) if getattr(m, "takes_labels", False) else m.eval()(x)
        mods.append(m)
    return mods, x, classes


def build(layers, input_shape):
    """A Sequential (eval mode) from nash's layer lines ('\\n'-separated), for one sample of
    input_shape; its .classes is K for a conditional network (it takes labels), else 0."""
    lines = [w for w in (line.split("#")[0].split() for line in layers.splitlines()) if w]
    x = torch.zeros(2, *input_shape)  # traced through the layers to find each one's input size
    with torch.no_grad():
        mods, _, classes = _modules(_tree(lines), x, torch.zeros(2, dtype=torch.int64))
    model = Sequential(*mods)
    model.classes = classes
    return model.eval()


def nash_generator(path, group="generator"):
    """The Sequential (eval mode) of one group's `layers` and tensors, and its input shape."""
    with h5py.File(path, "r") as f:
        g = f[group]
        layers = g.attrs["layers"]
        input_shape = [int(d) for d in g.attrs["input_shape"]]
        state = {k: torch.from_numpy(v[()]) for k, v in g.items() if isinstance(v, h5py.Dataset)}
    try:
        model = build(layers, input_shape)
    except (ValueError, KeyError, IndexError) as e:
        raise SystemExit(f"{path}: /{group}: {e}")
    missing, unexpected = model.load_state_dict(state, strict=False)
    # nash keeps no num_batches_tracked (it only matters for momentum=None)
    assert not unexpected and all(k.endswith("num_batches_tracked") for k in missing), (missing, unexpected)
    return model.eval(), input_shape


def class_labels(G, n, label, where):
    """n labels, all `label` (None: 0), for a conditional G; None for an unconditional one."""
    if not G.classes:
        if label is not None:
            raise SystemExit(f"{where}: --class {label}: the generator has no conditional layer")
        return None
    label = label or 0
    if not 0 <= label < G.classes:
        raise SystemExit(f"{where}: --class {label}: the generator has classes 0 to {G.classes - 1}")
    return torch.full((n,), label, dtype=torch.int64)


def reproduce(weights_path, samples_path, label=None):
    """PyTorch's samples from the latents (and labels) of a nash samples file, and nash's:
    (ours, nash's, attrs)."""
    with h5py.File(samples_path, "r") as f:
        z = torch.from_numpy(f["z"][()])  # float32 (N, latent), the latents nash used
        theirs = torch.from_numpy(f["samples"][()])  # float32 (N, *output_shape)
        labels = torch.from_numpy(f["labels"][()]).long() if "labels" in f else None  # int32 (N)
        attrs = {k: f.attrs[k] for k in ("group", "mode")}
    G, _ = nash_generator(weights_path, attrs["group"])
    attrs["labels"] = "/labels" if G.classes and labels is not None else None
    if not G.classes or labels is None:
        labels = class_labels(G, z.shape[0], label, f"{weights_path}: /{attrs['group']}")
        attrs["labels"] = f"class {label or 0}" if labels is not None else None
    if attrs["mode"] == "train":  # nash sample --train-mode: the batch statistics of all N at once
        G.train()
    with torch.no_grad():
        ours = G(z, labels)
    return ours, theirs, attrs


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("path", help="a nash weights file or checkpoint")
    ap.add_argument("group", nargs="?", default="generator", help="generator (default) or generator_ema")
    ap.add_argument("n", nargs="?", type=int, default=1000, help="samples to draw (default 1000)")
    ap.add_argument("--samples", metavar="FILE", help="a samples file of nash sample -o FILE.h5: rerun its /z")
    ap.add_argument("--class", dest="label", type=int,
                    help="the class of every sample of a conditional generator (default 0)")
    args = ap.parse_args()
    if args.samples:
        ours, theirs, attrs = reproduce(args.path, args.samples, args.label)
        diff = (ours - theirs).abs().max().item()
        given = f" and {attrs['labels']}" if attrs["labels"] else ""
        print(f"{args.samples}: /{attrs['group']} on /z{given}, {attrs['mode']} mode, {ours.shape[0]} samples: "
              f"max abs difference from nash's /samples {diff:.3g}")
        return 0
    G, input_shape = nash_generator(args.path, args.group)
    labels = class_labels(G, args.n, args.label, f"{args.path}: /{args.group}")
    with torch.no_grad():
        out = G(torch.randn(args.n, *input_shape), labels)  # noise = uniform: torch.rand(...) * 2 - 1
    cls = f", class {args.label or 0}" if labels is not None else ""
    print(f"{args.path}: /{args.group}{cls} output shape {tuple(out.shape)}, "
          f"values in [{out.min():.4f}, {out.max():.4f}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
