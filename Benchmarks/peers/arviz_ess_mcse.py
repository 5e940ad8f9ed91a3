#!/usr/bin/env python3
"""Peer for chainbench: ArviZ's effective sample size and Monte Carlo standard error of the mean
(`arviz.ess(method="mean")` and `arviz.mcse(method="mean")`: Geyer's initial monotone sequence on
the FFT autocorrelations, Stan/ArviZ conventions) of every column of a (chains, draws, p) array.

With --file the array is read from raw little-endian float64 (draws × p, C order, one chain,
written by chainbench) so that the peer runs on exactly the same data as the Swift side;
otherwise AR(1) columns are generated. The timed work is the conversion to an xarray Dataset
plus both calls, best of --repeats after one small warm-up call.
Prints one JSON object on one line: {peer, version, seconds, value (ESS of the last column),
mcse (of the last column)}.
"""
import argparse, json, time
import numpy as np


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--file")
    parser.add_argument("--draws", type=int, default=1_000_000)
    parser.add_argument("--dimension", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    try:
        import arviz as az
    except ImportError as error:
        print(json.dumps({"peer": "arviz ess+mcse (mean)", "skipped": f"arviz not importable: {error}"}))
        return 0
    n, p = args.draws, args.dimension
    if args.file:
        x = np.fromfile(args.file, dtype="<f8").reshape(n, p)
    else:
        rng = np.random.default_rng(args.seed)
        rhos = 0.05 + 0.1 * np.arange(p)
        x = np.empty((n, p))
        x[0] = rng.standard_normal(p)
        e = rng.standard_normal((n, p)) * np.sqrt(1 - rhos ** 2)
        for t in range(1, n):
            x[t] = rhos * x[t - 1] + e[t]
    array = x.reshape(1, n, p)

    def call(a):
        data = az.convert_to_dataset(a)
        ess = az.ess(data, method="mean")
        mcse = az.mcse(data, method="mean")
        return ess["x"].values, mcse["x"].values

    call(array[:, :1000, :])
    best = float("inf")
    for _ in range(max(1, args.repeats)):
        start = time.perf_counter()
        ess, mcse = call(array)
        best = min(best, time.perf_counter() - start)
    print(json.dumps({"peer": "arviz ess+mcse (mean)", "version": az.__version__, "seconds": best,
                      "value": float(ess[-1]), "mcse": float(mcse[-1])}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
