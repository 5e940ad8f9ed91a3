#!/usr/bin/env python3
"""Peers for mibench: KSG mutual information with scikit-learn and with scipy's cKDTree.

--peer sklearn: sklearn.feature_selection.mutual_info_regression (KSG algorithm 1, k neighbours)
  on one-dimensional X and Y (sklearn standardizes X and adds 1e-10-scale noise to it).
--peer ckdtree: KSG algorithm 1 written with scipy.spatial.cKDTree, max-norm: k-nearest query
  in the joint space, then query_ball_point(..., return_length=True) counts in each marginal
  (strict: radius shrunk by one ulp), I = psi(k) + psi(N) - <psi(n_x + 1) + psi(n_y + 1)>;
  all cores (workers=-1).
Data: n pairs, d_x = d_y = --dim, coordinate j of Y = rho * X_j + sqrt(1 - rho^2) * noise, so the
true MI is -dim/2 * log(1 - rho^2) nats (same distributions as mibench, other seeds).
--data PATH: read X (column 0) and Y (column 1) from a .npy array (or a headerless CSV) instead
(the same data as the Swift side; --dim is then 1).
Prints one JSON object on one line: {peer, seconds, value, ...}; seconds is the best of --repeats.
"""
import argparse, json, sys, time
import numpy as np


def ksg_ckdtree(x, y, k):
    from scipy.spatial import cKDTree
    from scipy.special import digamma
    n = x.shape[0]
    joint = np.hstack([x, y])
    dist, _ = cKDTree(joint).query(joint, k=k + 1, p=np.inf, workers=-1)
    eps = np.nextafter(dist[:, -1], 0)  # strict inequality
    nx = cKDTree(x).query_ball_point(x, eps, p=np.inf, return_length=True, workers=-1) - 1
    ny = cKDTree(y).query_ball_point(y, eps, p=np.inf, return_length=True, workers=-1) - 1
    return float(digamma(k) + digamma(n) - np.mean(digamma(nx + 1) + digamma(ny + 1)))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--peer", choices=["sklearn", "ckdtree"], default="sklearn")
    parser.add_argument("--n", type=int, default=100000)
    parser.add_argument("--dim", type=int, default=None, help="d_x = d_y (default 1 for sklearn, 3 for ckdtree)")
    parser.add_argument("--k", type=int, default=3)
    parser.add_argument("--rho", type=float, default=0.6)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data", default=None, help=".npy (or headerless CSV) n x 2 array: X = column 0, Y = column 1")
    args = parser.parse_args()
    dim = args.dim if args.dim is not None else (1 if args.peer == "sklearn" else 3)
    if args.data is not None:
        data = np.load(args.data) if args.data.endswith(".npy") else np.loadtxt(args.data, delimiter=",")
        x, y, dim = data[:, :1].copy(), data[:, 1:2].copy(), 1
        args.n = x.shape[0]
    else:
        rng = np.random.default_rng(args.seed)
        x = rng.standard_normal((args.n, dim))
        y = args.rho * x + np.sqrt(1 - args.rho ** 2) * rng.standard_normal((args.n, dim))
    try:
        if args.peer == "sklearn":
            if dim != 1:
                raise SystemExit("mutual_info_regression takes one target: use --dim 1")
            import sklearn
            from sklearn.feature_selection import mutual_info_regression
            name, version = "sklearn mutual_info_regression", sklearn.__version__
            call = lambda xs, ys: float(mutual_info_regression(xs, ys[:, 0], n_neighbors=args.k, random_state=0)[0])
        else:
            import scipy
            name, version = "scipy cKDTree KSG", scipy.__version__
            call = lambda xs, ys: ksg_ckdtree(xs, ys, args.k)
    except ImportError as error:
        print(json.dumps({"peer": args.peer, "skipped": f"not importable: {error}"}))
        return 0
    call(x[:1000], y[:1000])  # warm-up (imports, code paths)
    best, value = float("inf"), None
    for _ in range(args.repeats):
        start = time.perf_counter()
        value = call(x, y)
        best = min(best, time.perf_counter() - start)
    print(json.dumps({"peer": name, "version": version, "seconds": best, "value": value,
                      "true_value": -dim / 2 * np.log(1 - args.rho ** 2), "n": args.n, "dim": dim,
                      "k": args.k, "repeats": args.repeats}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
