"""Rotated anisotropic 5-D Gaussians (full covariances) as a two-snapshot CSV for `data=csv`, and the
exact answers in OUT.csv.exact.json: W2^2 and McCann's interpolant at t = 0.5 (Bures formulas).
Usage: rotated_gaussians.py OUT.csv N SEED [D] (numpy, scipy); prints W2^2. README: "Rotated anisotropic
Gaussians in D = 5". D = 5 (the default) has the README's fixed means and standard deviations; any other
D draws them from the seed (means uniform in [-2, 2], standard deviations in [0.5, 1.5]) after the rotations."""
import sys, json, numpy as np
from scipy.linalg import sqrtm
out, n, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
d = int(sys.argv[4]) if len(sys.argv) > 4 else 5
rng = np.random.default_rng(seed)
def rotation():
    q, r = np.linalg.qr(rng.normal(size=(d, d)))
    return q * np.sign(np.diag(r))
q0, q1 = rotation(), rotation()
if d == 5:
    m0 = np.array([-1.0, 0.5, 0.0, 0.3, -0.2]); m1 = np.array([2.0, -1.0, 1.0, 0.5, 0.0])
    d0 = np.array([0.5, 1.0, 0.8, 1.2, 0.6]); d1 = np.array([1.5, 0.5, 1.0, 0.7, 1.3])
else:
    m0, m1 = rng.uniform(-2, 2, d), rng.uniform(-2, 2, d)
    d0, d1 = rng.uniform(0.5, 1.5, d), rng.uniform(0.5, 1.5, d)
s0 = q0 @ np.diag(d0 ** 2) @ q0.T
s1 = q1 @ np.diag(d1 ** 2) @ q1.T
r0 = np.real(sqrtm(s0)); r0i = np.linalg.inv(r0)
middle = np.real(sqrtm(r0 @ s1 @ r0))
w2 = float(np.sum((m1 - m0) ** 2) + np.trace(s0 + s1 - 2 * middle))
T = r0i @ middle @ r0i
A = 0.5 * (np.eye(d) + T)
smid = A @ s0 @ A.T
x0 = rng.multivariate_normal(m0, s0, size=n); x1 = rng.multivariate_normal(m1, s1, size=n)
with open(out, "w") as f:
    f.write("t," + ",".join(f"x{i+1}" for i in range(d)) + "\n")
    for t, xs in ((0, x0), (1, x1)):
        for x in xs: f.write(f"{t}," + ",".join(f"{v:.6f}" for v in x) + "\n")
json.dump({"w2_squared": w2, "mid_mean": list((m0 + m1) / 2), "mid_cov": smid.tolist()}, open(out + ".exact.json", "w"))
print(json.dumps({"w2_squared": w2}))
