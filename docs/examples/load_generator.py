#!/usr/bin/env python3
"""Load the generator of a nash checkpoint (or weights file) into PyTorch and sample from it.

    python3 docs/examples/load_generator.py runs/ring8-gan/ckpt/step_00005000.h5 [GROUP] [N]
    python3 docs/examples/load_generator.py runs/fashion/weights.h5 --samples samples.h5

GROUP is generator (default) or generator_ema; prints the output shape and value range.
With --samples, a file of `nash sample WEIGHTS -o samples.h5`: runs the group it names on its
latents /z and prints the largest difference from nash's /samples (docs/weights.md, "Reproducing
nash's samples in PyTorch"). nash_generator is the code of docs/checkpoint.md.
"""
import sys

import h5py
import torch
import torch.nn as nn


class Reshape(nn.Module):
    def __init__(self, *dims):
        super().__init__()
        self.dims = dims

    def forward(self, x):
        return x.reshape(x.shape[0], *self.dims)


def _size(v):  # "4" or "3x5" (height x width)
    h, _, w = v.partition("x")
    return (int(h), int(w or h))


def nash_generator(path, group="generator"):
    """An nn.Sequential (eval mode) from one group's `layers` and tensors, and its input shape."""
    with h5py.File(path, "r") as f:
        g = f[group]
        lines = [line.split("#")[0].split() for line in g.attrs["layers"].splitlines()]
        input_shape = [int(d) for d in g.attrs["input_shape"]]
        state = {k: torch.from_numpy(v[()]) for k, v in g.items()}
    x = torch.zeros(2, *input_shape)  # traced through the layers to find each one's input size
    layers = []
    for words in filter(None, lines):
        kind, pos = words[0], [w for w in words[1:] if "=" not in w]
        kw = dict(w.split("=", 1) for w in words[1:] if "=" in w)
        bias = kw.get("bias", "1") != "0"
        if kind == "dense":
            m = nn.Linear(x.shape[1], int(pos[0]), bias=bias)
        elif kind in ("conv2d", "deconv2d"):
            args = (x.shape[1], int(pos[0]), _size(kw["k"]), _size(kw.get("s", "1")), _size(kw.get("p", "0")))
            if kind == "conv2d":
                m = nn.Conv2d(*args, bias=bias)
            else:
                m = nn.ConvTranspose2d(*args, _size(kw.get("op", "0")), bias=bias)
        elif kind == "batchnorm":
            norm = nn.BatchNorm2d if x.dim() == 4 else nn.BatchNorm1d
            m = norm(x.shape[1], eps=float(kw.get("eps", 1e-5)), momentum=float(kw.get("momentum", 0.1)))
        elif kind == "leakyrelu":
            m = nn.LeakyReLU(float(pos[0]) if pos else 0.01)
        elif kind == "reshape":
            m = Reshape(*(int(d) for d in pos))
        elif kind in ("relu", "tanh", "sigmoid", "flatten"):
            m = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "flatten": nn.Flatten}[kind]()
        else:
            raise ValueError(f"{path}: /{group}: layer {kind!r} is not supported by this example")
        layers.append(m)
        x = m.eval()(x)
    model = nn.Sequential(*layers)
    missing, unexpected = model.load_state_dict(state, strict=False)
    # nash keeps no num_batches_tracked (it only matters for momentum=None)
    assert not unexpected and all(k.endswith("num_batches_tracked") for k in missing), (missing, unexpected)
    return model.eval(), input_shape


def reproduce(weights_path, samples_path):
    """PyTorch's samples from the latents of a nash samples file, and nash's: (ours, nash's, attrs)."""
    with h5py.File(samples_path, "r") as f:
        z = torch.from_numpy(f["z"][()])  # float32 (N, latent), the latents nash used
        theirs = torch.from_numpy(f["samples"][()])  # float32 (N, *output_shape)
        attrs = {k: f.attrs[k] for k in ("group", "mode")}
    G, _ = nash_generator(weights_path, attrs["group"])
    if attrs["mode"] == "train":  # nash sample --train-mode: the batch statistics of all N at once
        G.train()
    with torch.no_grad():
        ours = G(z)
    return ours, theirs, attrs


if __name__ == "__main__":
    path = sys.argv[1]
    if len(sys.argv) == 4 and sys.argv[2] == "--samples":
        ours, theirs, attrs = reproduce(path, sys.argv[3])
        diff = (ours - theirs).abs().max().item()
        print(f"{sys.argv[3]}: /{attrs['group']} on /z, {attrs['mode']} mode, {ours.shape[0]} samples: "
              f"max abs difference from nash's /samples {diff:.3g}")
        sys.exit(0)
    group = sys.argv[2] if len(sys.argv) > 2 else "generator"
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
    G, input_shape = nash_generator(path, group)
    with torch.no_grad():
        out = G(torch.randn(n, *input_shape))  # generator.noise = uniform: torch.rand(...) * 2 - 1
    print(f"{path}: /{group} output shape {tuple(out.shape)}, values in [{out.min():.4f}, {out.max():.4f}]")
