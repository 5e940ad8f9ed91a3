// CoreCases.swift — the sampling estimators of VarianceReduction on five problems with closed
// forms: plain, antithetic, regression control variates, randomized QMC, importance sampling.

import Foundation
import MonteCarlo

enum CoreCases {
    /// Five problems:
    /// - **E[e^U] = e − 1**, U ~ U(0, 1): smooth and monotone; the control is U (mean 1/2).
    /// - **A European call** under geometric Brownian motion (S₀ = 100, K = 105, r = 5%, σ = 20%,
    ///   T = 1), driven by Z ~ N(0, 1): a skewed payoff with a kink, priced by Black–Scholes; the
    ///   control is the discounted terminal price, whose mean is S₀.
    /// - **A 5-d smooth product**, E[exp(u₁ + u₂/2 + … + u₅/5)] = ∏ j (e^(1/j) − 1), for RQMC with
    ///   few randomizations (a Student-t interval with 7 degrees of freedom).
    /// - **P(X > 3) = Φ̄(3)** for X ~ N(0, 1), by importance sampling from N(3, 1).
    /// - **E[X²] = 1** for X ~ N(0, 1), by importance sampling from the wider N(0.5, 1.5²).
    static func cases() throws(MonteCarloError) -> [CalibrationCase] {
        let family = "core"
        func row<E: MonteCarloEstimator>(_ label: String, _ input: String, _ problem: String, truth: Double, _ estimator: E,
                                         samples: Int) -> CalibrationCase where E.Output == Estimate {
            singleEstimatorCase(family: family, input: input, label, problem: problem, truth: truth, estimator, samples: samples)
        }
        // E[e^U] = e − 1.
        let exponential = Integrand<Double> { exp($0) }
        let uniform = UniformDistribution.unit
        let identity = try VectorIntegrand<Double>(outputDimension: 1) { [$0] }
        let eU = "E[e^U]", onUniform = "i.i.d. U(0, 1)", pairsUniform = "antithetic pairs, U(0, 1)"
        let rqmcUniform = "randomized QMC points, U(0, 1)"
        let e1 = M_E - 1
        func controlVariate(_ fitting: ControlVariateMonteCarlo<UniformDistribution>.CoefficientFitting)
            throws(MonteCarloError) -> ControlVariateMonteCarlo<UniformDistribution> {
            try ControlVariateMonteCarlo(sampler: uniform, integrand: exponential, controls: identity,
                                         controlMeans: [0.5], fitting: fitting)
        }

        // The European call: payoff of Z ~ N(0, 1); control e^(−rT) S_T with mean S₀.
        let option = try EuropeanCallOption(spot: 100, strike: 105, rate: 0.05, volatility: 0.2, maturity: 1)
        let call = "European call", onNormal = "i.i.d. N(0, 1)", pairsNormal = "antithetic pairs, N(0, 1)"
        let rqmcNormal = "randomized QMC points, N(0, 1)"
        let payoff = Integrand<Double> { option.discountedPayoff($0) }
        let discountedTerminal = try VectorIntegrand<Double>(outputDimension: 1) { z in
            [option.spot * exp(-0.5 * option.volatility * option.volatility * option.maturity
                               + option.volatility * option.maturity.squareRoot() * z)]
        }
        let normal = NormalDistribution.standard
        let price = option.blackScholesPrice

        // The 5-d product.
        let cube = try UnitCube(dimension: 5)
        let product = Integrand<[Double]> { u in exp(u[0] + u[1] / 2 + u[2] / 3 + u[3] / 4 + u[4] / 5) }
        let productTruth = (1...5).reduce(1.0) { $0 * Double($1) * (exp(1 / Double($1)) - 1) }
        let product5 = "5-d product", onCube = "randomized QMC points, U(0, 1)⁵"

        // Importance sampling.
        let shifted = try NormalDistribution(mean: 3, standardDeviation: 1)
        let wide = try NormalDistribution(mean: 0.5, standardDeviation: 1.5)
        let tail = Integrand<Double> { $0 > 3 ? 1 : 0 }
        let square = Integrand<Double> { $0 * $0 }
        let tailTruth = NormalDistribution.standardCumulativeProbability(-3)
        let fromShifted = "i.i.d. from q = N(3, 1)", fromWide = "i.i.d. from q = N(0.5, 1.5²)"

        return [
            row("plain", onUniform, eU, truth: e1, PlainMonteCarlo(sampler: uniform, integrand: exponential), samples: 1000),
            row("antithetic", pairsUniform, eU, truth: e1, AntitheticMonteCarlo(sampler: uniform, integrand: exponential), samples: 500),
            row("control variate, cross-fitted", onUniform, eU, truth: e1, try controlVariate(.crossFitted(folds: 2)), samples: 1000),
            row("control variate, pilot 20%", onUniform, eU, truth: e1, try controlVariate(.pilot(fraction: 0.2)), samples: 1000),
            row("control variate, OLS", onUniform, eU, truth: e1, try controlVariate(.ordinaryLeastSquares), samples: 1000),
            row("RQMC Sobol (16 × 64)", rqmcUniform, eU, truth: e1,
                try RandomizedQuasiMonteCarlo(sampler: uniform, integrand: exponential, sequence: .sobol,
                                              pointsPerReplicate: 64), samples: 16),
            row("RQMC Halton (16 × 64)", rqmcUniform, eU, truth: e1,
                try RandomizedQuasiMonteCarlo(sampler: uniform, integrand: exponential, sequence: .halton,
                                              pointsPerReplicate: 64), samples: 16),

            row("plain", onNormal, call, truth: price, PlainMonteCarlo(sampler: normal, integrand: payoff), samples: 2000),
            row("antithetic", pairsNormal, call, truth: price, AntitheticMonteCarlo(sampler: normal, integrand: payoff), samples: 1000),
            row("control variate, cross-fitted", onNormal, call, truth: price,
                try ControlVariateMonteCarlo(sampler: normal, integrand: payoff, controls: discountedTerminal,
                                             controlMeans: [option.spot], fitting: .crossFitted(folds: 2)),
                samples: 2000),
            row("control variate, OLS", onNormal, call, truth: price,
                try ControlVariateMonteCarlo(sampler: normal, integrand: payoff, controls: discountedTerminal,
                                             controlMeans: [option.spot], fitting: .ordinaryLeastSquares),
                samples: 2000),
            row("RQMC Sobol (16 × 128)", rqmcNormal, call, truth: price,
                try RandomizedQuasiMonteCarlo(sampler: normal, integrand: payoff, sequence: .sobol,
                                              pointsPerReplicate: 128), samples: 16),

            row("RQMC Sobol (8 × 128)", onCube, product5, truth: productTruth,
                try RandomizedQuasiMonteCarlo(sampler: cube, integrand: product, sequence: .sobol,
                                              pointsPerReplicate: 128), samples: 8),
            row("RQMC Halton (8 × 128)", onCube, product5, truth: productTruth,
                try RandomizedQuasiMonteCarlo(sampler: cube, integrand: product, sequence: .halton,
                                              pointsPerReplicate: 128), samples: 8),

            row("IS standard", fromShifted, "P(X > 3)", truth: tailTruth,
                ImportanceSampling(target: normal, proposal: shifted, integrand: tail), samples: 1000),
            row("IS standard", fromWide, "E[X²]", truth: 1,
                ImportanceSampling(target: normal, proposal: wide, integrand: square), samples: 2000),
            row("IS self-normalized", fromWide, "E[X²]", truth: 1,
                ImportanceSampling(target: normal, proposal: wide, integrand: square, normalization: .selfNormalized),
                samples: 2000),
            row("IS self-normalized", fromShifted, "P(X > 3)", truth: tailTruth,
                ImportanceSampling(target: normal, proposal: shifted, integrand: tail, normalization: .selfNormalized),
                samples: 1000),
        ]
    }

    /// A deliberately miscalibrated row that is *not* on the known-bad list: plain Monte Carlo of
    /// E[e^U] reporting a quarter of its standard error (1/16 of its variance, so that even a quick
    /// run with R = 20 catches it). `--inject-failure` adds it, to show (and test)
    /// that an unexpected FAIL makes the run exit non-zero.
    static func injectedFailure() -> CalibrationCase {
        let plain = PlainMonteCarlo(sampler: UniformDistribution.unit, integrand: Integrand<Double> { exp($0) })
        return CalibrationCase(
            family: "core", input: "i.i.d. U(0, 1)",
            rows: [RowSpec(estimator: "injected: plain reporting SE/4", problem: "E[e^U]", truth: M_E - 1, size: 1000)],
            replicate: { generator throws(MonteCarloError) in
                [attempt { () throws(MonteCarloError) -> Estimate in
                    var state = plain.makeState()
                    try plain.accumulate(1000, firstIndex: 0, into: &state, using: &generator)
                    let honest = try plain.estimate(from: state)
                    return Estimate(value: honest.value, variance: honest.variance / 16, sampleCount: honest.sampleCount,
                                    effectiveSampleSize: honest.effectiveSampleSize * 16, diagnostics: honest.diagnostics)
                }]
            })
    }
}
