"""The MeanField GMM metrics of Plugins/MeanField (README, "Metrics") for any method's samples, so
that NCL and a reference (DeepGSB: bench/reference/deepgsb_gmm.py) are scored by one program.

    python bench/reference/crowd_metrics.py --terminal T.csv [--paths P.csv] [--label NAME]

T.csv: samples of the method's law at T = 1 (the last two columns are x, y; a header line is
allowed), at least 4 x 2000 per mode cell, 10^6 rows recommended: the shares per cell set the
counts of the stratified W2, and 10^6 reads each to about 3e-4. NCL's come from
`nclhost sample --checkpoint RUN/checkpoint.ncl --count 1000000 --output T.csv`.
`--perfect COUNT` scores COUNT exact draws of p1 instead: what a perfect model reads with a pool of
that size (the pool's own share errors, about sqrt(1/8 7/8 / COUNT) per mode, shift the counts).
P.csv (optional): rows `time, x, y` of SDE paths read at several times; prints the largest
fraction of points inside an obstacle over the times.

The definitions are those of Plugins/MeanField/Core/Evaluation.swift:
- `w2_plain`: exact-assignment W2 between the first 2000 samples and 2000 draws of p1, the ring of
  8 unit Gaussians of radius 16 (its floor, two samples of p1, is about 1.8: the multinomial
  counts per mode);
- `w2_stratified`: each law gets exactly its share of 2000 points per mode cell (the points
  nearest a mode's mean; the method's shares from its samples, p1's its exact weights 1/8), each
  cell's points a random sample of the law in the cell; the mean over 4 disjoint draws;
  `floor`: the same between two disjoint draws of p1;
- `mode_weight_error`: the largest |share of a cell - 1/8|.
The draws of p1 use numpy's generator (seed --seed), not NCL's stream, so values match the
plugin's to the metric's own spread (about 0.03), not to the digit.
"""
import argparse

import numpy as np
from scipy.optimize import linear_sum_assignment

MODES = 16 * np.stack([np.cos(np.arange(8) * np.pi / 4), np.sin(np.arange(8) * np.pi / 4)], 1)
OBSTACLES = np.array([[6.0, 6.0], [6.0, -6.0], [-6.0, -6.0]])
N = 2000


def read_points(path):
    """Rows of numbers, commas between them; a first line that is not numbers is a header."""
    try:
        return np.loadtxt(path, delimiter=",", ndmin=2)
    except ValueError:
        return np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)


def cells(points):
    return ((points[:, None, :] - MODES[None]) ** 2).sum(-1).argmin(1)


def w2(a, b):
    cost = ((a[:, None, :] - b[None]) ** 2).sum(-1)
    rows, cols = linear_sum_assignment(cost)
    return float(np.sqrt(cost[rows, cols].mean()))


def apportion(total, shares):
    exact = total * np.asarray(shares) / np.sum(shares)
    counts = np.floor(exact).astype(int)
    order = np.argsort(-(exact - counts), kind="stable")
    counts[order[: total - counts.sum()]] += 1
    return counts


def ring(count, rng):
    return MODES[rng.integers(0, 8, count)] + rng.standard_normal((count, 2))


def stratified(points, target_pool, draws, rng):
    model_cells, target_cells = cells(points), cells(target_pool)
    shares = np.bincount(model_cells, minlength=8) / len(points)
    model_counts, target_counts = apportion(N, shares), apportion(N, np.full(8, 1 / 8))
    by_model = [points[model_cells == k] for k in range(8)]
    by_target = [target_pool[target_cells == k] for k in range(8)]

    def pick(groups, counts, block):
        out = [g[block * c:(block + 1) * c] for g, c in zip(groups, counts)]
        if any(len(o) < c for o, c in zip(out, counts)):
            raise SystemExit("too few samples in a mode cell for the stratified W2: give more rows")
        return np.concatenate(out)

    values, floors = [], []
    for j in range(draws):
        first, second = pick(by_target, target_counts, 2 * j), pick(by_target, target_counts, 2 * j + 1)
        values.append(w2(pick(by_model, model_counts, j), first))
        floors.append(w2(second, first))
    return float(np.mean(values)), float(np.mean(floors)), float(np.abs(shares - 1 / 8).max()), shares


def obstacle_mass(paths):
    times = np.unique(paths[:, 0])
    worst = 0.0
    for t in times:
        x = paths[paths[:, 0] == t][:, -2:]
        inside = (((x[:, None, :] - OBSTACLES[None]) ** 2).sum(-1) < 1.5 ** 2).any(1)
        worst = max(worst, float(inside.mean()))
    return worst, len(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--terminal", help="the method's samples at T (CSV)")
    parser.add_argument("--perfect", type=int, default=0,
                        help="instead of --terminal: score this many exact draws of p1 (a perfect model; the metric's own floor for a pool of that size)")
    parser.add_argument("--paths")
    parser.add_argument("--label", default="")
    parser.add_argument("--draws", type=int, default=4)
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    if bool(args.terminal) == bool(args.perfect):
        parser.error("give --terminal FILE or --perfect COUNT")
    points = ring(args.perfect, np.random.default_rng(args.seed + 1)) if args.perfect else read_points(args.terminal)[:, -2:]
    finite = np.isfinite(points).all(1)
    points = points[finite]
    target_pool = ring(1_000_000, rng)
    plain = w2(points[:N], ring(N, rng))
    value, floor, error, shares = stratified(points, target_pool, args.draws, rng)
    print(f"{args.label} samples {len(points)} (non-finite dropped: {int((~finite).sum())})")
    print(f"  w2_plain {plain:.4f}  w2_stratified {value:.4f}  floor {floor:.4f}  mode_weight_error {error:.5f}")
    print("  shares " + " ".join(f"{s:.5f}" for s in shares))
    if args.paths:
        worst, times = obstacle_mass(read_points(args.paths))
        print(f"  obstacle_mass_max {worst:.4f} over {times} times")


if __name__ == "__main__":
    main()
