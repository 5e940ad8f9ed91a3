#!/usr/bin/env python3
"""Peer for swbench: the sliced-Wasserstein distance with POT (and, with --peer numpy, a
straightforward vectorized numpy implementation of the same plain Monte Carlo estimator).

Same problem as Benchmarks/swbench/main.swift: n points per cloud in d dimensions,
X ~ N(0, I), Y ~ 1.5 N(0, I) + 0.3, L random directions uniform on the sphere, p = 2
(the data differ from the Swift run's: same sizes and distributions, other seeds).
POT's ot.sliced_wasserstein_distance returns SW_p (not SW_p^p, which MonteCarlo estimates)
and no error bar; "value" is SW_p and "value_pth_power" is SW_p^p for comparison.
Prints one JSON object on one line: {peer, seconds, value, value_pth_power, ...}.
The timed call is the best of --repeats calls after one warm-up call with few projections.

With --x-file/--y-file the clouds are read from raw little-endian float64 files (n × d, C order,
written by swbench) so that the peer runs on exactly the same data. With --log the output also
holds the standard error of SW_p^p from the per-projection values W_p^p(θ_l) (POT's log=True
"projected_emds"; for numpy the same values): "standardError" = sd/√L.
"""
import argparse, json, sys, time
import numpy as np


def numpy_plain(X, Y, L, p, rng):
    """Plain MC: one matrix product for all directions, np.sort along the points, mean of |diff|^p."""
    theta = rng.standard_normal((X.shape[1], L))
    theta /= np.linalg.norm(theta, axis=0, keepdims=True)
    px = np.sort(X @ theta, axis=0)
    py = np.sort(Y @ theta, axis=0)
    per_projection = np.mean(np.abs(px - py) ** p, axis=0)
    return float(np.mean(per_projection)) ** (1.0 / p), per_projection


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--peer", choices=["pot", "numpy"], default="pot")
    parser.add_argument("--n", type=int, default=10000)
    parser.add_argument("--d", type=int, default=64)
    parser.add_argument("--projections", type=int, default=1000)
    parser.add_argument("--p", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--x-file")
    parser.add_argument("--y-file")
    parser.add_argument("--log", action="store_true")
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    if args.x_file and args.y_file:
        X = np.fromfile(args.x_file, dtype="<f8").reshape(-1, args.d)
        Y = np.fromfile(args.y_file, dtype="<f8").reshape(-1, args.d)
    else:
        X = rng.standard_normal((args.n, args.d))
        Y = 1.5 * rng.standard_normal((args.n, args.d)) + 0.3
    if args.peer == "pot":
        try:
            import ot
        except ImportError as error:
            print(json.dumps({"peer": "POT ot.sliced_wasserstein_distance", "skipped": f"POT not importable: {error}"}))
            return 0
        name, version = "POT ot.sliced_wasserstein_distance", ot.__version__
        def call(L, seed):
            if not args.log:
                return float(ot.sliced_wasserstein_distance(X, Y, n_projections=L, p=args.p, seed=seed)), None
            value, log = ot.sliced_wasserstein_distance(X, Y, n_projections=L, p=args.p, seed=seed, log=True)
            return float(value), np.asarray(log["projected_emds"])
    else:
        name, version = "numpy plain MC (matmul + np.sort)", np.__version__
        call = lambda L, seed: numpy_plain(X, Y, L, args.p, np.random.default_rng(seed))
    call(10, 0)  # warm-up
    best, value, per_projection = float("inf"), None, None
    for r in range(args.repeats):
        start = time.perf_counter()
        value, per_projection = call(args.projections, args.seed + 1 + r)
        best = min(best, time.perf_counter() - start)
    standard_error = None
    if args.log and per_projection is not None:
        standard_error = float(np.std(per_projection, ddof=1) / np.sqrt(len(per_projection)))
    blas = None
    try:
        from threadpoolctl import threadpool_info
        blas = [f"{i.get('internal_api')} {i.get('version')} {i.get('architecture')} threads={i.get('num_threads')}"
                for i in threadpool_info() if i.get("user_api") == "blas"]
    except Exception:
        pass
    print(json.dumps({"peer": name, "version": version, "seconds": best, "value": value,
                      "value_pth_power": value ** args.p, "standardError": standard_error,
                      "n": X.shape[0], "d": args.d,
                      "projections": args.projections, "p": args.p, "repeats": args.repeats, "blas": blas}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
