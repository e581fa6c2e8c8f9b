#!/usr/bin/env python3
"""Do the training snapshots of a population determine its left-out snapshot?

Leave-one-time-out asks a method for the law at a time it never saw. If two processes agree at every
training time but differ at the left-out one, no method can be close to both, so the score a method
reaches there measures how well its prior matches the truth, not how well it fits data. This script
builds such a second process by *re-timing* the known one and bounds what any method can guarantee.

The re-timed process Y_t = X_{tau(t)}, tau smooth and increasing, tau = identity at every training
time, tau(t_left) = t_left + delta, has the same law as X at every training time (it is the same
diffusion run at speed tau'), and X's law at t_left + delta at the left-out time. `--block k` re-times
only coordinates k.. (0-based): the branching population's x1 moves independently of the rest, so
re-timing x2..xD alone keeps x1's constant speed and still matches every training snapshot.

For any estimate mu, W1(mu, X) + W1(mu, Y) >= W1(X, Y) at the left-out time, so one of the two is at
least half of it; W1(X, Y) is bounded below by the W1 of 1-D projections (a projection is
1-Lipschitz), computed exactly from sorted samples. The result is compared with the noise floor of
the leave-one-out score (W1 between two independent `--points` samples of the true law, exact
assignment, mean of up to 4 disjoint pairs), and with the mean a cubic through the training snapshots' means would give (the
best a spline-like prior can do with the mean path).

    nclhost call DynamicalOT population_csv runs/rot41.csv rotating 2 41 20000 7   # spacing 0.025
    python3 identifiability.py runs/rot41.csv --train 0,0.25,0.75,1 --left-out 0.5
    python3 identifiability.py runs/br41.csv --train 0,0.25,0.75,1 --left-out 0.5 --block 1

Needs numpy and scipy.
"""
import argparse
import csv

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.spatial.distance import cdist


def read_snapshots(path):
    """{time: [n, D] array} from rows time,x1..xD (a header line is skipped)."""
    rows = {}
    with open(path) as f:
        for line in csv.reader(f):
            try:
                values = [float(v) for v in line]
            except ValueError:
                continue  # header
            rows.setdefault(round(values[0], 9), []).append(values[1:])
    return {t: np.asarray(rows[t]) for t in sorted(rows)}


def snapshot_at(snapshots, t):
    nearest = min(snapshots, key=lambda s: abs(s - t))
    if abs(nearest - t) > 1e-6:
        raise SystemExit(f"no snapshot at t = {t} (nearest {nearest}): write the CSV with a finer time grid")
    return snapshots[nearest]


def projected_w1(a, b, direction):
    """W1 of the 1-D projections onto a unit direction (equal sizes: sorted samples matched)."""
    n = min(len(a), len(b))
    pa, pb = np.sort(a[:n] @ direction), np.sort(b[:n] @ direction)
    return float(np.mean(np.abs(pa - pb)))


def w1_lower_bound(a, b):
    """max over the coordinate axes and the mean difference of the projected W1s."""
    d = a.shape[1]
    directions = list(np.eye(d))
    gap = b.mean(0) - a.mean(0)
    if np.linalg.norm(gap) > 0:
        directions.append(gap / np.linalg.norm(gap))
    return max(projected_w1(a, b, e) for e in directions)


def exact_w1(a, b):
    cost = cdist(a, b)
    rows, cols = linear_sum_assignment(cost)
    return float(cost[rows, cols].mean())


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("csv", help="snapshots on a fine time grid: rows time,x1..xD")
    parser.add_argument("--train", required=True, help="the training times, comma-separated")
    parser.add_argument("--left-out", type=float, required=True)
    parser.add_argument("--block", type=int, default=0, help="re-time only coordinates BLOCK.. (0-based; 0: all)")
    parser.add_argument("--deltas", default="0.025,0.05,0.075", help="time shifts tau(t_left) - t_left to try")
    parser.add_argument("--points", type=int, default=2000, help="points per side of the leave-one-out score")
    args = parser.parse_args()

    snapshots = read_snapshots(args.csv)
    train = sorted(float(t) for t in args.train.split(","))
    t0 = args.left_out
    before = max(t for t in train if t < t0)
    after = min(t for t in train if t > t0)
    truth = snapshot_at(snapshots, t0)
    m = args.points
    pairs = min(4, len(truth) // (2 * m))
    if pairs == 0:
        raise SystemExit(f"the left-out snapshot has {len(truth)} points: the floor needs at least {2 * m}")
    floor = np.mean([exact_w1(truth[2 * i * m:(2 * i + 1) * m], truth[(2 * i + 1) * m:(2 * i + 2) * m]) for i in range(pairs)])
    print(f"left-out time {t0}, neighbours {before} / {after}; noise floor (two {m}-point samples, mean of {pairs}) {floor:.4f}")

    means = np.array([snapshot_at(snapshots, t).mean(0) for t in train])
    cubic = np.array([np.polyval(np.polyfit(train, means[:, k], len(train) - 1), t0) for k in range(means.shape[1])])
    spline_gap = float(np.linalg.norm(cubic - truth.mean(0)))
    print(f"polynomial through the {len(train)} training means, at the left-out time: {spline_gap:.4f} from the true mean"
          f" ({spline_gap / floor:.1f}x the floor)")

    print("delta   speed before/after   W1(X, Y) >=   one of the two >=   x floor")
    for delta in (float(s) for s in args.deltas.split(",")):
        shifted = snapshot_at(snapshots, t0 + delta)
        alternative = np.concatenate([truth[:, :args.block], shifted[:, args.block:]], axis=1)
        bound = w1_lower_bound(truth, alternative)
        speed_before = (t0 + delta - before) / (t0 - before)
        speed_after = (after - t0 - delta) / (after - t0)
        print(f"{delta:<7} {speed_before:.2f} / {speed_after:.2f}          {bound:.4f}        {bound / 2:.4f}"
              f"              {bound / 2 / floor:.1f}")


if __name__ == "__main__":
    main()
