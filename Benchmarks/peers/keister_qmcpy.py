#!/usr/bin/env python3
"""Peer for mcbench's stopping-rule section: QMCPy's stopping criteria on the Keister integral.

The Keister integral over R^3, int cos(|x|) exp(-|x|^2) dx = 2.168309 (truth to 7 digits, the
value QMCPy's documentation quotes), with an absolute-error tolerance:
--peer sobolg: CubQMCSobolG (a guaranteed cubature on digitally shifted Sobol points; its
  tolerance is a deterministic error bound under its cone condition, not a confidence level);
--peer mcclt: CubMCCLT (i.i.d. draws, a two-stage CLT rule) at alpha = 0.05, so a 95% interval
  like the Swift side's, with QMCPy's default inflation 1.2 of the pilot standard deviation;
--peer mcg: CubMCG (i.i.d. draws, the guaranteed rule of Hickernell, Jiang, Liu & Owen 2013: a
  Berry-Esseen bound on a variance inflated under a kurtosis cone) at alpha = 0.05.
Prints one JSON object on one line: {peer, version, seconds, value, points, tolerance, inside};
seconds is the best of --repeats runs (each with a new seed), points and value are the last run's.
"""
import argparse, json, sys, time

TRUTH = 2.168309


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--peer", choices=["sobolg", "mcclt", "mcg"], default="sobolg")
    parser.add_argument("--tol", type=float, default=1e-3)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    try:
        import qmcpy as qp
    except Exception as error:  # the Swift side reports the peer as skipped
        print(json.dumps({"peer": args.peer, "skipped": f"qmcpy not importable: {error}"}))
        return
    best, value, points = float("inf"), None, None
    for repeat in range(max(1, args.repeats)):
        seed = args.seed + repeat
        start = time.perf_counter()
        if args.peer == "sobolg":
            integrand = qp.Keister(qp.DigitalNetB2(3, seed=seed))
            solution, data = qp.CubQMCSobolG(integrand, abs_tol=args.tol).integrate()
        elif args.peer == "mcclt":
            integrand = qp.Keister(qp.IIDStdUniform(3, seed=seed))
            solution, data = qp.CubMCCLT(integrand, abs_tol=args.tol, alpha=0.05).integrate()
        else:
            integrand = qp.Keister(qp.IIDStdUniform(3, seed=seed))
            solution, data = qp.CubMCG(integrand, abs_tol=args.tol, alpha=0.05).integrate()
        best = min(best, time.perf_counter() - start)
        value, points = float(solution), int(data.n_total)
    print(json.dumps({"peer": {"sobolg": "QMCPy CubQMCSobolG", "mcclt": "QMCPy CubMCCLT", "mcg": "QMCPy CubMCG"}[args.peer],
                      "version": qp.__version__, "seconds": best, "value": value, "points": points,
                      "tolerance": args.tol, "inside": abs(value - TRUTH) <= args.tol}))


if __name__ == "__main__":
    sys.exit(main())
