#!/usr/bin/env python3
"""Peer for vibench: the reparameterization ELBO gradient of Bayesian logistic regression in numpy.

Same estimator as MonteCarlo's EvidenceLowerBound.gradient (mean-field Gaussian q, parameters
m and the standard deviations s, S draws per estimate): z = m + s*eps, G = X^T (y - sigmoid(XZ)) - Z/tau^2,
g_m = mean(G), g_s = mean(G*eps) + 1/s; it also forms the per-draw gradient covariance, as the
Swift estimator reports one. Prints one JSON object.
"""
import argparse, json, time
import numpy as np

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=10000)
    parser.add_argument("--d", type=int, default=50)
    parser.add_argument("--samples", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=200, help="gradients per timing run")
    parser.add_argument("--runs", type=int, default=3, help="timing runs; the best is reported (as on the Swift side)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    n, d, S = args.n, args.d, args.samples
    X = np.asfortranarray(rng.standard_normal((n, d)) / np.sqrt(d))
    w_true = rng.standard_normal(d)
    y = (rng.random(n) < 1 / (1 + np.exp(-X @ w_true))).astype(float)
    m = np.zeros(d); s = np.full(d, 0.1); tau2 = 1.0

    def gradient():
        eps = rng.standard_normal((d, S))
        Z = m[:, None] + s[:, None] * eps
        R = y[:, None] - 1 / (1 + np.exp(-(X @ Z)))
        G = X.T @ R - Z / tau2
        per_draw = np.vstack([G, G * eps + (1 / s)[:, None]])
        return per_draw.mean(axis=1), np.cov(per_draw) / S

    gradient()  # warm-up
    best = float("inf")
    for _ in range(max(1, args.runs)):
        start = time.perf_counter()
        for _ in range(args.repeats):
            gradient()
        best = min(best, (time.perf_counter() - start) / args.repeats)
    print(json.dumps({"peer": "numpy " + np.__version__, "secondsPerGradient": best,
                      "n": n, "d": d, "samples": S, "repeats": args.repeats, "runs": args.runs}))

if __name__ == "__main__":
    main()
