#!/usr/bin/python3
"""Compare nash weights files (Debian python3-h5py), used by the MPI tests.

  compare_weights.py [--groups G1,G2,...] A.h5 B.h5 RTOL ATOL
      every dataset of /generator and /discriminator (or of the groups named) agrees:
      |a - b| <= ATOL + RTOL*|b|
  compare_weights.py --grad GROUP P0.h5 LR A.h5 B.h5 RTOL ATOL [ULPS]
      the first-step gradients g = (p0 - p1) / LR of GROUP (generator or discriminator) in two
      one-step plain-SGD runs agree (P0.h5: the same run with an lr so small that p1 = p0); the
      reference gradient must not be all zero. With ULPS, each tensor's absolute tolerance is
      max(ATOL, ULPS * u * max|b|), u = 2^-24 the float32 unit roundoff: a sum computed in another
      order differs by a multiple of u times the size of what it adds up, and a tensor's largest
      element stands for that size (tests/mpi/test_equivalence.sh measures the multiple)
Prints the worst element per group; exits 1 on any disagreement or missing dataset."""
import sys

import h5py
import numpy as np

args = sys.argv[1:]
p0 = lr = None
groups = ("generator", "discriminator")
if args[0] == "--groups":
    groups, args = tuple(args[1].split(",")), args[2:]
if args[0] == "--grad":
    groups, p0, lr, args = (args[1],), h5py.File(args[2], "r"), float(args[3]), args[4:]
a_path, b_path, rtol, atol = args[0], args[1], float(args[2]), float(args[3])
ulps = float(args[4]) if len(args) > 4 else 0.0
U = 2.0**-24


def values(f, group, name):
    x = np.asarray(f[group][name], dtype=np.float64)
    if p0 is not None:
        x = (np.asarray(p0[group][name], dtype=np.float64) - x) / lr
    return x


bad = 0
with h5py.File(a_path, "r") as a, h5py.File(b_path, "r") as b:
    for group in groups:
        worst, largest = (0.0, ""), 0.0
        for name in b[group]:
            if p0 is not None and ("running" in name):
                continue  # buffers are not gradients
            if name not in a[group]:
                print(f"{group}/{name}: missing in {a_path}")
                bad += 1
                continue
            x, y = values(a, group, name), values(b, group, name)
            if x.shape != y.shape:
                print(f"{group}/{name}: shape {x.shape} vs {y.shape}")
                bad += 1
                continue
            largest = max(largest, float(np.abs(y).max()))
            tensor_atol = max(atol, ulps * U * float(np.abs(y).max()))
            ratio = np.abs(x - y) / (tensor_atol + rtol * np.abs(y))
            i = int(np.argmax(ratio))
            if ratio.flat[i] > worst[0]:
                worst = (float(ratio.flat[i]), f"{name}[{i}] {x.flat[i]:.9g} vs {y.flat[i]:.9g}")
            bad += int(np.sum(ratio > 1.0))
        print(f"{group}: worst {worst[0]:.3g} of the tolerance at {worst[1]}; largest |reference| {largest:.3g}")
        if p0 is not None and largest < 1e-6:
            print(f"{group}: the reference gradient is zero: nothing was compared")
            bad += 1
print(f"{bad} elements outside rtol {rtol} atol {atol}" + (f" or {ulps:g} u of the tensor's largest" if ulps else ""))
sys.exit(1 if bad else 0)
