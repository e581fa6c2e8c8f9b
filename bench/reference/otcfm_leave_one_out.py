#!/usr/bin/env python3
"""OT-CFM (torchcfm, exact minibatch OT) on the snapshot CSV DynamicalOT trains on, leave-one-time-out.

For every intermediate snapshot k: train on the other snapshots (consecutive pairs of the remaining
times, real time units), push snapshot k-1 to t_k with the learned ODE (RK4) and score W1 by exact
assignment (POT's network simplex, Euclidean cost) against snapshot k; next to it the noise floor
(snapshot k against the same time of a second file drawn with another seed, if given) and the
discrete-OT displacement interpolation of snapshots k-1 and k+1.

`otcfm` pushes the training points of snapshot k-1, the protocol of the OT-CFM paper; a flow fitted
to those very points carries them toward their matched partners at k+1, so the pushed set averages
two samples' fluctuations and can score below the noise floor (as the discrete-OT interpolation
does). `otcfm_fresh_start` (with --fresh) pushes the fresh file's snapshot k-1 instead, points of
the same law the flow never saw: it scores the learned flow of the law, not of the sample.

    nclhost call DynamicalOT population_csv runs/geo2.csv geodesic 2 5 2000 0
    nclhost call DynamicalOT population_csv runs/geo2-fresh.csv geodesic 2 5 2000 1372516608   # data_seed + 0x51CEF100
    python3 bench/reference/otcfm_leave_one_out.py runs/geo2.csv --fresh runs/geo2-fresh.csv --steps 3000

Needs torch (CPU build), torchcfm and POT (`pip install torchcfm POT`).
"""
import argparse
import csv
import json
import time

import numpy as np
import ot
import torch
from torchcfm.conditional_flow_matching import ExactOptimalTransportConditionalFlowMatcher


def read_snapshots(path):
    """{time: [n, D] array} from rows time,x1..xD (a header line is skipped)."""
    rows = {}
    with open(path) as f:
        for line in csv.reader(f):
            if not line or line[0].startswith("#"):
                continue
            try:
                values = [float(v) for v in line]
            except ValueError:
                continue  # header
            rows.setdefault(values[0], []).append(values[1:])
    return {t: np.asarray(rows[t]) for t in sorted(rows)}


def w1(a, b):
    """W1 between equal-size point sets by exact assignment (first n rows of each)."""
    n = min(len(a), len(b))
    a, b = a[:n], b[:n]
    weights = np.full(n, 1.0 / n)
    return float(ot.emd2(weights, weights, ot.dist(a, b, metric="euclidean"), numItermax=10_000_000))


def displacement_interpolation(a, b, s):
    """(1 - s) a_i + s b_sigma(i) for the exact W2 matching sigma (first n rows of each)."""
    n = min(len(a), len(b))
    a, b = a[:n], b[:n]
    weights = np.full(n, 1.0 / n)
    plan = ot.emd(weights, weights, ot.dist(a, b), numItermax=10_000_000)
    return (1 - s) * a + s * b[plan.argmax(axis=1)]


class VectorField(torch.nn.Module):
    """MLP (x, t) -> v, `layers` hidden layers of `width` SiLU units."""

    def __init__(self, dimension, width=64, layers=3):
        super().__init__()
        sizes = [dimension + 1] + [width] * layers
        modules = []
        for i, o in zip(sizes[:-1], sizes[1:]):
            modules += [torch.nn.Linear(i, o), torch.nn.SiLU()]
        modules.append(torch.nn.Linear(sizes[-1], dimension))
        self.net = torch.nn.Sequential(*modules)

    def forward(self, t, x):
        return self.net(torch.cat([x, t.reshape(-1, 1).expand(x.shape[0], 1)], dim=1))


def train(snapshots, times, args, seed):
    """OT-CFM on the consecutive pairs of `times` (real units: t_a + s (t_b - t_a), u / (t_b - t_a))."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    d = snapshots[times[0]].shape[1]
    model = VectorField(d, args.width, args.layers)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.learning_rate)
    matcher = ExactOptimalTransportConditionalFlowMatcher(sigma=args.sigma)
    data = {t: torch.tensor(snapshots[t], dtype=torch.float32) for t in times}
    for _ in range(args.steps):
        ts, xs, us = [], [], []
        for ta, tb in zip(times[:-1], times[1:]):
            x0 = data[ta][rng.integers(0, len(data[ta]), args.batch)]
            x1 = data[tb][rng.integers(0, len(data[tb]), args.batch)]
            s, xt, ut = matcher.sample_location_and_conditional_flow(x0, x1)
            ts.append(ta + s * (tb - ta))
            xs.append(xt)
            us.append(ut / (tb - ta))
        t, x, u = torch.cat(ts), torch.cat(xs), torch.cat(us)
        loss = ((model(t, x) - u) ** 2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return model


@torch.no_grad()
def push(model, x, t0, t1, steps):
    """RK4 of dx/dt = v(t, x) from t0 to t1."""
    x = torch.tensor(x, dtype=torch.float32)
    h = (t1 - t0) / steps
    for i in range(steps):
        t = torch.tensor(t0 + i * h)
        k1 = model(t, x)
        k2 = model(t + h / 2, x + h / 2 * k1)
        k3 = model(t + h / 2, x + h / 2 * k2)
        k4 = model(t + h, x + h * k3)
        x = x + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    return x.numpy()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("csv", help="snapshots: rows time,x1..xD")
    parser.add_argument("--fresh", help="the same population drawn with another seed (for the noise floor)")
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--batch", type=int, default=256, help="points per pair of consecutive snapshots per step")
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--sigma", type=float, default=0.1, help="width of the conditional paths (torchcfm's single-cell setting)")
    parser.add_argument("--width", type=int, default=64)
    parser.add_argument("--layers", type=int, default=3)
    parser.add_argument("--ode-steps", type=int, default=100)
    parser.add_argument("--points", type=int, default=2000, help="points per side of the exact assignments")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--only", type=int, action="append", help="leave out only this snapshot index (repeatable; default: every intermediate one)")
    parser.add_argument("--json", help="also write the rows here")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    snapshots = read_snapshots(args.csv)
    fresh = read_snapshots(args.fresh) if args.fresh else None
    times = list(snapshots)
    print(f"{args.csv}: {len(times)} snapshots at {times}, D = {snapshots[times[0]].shape[1]}; OT-CFM sigma {args.sigma}, "
          f"{args.layers}x{args.width} SiLU, {args.steps} steps, batch {args.batch} per pair, torch {torch.__version__}")
    rows = []
    for k in args.only or range(1, len(times) - 1):
        t = times[k]
        target = snapshots[t][: args.points]
        before, after = snapshots[times[k - 1]], snapshots[times[k + 1]]
        fraction = (t - times[k - 1]) / (times[k + 1] - times[k - 1])
        start = time.time()
        model = train(snapshots, times[:k] + times[k + 1:], args, args.seed)
        seconds = time.time() - start
        predicted = push(model, before[: args.points], times[k - 1], t, args.ode_steps)
        row = {
            "left_out": k, "time": t,
            "noise_floor": w1(fresh[t], target) if fresh else None,
            "interpolation": w1(displacement_interpolation(before[: args.points], after[: args.points], fraction), target),
            "otcfm": w1(predicted, target),
            "otcfm_fresh_start": w1(push(model, fresh[times[k - 1]][: args.points], times[k - 1], t, args.ode_steps), target)
            if fresh else None,
            "seconds": seconds,
        }
        rows.append(row)
        print(" ".join(f"{key} {value:.4f}" if isinstance(value, float) else f"{key} {value}" for key, value in row.items()), flush=True)
    mean = {key: float(np.mean([r[key] for r in rows])) for key in ["noise_floor", "interpolation", "otcfm", "otcfm_fresh_start"] if rows[0][key] is not None}
    print("mean " + " ".join(f"{key} {value:.4f}" for key, value in mean.items()))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"rows": rows, "mean": mean, "settings": vars(args)}, f, indent=1)


if __name__ == "__main__":
    main()
