"""torchcfm on GenerativeFM's data: the side-by-side reference of Plugins/GenerativeFM/README.md.

Trains torchcfm's ConditionalFlowMatcher (independent coupling, "cfm") or
ExactOptimalTransportConditionalFlowMatcher (minibatch OT, "ot") on the train.csv / test.csv that
`nclhost run GenerativeFM --set export_data=DIR` writes, with the model and optimizer of torchcfm's
2-D tutorials (torchcfm.models.MLP, w=64, time-varying; Adam lr 1e-3; batch 256; sigma 0, the
library's default and the interpolant NCL uses). Points are standardized with the training part's
mean and std, as GenerativeFM's data map does, and every number is reported in data units.

Test log-likelihood the way torchcfm users must compute it: solve the probability-flow ODE from
t = 1 back to t = 0 with torchdiffeq (dopri5, rtol = atol = 1e-5) together with the exact trace of
the velocity's Jacobian (two backward passes in 2-D), log p_1(x) = log N(x_0) - int_0^1 div v dt.
Sample W2: 1000 ODE samples against the first 1000 test points, exact assignment (POT's emd2).

Usage: python3 bench/reference/torchcfm_2d.py DIR --method cfm|ot --steps N [--threads 2] [--seed 0]
Prints one JSON line: test_nll, w2, train_seconds, score_seconds_100k, ...
"""
import argparse
import json
import math
import time

import numpy as np
import ot
import torch
from torchcfm.conditional_flow_matching import ConditionalFlowMatcher, ExactOptimalTransportConditionalFlowMatcher
from torchcfm.models.models import MLP
from torchdiffeq import odeint


def read(path):
    return np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float32)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("data")
    parser.add_argument("--method", choices=["cfm", "ot"], default="cfm")
    parser.add_argument("--steps", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--score-count", type=int, default=100_000)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)

    train, test = read(args.data + "/train.csv"), read(args.data + "/test.csv")
    shift, scale = train.mean(0), train.std(0, ddof=1)
    standardize = lambda x: torch.from_numpy((x - shift) / scale)
    z_train, z_test = standardize(train), standardize(test)
    log_jacobian = float(np.log(scale).sum())
    d = train.shape[1]

    model = MLP(dim=d, time_varying=True, w=64)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    matcher = ConditionalFlowMatcher(sigma=0.0) if args.method == "cfm" else ExactOptimalTransportConditionalFlowMatcher(sigma=0.0)

    start = time.perf_counter()
    for _ in range(args.steps):
        optimizer.zero_grad()
        x1 = z_train[torch.randint(len(z_train), (args.batch,))]
        x0 = torch.randn_like(x1)
        t, xt, ut = matcher.sample_location_and_conditional_flow(x0, x1)
        loss = ((model(torch.cat([xt, t[:, None]], dim=-1)) - ut) ** 2).mean()
        loss.backward()
        optimizer.step()
    train_seconds = time.perf_counter() - start

    def velocity(t, x):
        return model(torch.cat([x, t.expand(len(x), 1)], dim=-1))

    def augmented(t, state):
        x = state[:, :d].detach().requires_grad_(True)
        with torch.enable_grad():
            v = velocity(t, x)
            divergence = sum(torch.autograd.grad(v[:, i].sum(), x, create_graph=False, retain_graph=True)[0][:, i] for i in range(d))
        return torch.cat([v.detach(), divergence.detach()[:, None]], dim=-1)

    def log_likelihood(z):
        state = torch.cat([z, torch.zeros(len(z), 1)], dim=-1)
        end = odeint(augmented, state, torch.tensor([1.0, 0.0]), method="dopri5", rtol=1e-5, atol=1e-5)[-1]
        z0, integral = end[:, :d], end[:, d]
        log_normal = -0.5 * (z0 ** 2).sum(-1) - 0.5 * d * math.log(2 * math.pi)
        # integral = int_1^0 div v dt = -int_0^1 div v dt.
        return (log_normal + integral - log_jacobian).numpy()

    test_nll = float(-log_likelihood(z_test).mean())
    repeats = -(-args.score_count // len(z_test))
    points = z_test.repeat(repeats, 1)[: args.score_count]
    start = time.perf_counter()
    log_likelihood(points)
    score_seconds = time.perf_counter() - start

    n = min(1000, len(test))
    with torch.no_grad():
        samples = odeint(velocity, torch.randn(n, d), torch.tensor([0.0, 1.0]), method="dopri5", rtol=1e-5, atol=1e-5)[-1]
    samples = samples.numpy() * scale + shift
    cost = ot.dist(samples.astype(np.float64), test[:n].astype(np.float64))
    w2 = math.sqrt(ot.emd2(np.full(n, 1 / n), np.full(n, 1 / n), cost, numItermax=10_000_000))
    print(json.dumps({"method": args.method, "steps": args.steps, "batch": args.batch, "threads": args.threads,
                      "test_nll": test_nll, "w2": w2, "train_seconds": train_seconds,
                      "score_seconds_100k": score_seconds * 100_000 / args.score_count, "train": len(train), "test": len(test)}))


if __name__ == "__main__":
    main()
