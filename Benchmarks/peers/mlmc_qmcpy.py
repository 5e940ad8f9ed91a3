#!/usr/bin/env python3
"""Peer for mlmcbench's QMCPy section: QMCPy's multilevel Monte Carlo (CubMLMC) on an Asian call.

The problem is the one mlmcbench runs on our side: a call on the continuous geometric average
exp((1/T) int_0^T log S dt) of a GBM with S0 = K = 100, r = 0.05, sigma = 0.2, T = 1, whose price
has a closed form (Kemna & Vorst 1990; QMCPy's FinancialOption.get_exact_value_inf_dim gives the
same number). QMCPy's level l samples the GBM *exactly* at d_coarsest * 2^l equally spaced dates
(d_coarsest = 2) and averages the log-prices by the trapezoidal rule, so its hierarchy has only
quadrature bias; ours time-steps the SDE (Milstein). Both have the same limit.

Why not the European call: QMCPy's multilevel FinancialOption samples S_T exactly on every level,
so every level difference is exactly 0 and its "MLMC" is plain Monte Carlo of the exact payoff on
level 0; there is no discretization hierarchy to compare.

CubMLMC runs Giles' algorithm to the root-mean-square error --rmse (its rmse_tol; variance and
squared bias each get half, theta = 1/2, as ours). Prints one JSON object on one line:
{peer, version, seconds, value, points, truth}; seconds is the best of --repeats runs (seeds
--seed, --seed + 1, ...), value and points (n_total, level samples summed) are the last run's.
"""
import argparse, json, math, sys, time


def kemna_vorst(spot, strike, rate, volatility, maturity):
    """The continuously averaged geometric Asian call (log G ~ N(m, v) with v = sigma^2 T / 3)."""
    from statistics import NormalDist
    m = math.log(spot) + (rate - 0.5 * volatility ** 2) * maturity / 2
    sd = volatility * math.sqrt(maturity / 3)
    d2 = (m - math.log(strike)) / sd
    d1 = d2 + sd
    phi = NormalDist().cdf
    return math.exp(-rate * maturity) * (math.exp(m + 0.5 * sd * sd) * phi(d1) - strike * phi(d2))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rmse", type=float, default=1e-2)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    terms = dict(spot=100.0, strike=100.0, rate=0.05, volatility=0.2, maturity=1.0)
    truth = kemna_vorst(**terms)
    try:
        import qmcpy as qp
    except Exception as error:  # the Swift side reports the peer as skipped
        print(json.dumps({"peer": "QMCPy CubMLMC", "skipped": f"qmcpy not importable: {error}"}))
        return
    best, value, points = float("inf"), None, None
    for repeat in range(max(1, args.repeats)):
        seed = args.seed + repeat
        start = time.perf_counter()
        option = qp.FinancialOption(qp.IIDStdUniform(seed=seed), option="ASIAN", asian_mean="GEOMETRIC",
                                    volatility=terms["volatility"], start_price=terms["spot"],
                                    strike_price=terms["strike"], interest_rate=terms["rate"],
                                    t_final=terms["maturity"])
        solution, data = qp.CubMLMC(option, rmse_tol=args.rmse).integrate()
        best = min(best, time.perf_counter() - start)
        value, points = float(solution), int(data.n_total)
    print(json.dumps({"peer": "QMCPy CubMLMC", "version": qp.__version__, "seconds": best, "value": value,
                      "points": points, "truth": truth}))


if __name__ == "__main__":
    sys.exit(main())
