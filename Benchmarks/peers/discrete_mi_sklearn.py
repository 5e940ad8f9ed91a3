#!/usr/bin/env python3
"""Peer values for the discrete and mixed mutual-information estimators (issue 18, item 2).

--reference: prints JSON reference values on deterministic "formula data" that the Swift tests
  rebuild bit for bit (only *, +, fmod and floor), for n in --sizes:
    label_i = floor(3 * frac(0.7548776662466927 i + 0.1))
    u_i = frac(0.6180339887498949 i² + 0.25), v_i = frac(0.4142135623730951 i² + 0.5)
    feature_i = 0.8 label_i + u_i + v_i
    code_i = floor(4 * frac(0.5 u_i + 0.3 label_i))          (a second discrete variable)
    tied_i = floor(4 feature_i) / 4 for even i, feature_i for odd i   (a mixed variable with ties)
  Values: sklearn.metrics.mutual_info_score(label, code) (the plug-in estimate);
  sklearn's private _compute_mi_cd(feature, label, k) (Ross 2014, no rescaling, no jitter; clipped
  at 0 -- our data give positive values) and the public mutual_info_classif(feature, label,
  n_neighbors=k, random_state=0) (rescaled to unit variance and jittered by 1e-10 noise);
  and Gao, Kannan, Oh & Viswanath (2017) on (label, tied) written here in numpy by brute force
  in the form of the authors' reference code (digamma of the counts including the point, strictly
  inside rho; the whole tie when rho = 0). No peer library implements it: an independent check of
  the formula, not a peer.
--bench: times mutual_info_classif on one continuous feature and a 3-class label (n points,
  label uniform on {0, 1, 2}, feature = label + N(0, 1)), best of --repeats; prints one JSON line
  {peer, n, seconds, value}.
"""
import argparse, json, sys, time
import numpy as np


def formula_data(n):
    i = np.arange(n, dtype=np.float64)
    label = np.floor(3.0 * np.fmod(i * 0.7548776662466927 + 0.1, 1.0))
    u = np.fmod(i * i * 0.6180339887498949 + 0.25, 1.0)
    v = np.fmod(i * i * 0.4142135623730951 + 0.5, 1.0)
    feature = 0.8 * label + u + v
    code = np.floor(4.0 * np.fmod(0.5 * u + 0.3 * label, 1.0))
    tied = np.where(np.arange(n) % 2 == 0, np.floor(4.0 * feature) / 4.0, feature)
    return label.astype(int), feature, code.astype(int), tied


def gao_mixed(x, y, k):
    from scipy.special import digamma
    n = x.shape[0]
    dx = np.abs(x[:, None] - x[None, :])
    dy = np.abs(y[:, None] - y[None, :])
    dz = np.maximum(dx, dy)
    total = 0.0
    for i in range(n):
        rho = np.sort(np.delete(dz[i], i))[k - 1]
        if rho == 0:  # the whole tie, the point itself included
            kt, nx, ny = np.sum(dz[i] == 0), np.sum(dx[i] == 0), np.sum(dy[i] == 0)
        else:  # strictly inside rho, the point itself included
            kt, nx, ny = k, np.sum(dx[i] < rho), np.sum(dy[i] < rho)
        total += digamma(kt) + np.log(n) - digamma(nx) - digamma(ny)
    return total / n


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--reference", action="store_true")
    parser.add_argument("--sizes", type=int, nargs="*", default=[300, 2000])
    parser.add_argument("--k", type=int, default=3)
    parser.add_argument("--bench", action="store_true")
    parser.add_argument("--n", type=int, default=100000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    from sklearn.feature_selection import mutual_info_classif
    if args.bench:
        rng = np.random.default_rng(args.seed)
        label = rng.integers(0, 3, size=args.n)
        feature = label + rng.standard_normal(args.n)
        best, value = float("inf"), None
        for _ in range(args.repeats):
            start = time.perf_counter()
            value = float(mutual_info_classif(feature.reshape(-1, 1), label, n_neighbors=args.k, random_state=0)[0])
            best = min(best, time.perf_counter() - start)
        print(json.dumps({"peer": "sklearn-mutual_info_classif", "n": args.n, "seconds": best, "value": value}))
        return
    import sklearn
    from sklearn.metrics import mutual_info_score
    from sklearn.feature_selection._mutual_info import _compute_mi_cd
    out = {"sklearn": sklearn.__version__, "k": args.k, "cases": []}
    for n in args.sizes:
        label, feature, code, tied = formula_data(n)
        out["cases"].append({
            "n": n,
            "plugIn": float(mutual_info_score(label, code)),
            "rossUnjittered": float(_compute_mi_cd(feature, label, args.k)),
            "rossClassif": float(mutual_info_classif(feature.reshape(-1, 1), label, n_neighbors=args.k, random_state=0)[0]),
            "gaoMixed": float(gao_mixed(label.astype(float), tied, args.k)) if n <= 3000 else None,
        })
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    sys.exit(main())
