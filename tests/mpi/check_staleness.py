#!/usr/bin/python3
"""The pipelined schedule's definition, checked on G's parameters (Debian python3-h5py), used by
tests/mpi/test_pipelined.sh. With D frozen and plain SGD, step s of the pipelined schedule is

    theta_s = theta_{s-1} - lr * grad(theta_{s-2}, s)        (theta_{-1} = theta_0)

where grad(theta, s) is G's gradient at parameters theta on step s's noise. Every grad(theta, s)
comes from a separate one-step alternating run resumed with G at theta: grad = (theta - after) / lr.

  check_staleness.py RTOL P1 P2 P3 T0 T0_AT2 A1 A1_AT3 A2
    P1..P3   G after pipelined steps 1..3          T0      G before training (theta_0)
    T0_AT2   theta_0 after an alternating step 2   A1      alternating step 1 (theta_1 = P1)
    A1_AT3   theta_1 after an alternating step 3   A2      alternating steps 1 and 2
Every parameter must satisfy |actual - expected| <= RTOL * (|expected| + max|expected|), and the
alternating step 2 (the gradient at theta_1, not theta_0) must miss step 2's expectation by
more than 100 times that: the check can tell the schedules apart. Exits 1 otherwise."""
import sys

import h5py
import numpy as np

rtol = float(sys.argv[1])
paths = dict(zip(("p1", "p2", "p3", "t0", "t0_at2", "a1", "a1_at3", "a2"), sys.argv[2:]))
files = {k: h5py.File(v, "r") for k, v in paths.items()}
names = [n for n in files["p3"]["generator"] if "running" not in n and "num_batches" not in n]
g = {k: {n: np.asarray(f["generator"][n], dtype=np.float64) for n in names} for k, f in files.items()}


def worst(actual, expected):
    """The largest |actual - expected| / tolerance over every parameter."""
    r = 0.0
    for n in names:
        tol = rtol * (np.abs(expected[n]) + np.abs(expected[n]).max())
        r = max(r, float((np.abs(actual[n] - expected[n]) / tol).max()))
    return r


# step 1: the gradient at theta_0, as in the alternating schedule
step1 = g["a1"]
# step 2: theta_1 - (theta_0 - theta_0 after step 2)
step2 = {n: g["p1"][n] - (g["t0"][n] - g["t0_at2"][n]) for n in names}
# step 3: theta_2 - (theta_1 - theta_1 after step 3)
step3 = {n: g["p2"][n] - (g["a1"][n] - g["a1_at3"][n]) for n in names}
bad = 0
for what, actual, expected in (("step 1", g["p1"], step1), ("step 2", g["p2"], step2), ("step 3", g["p3"], step3)):
    r = worst(actual, expected)
    print(f"{what}: worst {r:.3g} of the tolerance")
    bad += r > 1.0
r = worst(g["a2"], step2)
print(f"alternating step 2 against the pipelined expectation: {r:.3g} of the tolerance (must exceed 100)")
bad += r <= 100.0
sys.exit(1 if bad else 0)
