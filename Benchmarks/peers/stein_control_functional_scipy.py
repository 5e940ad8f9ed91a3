#!/usr/bin/env python3
"""Peer for steinbench: the weighted control-functional estimate with numpy/scipy.

Same estimator as the Swift side's core: Langevin Stein kernel of the Gaussian base kernel
exp(-|x-y|^2/(2 l^2)) with the score u = -x of N(0, I_d), squared distances from
scipy.spatial.distance.pdist, relative nugget 1e-8 on the diagonal, scipy.linalg.cho_factor /
cho_solve for K^-1 [1, f], estimate 1'K^-1 f / 1'K^-1 1.
Integrand: f = 1 + x2 + 0.1 x1 x2 x3 + sin(x1) exp(-(x2 x3)^2) (truth 1), d = 4.
Prints one JSON object on one line: {peer, seconds, value, ...}; seconds is the best of --repeats.
"""
import argparse, json, time
import numpy as np


def estimate(x, length):
    from scipy.spatial.distance import pdist, squareform
    from scipy.linalg import cho_factor, cho_solve
    n, d = x.shape
    u = -x
    f = 1 + x[:, 1] + 0.1 * x[:, 0] * x[:, 1] * x[:, 2] + np.sin(x[:, 0]) * np.exp(-(x[:, 1] * x[:, 2]) ** 2)
    z = squareform(pdist(x, "sqeuclidean"))
    l2 = length * length
    phi = np.exp(-z / (2 * l2))
    first = -phi / (2 * l2)
    second = phi / (4 * l2 * l2)
    a = u @ x.T                       # a_ij = u_i . x_j
    diag = np.diag(a)
    ur = diag[:, None] - a - a.T + diag[None, :]   # (u_i - u_j).(x_i - x_j)
    k0 = -4 * z * second - 2 * d * first - 2 * first * ur + phi * (u @ u.T)
    k0[np.diag_indices(n)] += 1e-8 * np.mean(np.diag(k0))
    factor = cho_factor(k0, lower=True, check_finite=False)
    solved = cho_solve(factor, np.column_stack([np.ones(n), f]), check_finite=False)
    return float(solved[:, 1].sum() / solved[:, 0].sum())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--d", type=int, default=4)
    parser.add_argument("--length", type=float, default=1.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    try:
        import scipy
    except ImportError as error:
        print(json.dumps({"peer": "scipy", "skipped": f"not importable: {error}"}))
        return 0
    x = np.random.default_rng(args.seed).standard_normal((args.n, args.d))
    estimate(x[:200], args.length)  # warm-up
    best, value = float("inf"), None
    for _ in range(args.repeats):
        start = time.perf_counter()
        value = estimate(x, args.length)
        best = min(best, time.perf_counter() - start)
    blas = []
    try:
        from threadpoolctl import threadpool_info
        blas = [f"{i.get('internal_api')} {i.get('version')} threads={i.get('num_threads')}" for i in threadpool_info()]
    except Exception:
        pass
    print(json.dumps({"peer": "numpy/scipy pdist + cho_factor", "version": scipy.__version__, "seconds": best,
                      "value": value, "n": args.n, "d": args.d, "repeats": args.repeats, "blas": blas}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
