#!/usr/bin/python3
"""d_overfit.py DATA.h5 TRAIN_N CHECKPOINT... — does a discriminator tell its training images from
images it never saw? For each nash checkpoint (or weights file), D's mean output sigmoid(D(x)) on
the first TRAIN_N images of DATA (the ones a run on `nash data ... --n TRAIN_N` trained on) and on
the next TRAIN_N (held out), and the gap between them: 0 when D generalises, growing as D
memorises its training set (Karras et al. 2020, fig. 1, use the same readout). D runs in PyTorch
(docs/examples/load_generator.py builds any group) in training mode, batch statistics over
batches of 64, as nash's D sees its batches. Debian's python3-torch and python3-h5py.

    /usr/bin/python3 tests/long/d_overfit.py data/fashion-mnist32.h5 6000 RUN/ckpt/step_*.h5
"""
import os
import sys

import h5py
import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../docs/examples"))
from load_generator import nash_generator  # noqa: E402


def mean_output(D, x):
    D.train()
    with torch.no_grad():
        out = [torch.sigmoid(D(x[i:i + 64])).flatten() for i in range(0, len(x) - 63, 64)]
    return torch.cat(out).mean().item()


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    data, n, paths = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    torch.set_num_threads(1)
    with h5py.File(data, "r") as f:
        x = torch.from_numpy(f["images"][0:2 * n].astype(np.float32) / 127.5 - 1.0)
    if len(x) < 2 * n:
        sys.exit(f"{data} holds {len(x)} images, fewer than 2 x {n}")
    print("| checkpoint | D(training images) | D(held-out images) | gap |")
    print("|---|---|---|---|")
    for path in paths:
        D, _ = nash_generator(path, "discriminator")
        a, b = mean_output(D, x[:n]), mean_output(D, x[n:])
        print(f"| {path} | {a:.4f} | {b:.4f} | {a - b:+.4f} |")


if __name__ == "__main__":
    main()
