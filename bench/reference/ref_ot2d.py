"""ref-ot2d in PyTorch on CPU: the reference the Swift step (bench/ncl-bench/ReferenceOT2D.swift) is compared with.

Same model and step: D=2, K=16, MADE 3 x 128 SiLU, time features t, sin(pi k t), cos(pi k t) for
k=1..4, telescoping flux tau=1, g=0, float32, 2 threads. One step = NLL of B samples of 8 gaussians
at t=0 and of B samples of a 2-gaussian mixture at t=1, plus mean(0.5 |u|^2 rho / q) at B points
t ~ U[0,1], x ~ U[-4,4]^2 (q = 1/64), backward, one Adam step.

d/dt of the conditional log-densities and CDFs is taken two ways, and both are timed:
  jvp     torch.func.jvp (forward mode), composed with reverse mode for the parameter gradient
  double  the double-backward trick (a VJP with a dummy cotangent, differentiated again)
Usage: python3 bench/reference/ref_ot2d.py [--quick]
"""
import math
import sys
import time

import torch
import torch.nn.functional as F

torch.set_num_threads(2)
D, K, H, FREQ, TAU = 2, 16, 128, 4, 1.0
LOG_SCALE = (-7.0, 5.0)
MAX_LOG_TAIL = 30.0


def made_masks():
    n_time = 1 + 2 * FREQ
    in_deg = [-1] * n_time + list(range(1, D + 1))
    hid = [[h % D for h in range(H)] for _ in range(3)]
    out_deg = [i for i in range(1, D + 1) for _ in range(3 * K)]
    masks, prev = [], in_deg
    for layer, deg in enumerate(hid + [out_deg]):
        is_out = layer == len(hid)
        masks.append(torch.tensor([[1.0 if ((p < d) if is_out else (p <= d)) else 0.0 for p in prev] for d in deg]))
        prev = deg
    return masks


class MADE(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.masks = made_masks()
        sizes = [1 + 2 * FREQ + D, H, H, H, D * 3 * K]
        self.layers = torch.nn.ModuleList(torch.nn.Linear(a, b) for a, b in zip(sizes, sizes[1:]))

    def forward(self, t, x):
        k = torch.arange(1, FREQ + 1, dtype=t.dtype) * math.pi
        h = torch.cat([t, torch.sin(t * k), torch.cos(t * k), x], dim=1)
        for i, (layer, mask) in enumerate(zip(self.layers, self.masks)):
            h = F.linear(h, layer.weight * mask, layer.bias)
            if i < len(self.layers) - 1:
                h = F.silu(h)
        return h.view(-1, D, 3 * K)


def log_sigmoid_density(z):
    return -(F.softplus(z) + F.softplus(-z))


def conditionals(model, t, x):
    """log f(x_i | x_<i) and F(x_i | x_<i), each [B, D]."""
    raw = model(t, x)
    logw = torch.log_softmax(raw[..., :K], dim=2)
    mu = raw[..., K:2 * K]
    logs = raw[..., 2 * K:].clamp(*LOG_SCALE)
    z = (x.unsqueeze(2) - mu) * torch.exp(-logs)
    logf = torch.logsumexp(logw - logs + log_sigmoid_density(z), dim=2)
    cdf = (logw.exp() * torch.sigmoid(z)).sum(dim=2)
    return logf, cdf


def velocity(logf, cdf, dt_logf, dt_cdf, x):
    zr = x / TAU
    log_ref = log_sigmoid_density(zr) - math.log(TAU)
    d = log_ref - logf
    tail = torch.flip(torch.cumsum(torch.flip(d, [1]), 1), [1]) - d - logf  # sum_{k>i} - log f_i
    factor = tail.clamp(max=MAX_LOG_TAIL).exp()
    prefix = torch.cumsum(dt_logf, 1) - dt_logf  # sum_{k<i}
    return -factor * (prefix * (cdf - torch.sigmoid(zr)) + dt_cdf)


def fields_jvp(model, t, x):
    (logf, cdf), (dt_logf, dt_cdf) = torch.func.jvp(lambda tt: conditionals(model, tt, x), (t,), (torch.ones_like(t),))
    return logf, cdf, dt_logf, dt_cdf


def fields_double(model, t, x):
    t = t.requires_grad_(True)
    logf, cdf = conditionals(model, t, x)
    out = torch.cat([logf, cdf], 1)
    # d/dt of every output: rows are independent, so a VJP with a dummy cotangent v gives
    # g(v) = sum_j v_j d out_j / dt per row; differentiating g along v recovers each column.
    v = torch.zeros_like(out, requires_grad=True)
    (g,) = torch.autograd.grad(out, t, v, create_graph=True)
    (jac,) = torch.autograd.grad(g, v, torch.ones_like(g), create_graph=True)
    return logf, cdf, jac[:, :D], jac[:, D:]


def eight_gaussians(b):
    angle = torch.randint(0, 8, (b,)).float() * math.pi / 4
    return torch.stack([2 * torch.cos(angle), 2 * torch.sin(angle)], 1) + 0.2 * torch.randn(b, 2)


def two_gaussians(b):
    side = torch.where(torch.rand(b) < 0.5, -1.5, 1.5)
    return torch.stack([side, torch.zeros(b)], 1) + 0.4 * torch.randn(b, 2)


def step(model, opt, b, fields):
    x0, x1 = eight_gaussians(b), two_gaussians(b)
    t = torch.rand(b, 1)
    x = torch.rand(b, 2) * 8 - 4
    nll = -conditionals(model, torch.zeros(b, 1), x0)[0].sum(1).mean() - conditionals(model, torch.ones(b, 1), x1)[0].sum(1).mean()
    logf, cdf, dt_logf, dt_cdf = fields(model, t, x)
    u = velocity(logf, cdf, dt_logf, dt_cdf, x)
    kinetic = (0.5 * (u ** 2).sum(1) * logf.sum(1).exp() * 64).mean()
    loss = nll + kinetic
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    return loss.item()


def measure(fn, min_seconds):
    for _ in range(2):
        fn()
    samples, start = [], time.perf_counter()
    while time.perf_counter() - start < min_seconds or len(samples) < 3:
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1e3)
    return sorted(samples)[len(samples) // 2]


def main():
    quick = "--quick" in sys.argv
    print(f"ref-ot2d PyTorch {torch.__version__}, {torch.get_num_threads()} threads, {torch.backends.cpu.get_cpu_capability()}")
    print("  batch   jvp ms/step   double-backward ms/step")
    for b in [256] if quick else [256, 1024, 4096]:
        row = []
        for fields in (fields_jvp, fields_double):
            torch.manual_seed(0)
            model = MADE()
            opt = torch.optim.Adam(model.parameters(), lr=1e-3)
            row.append(measure(lambda: step(model, opt, b, fields), 0.5 if quick else 2))
        print(f"  {b:5d}   {row[0]:11.2f}   {row[1]:11.2f}")


if __name__ == "__main__":
    main()
