"""Samples of DeepGSB's learned forward SDE on its GMM crowd-navigation task, for crowd_metrics.py.

DeepGSB (Liu et al., "Deep Generalized Schrodinger Bridge", NeurIPS 2022), github.com/ghliu/DeepGSB,
commit d11a8a1 ("release"). This script loads a trained forward policy z_f from a DeepGSB
checkpoint (checkpoint/<group>/<dir>/stage_XXXX.npz, with options.pkl beside it) and simulates
    dX = f dt + g z_f(X, t) dt + g dW,   f = 0, g = diffusion_std (1),   X_0 ~ p0 = N(0, I)
with DeepGSB's own sampler, mfg.sde.SimpleSDE.sample_traj: 100 Euler steps of dt = T/interval =
0.01; at step k the network is fed ts[k] = linspace(0, 1, 100)[k] (DeepGSB's time grid, k/99)
while the state is at time k/100. The raw (non-EMA) weights are used, as DeepGSB's snapshot
plots do; --ema uses the EMA weights that DeepGSB's training-data sampler uses. Writes
  --terminal FILE.csv  N terminal states X_1 (header x,y; N = --count, default 100000);
  --paths FILE.csv     --n-paths (2000) paths read at --n-times (50) times linspace(0, 1, 50)
                       (rows time,x,y; the Euler states at k/100, linearly interpolated in time);
and prints the training wall time (the last "time h:mm:ss" of the checkpoint's stage in the run's
log.txt: elapsed time at its last logged iteration, short of the stage's end by ~10 iterations; or
--train-seconds if given: a resumed run's log.txt restarts its clock, so give the total then),
the stages trained (it_f / num_itr in the checkpoint) and the
control cost E sum_k |g z_k|^2 / 2 dt along the simulated paths (DeepGSB's own control_cost
metric is twice this: it omits the 1/2).

Run (CPU, one thread):
  OMP_NUM_THREADS=1 python bench/reference/deepgsb_gmm.py --deepgsb /work/deepgsb \
      --ckpt /work/deepgsb/checkpoint/0/gmm/deepgsb-ac-std1 \
      --terminal gmm_terminal.csv --paths gmm_paths.csv
(--ckpt takes a stage_XXXX.npz or its directory, whose highest stage is used.)

Training, in the DeepGSB working copy (run.sh's GMM line, on CPU, no tensorboard):
  python main.py --problem-name GMM --ckpt-freq 1 --snapshot-freq 2 --sb-param actor-critic \
      --cpu --dir gmm/deepgsb-ac-std1
Patches DeepGSB needs on CPU / torch 2.x (all small, in the working copy):
  options.py:      torch.set_default_tensor_type("torch.cuda.FloatTensor") only if not --cpu;
                   opt.device = "cpu" if opt.cpu; opt.log_dir = None when --log-tb is absent
                   (Options() requires the field);
  deepgsb/util.py: torch.cuda.device(opt.gpu) context -> contextlib.nullcontext() if opt.cpu
                   (save/restore_checkpoint); torch.load(..., weights_only=False).
To resume an interrupted run (add `--load checkpoint/0/gmm/deepgsb-ac-std1/stage_XXXX.npz` to the
training command; the checkpoint restores the networks, their EMAs, the optimizers and it_f/it_b):
  deepgsb/deepgsb.py, DeepGSB.train: `for stage in range(self.it_f // opt.num_itr, opt.num_stage):`
                   (was range(opt.num_stage)); only the learning-rate scheduler restarts (0.1 %).
Needs easydict, termcolor, torch-ema, rich, colored-traceback, geomloss, ipdb, matplotlib,
tensorboard (imported at module level) in the Python environment.
"""
import argparse
import glob
import os
import pickle
import re
import sys

import numpy as np
import torch


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--deepgsb", required=True, help="DeepGSB working copy (added to sys.path)")
    ap.add_argument("--ckpt", required=True, help="stage_XXXX.npz or the checkpoint directory")
    ap.add_argument("--terminal", help="CSV of terminal states")
    ap.add_argument("--paths", help="CSV of paths (time,x,y)")
    ap.add_argument("--count", type=int, default=100000)
    ap.add_argument("--n-paths", type=int, default=2000)
    ap.add_argument("--n-times", type=int, default=50)
    ap.add_argument("--batch", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--ema", action="store_true", help="use the EMA weights")
    ap.add_argument("--log", help="DeepGSB log.txt (default: results/<dir>/log.txt)")
    ap.add_argument("--train-seconds", type=float, help="measured training wall time")
    a = ap.parse_args()

    torch.set_num_threads(1)
    sys.path.insert(0, os.path.abspath(a.deepgsb))
    from deepgsb import sb_policy  # noqa: E402  (DeepGSB's modules)
    from mfg import MFG

    ckpt = a.ckpt
    if os.path.isdir(ckpt):
        ckpt = sorted(glob.glob(os.path.join(ckpt, "stage_*.npz")))[-1]
    with open(os.path.join(os.path.dirname(ckpt), "options.pkl"), "rb") as f:
        opt = pickle.load(f)
    opt.cpu, opt.device, opt.load = True, "cpu", None
    state = torch.load(ckpt, map_location="cpu", weights_only=False)

    torch.manual_seed(a.seed)
    mfg = MFG(opt)
    z_f = sb_policy.build(opt, mfg.sde, "forward")
    z_f.load_state_dict(state["z_f"])
    if a.ema:  # copy EMA weights into the networks (Znet for actor-critic, Ynet for critic)
        z_f.get_ema().copy_to()
        if opt.sb_param == "actor-critic":
            z_f.emaY.copy_to()
    z_f.freeze()
    g, dt = float(opt.diffusion_std), mfg.dt

    # DeepGSB's sampler, in batches (p0.sample uses opt.samp_bs as the batch).
    terms, paths, costs = [], [], []
    n_done = 0
    with torch.no_grad():
        while n_done < a.count:
            b = min(a.batch, a.count - n_done)
            opt.samp_bs = b
            xs, zs, _, x_term = mfg.sample_traj(z_f)  # xs, zs: (b, interval, 2), states before each step
            terms.append(x_term.numpy())
            costs.append((0.5 * (g * zs).pow(2).sum((1, 2)) * dt).numpy())
            if sum(len(p) for p in paths) < a.n_paths:
                paths.append(torch.cat([xs, x_term[:, None]], 1).numpy())  # states at k*dt, k = 0..interval
            n_done += b
    x_term = np.concatenate(terms)
    cost = np.concatenate(costs)

    if a.terminal:
        np.savetxt(a.terminal, x_term, delimiter=",", header="x,y", comments="", fmt="%.6f")
    if a.paths:
        P = np.concatenate(paths)[: a.n_paths]  # (n_paths, interval+1, 2)
        grid = np.arange(P.shape[1]) * dt
        rows = []
        for t in np.linspace(0.0, opt.T, a.n_times):
            k = min(int(np.floor(t / dt + 1e-9)), P.shape[1] - 2)
            w = (t - grid[k]) / dt
            xt = (1 - w) * P[:, k] + w * P[:, k + 1]
            rows.append(np.column_stack([np.full(len(xt), t), xt]))
        np.savetxt(a.paths, np.concatenate(rows), delimiter=",", header="time,x,y", comments="", fmt="%.6f")

    stages = state.get("it_f", 0) / opt.num_itr
    log = a.log or os.path.join(a.deepgsb, "results", opt.dir, "log.txt")
    train_s = a.train_seconds
    if train_s is None and os.path.exists(log):
        # last training line of the checkpoint's stage (a killed run may have logged a later, partial one)
        # (rich wraps its lines, so the "|" before "time" may end the previous line)
        hits = re.findall(r"stage 0*(\d+)/\d+ \|.*?time\s+(\d+):(\d+):(\d+\.\d+)", open(log).read(), re.S)
        hits = [x[1:] for x in hits if int(x[0]) == round(stages)]
        if hits:
            h, m, s = hits[-1]
            train_s = 3600 * int(h) + 60 * int(m) + float(s)
    print(f"checkpoint: {ckpt} ({opt.sb_param}, {'EMA' if a.ema else 'raw'} weights)")
    print(f"stages trained: {stages:g} of the config's {opt.num_stage} ({opt.num_itr} itr each, it_f={state.get('it_f')})")
    print(f"training wall time: {train_s if train_s is None else f'{train_s:.1f} s'}")
    print(f"control cost E sum |u|^2/2 dt (u = g z, g = {g}): {cost.mean():.4f} "
          f"(+- {cost.std() / np.sqrt(len(cost)):.4f}, {len(cost)} paths)")
    print(f"terminal mean {x_term.mean(0)}, wrote {a.terminal}, {a.paths}")


if __name__ == "__main__":
    main()
