"""Relative Frobenius error of the covariance, and the mean error, of `nclhost sample --time 0.5` points
against the exact mid-time law of rotated_gaussians.py. Usage: mid_covariance.py SAMPLES.csv OUT.csv.exact.json"""
import sys, json, numpy as np
exact = json.load(open(sys.argv[2]))
x = np.loadtxt(sys.argv[1], delimiter=",", skiprows=1)
x = x[:, -len(exact["mid_mean"]):]
c = np.cov(x.T); s = np.array(exact["mid_cov"]); m = np.array(exact["mid_mean"])
print(json.dumps({"mid_cov_rel_error": float(np.linalg.norm(c - s) / np.linalg.norm(s)), "mid_mean_error": float(np.linalg.norm(x.mean(0) - m)), "n": len(x)}))
