// MutualInformationCases.swift — KSG (both algorithms; in 1 + 1 d also at N = 10⁴, where its SE
// rescales the fixed-radius jackknife) and the Gaussian plug-in estimator on
// Gaussian and Student-t data (the plug-in alone also at ν = 3, where its sandwich variance is
// documented as not honest), and every variational bound (NWJ, DV, InfoNCE, JS, SMILE) and
// Barber–Agakov with the exact critic at I = 2, 6 and 10 nats.

import Foundation
import MonteCarlo
import NotebookSupport

enum MutualInformationCases {
    /// Data sets of N = 2000 pairs.
    static let pairs = 2000

    /// KSG and the plug-in estimator on one data class: `draw` makes (x, y); `truth` is I, and
    /// `gaussianTruth` what the plug-in estimator targets (I itself for Gaussian data, the
    /// Gaussian proxy −½ log det(I − canonical correlations²) otherwise).
    static func plugInCase(input: String, truth: Double, gaussianTruth: Double,
                           draw: @escaping @Sendable (inout Xoshiro256PlusPlus) -> (x: [[Double]], y: [[Double]])) -> CalibrationCase {
        let proxy = truth == gaussianTruth ? "I" : "Gaussian proxy of I (its estimand)"
        return CalibrationCase(
            family: "MI", input: input,
            rows: [RowSpec(estimator: "Gaussian plug-in", problem: proxy, truth: gaussianTruth, size: pairs),
                   RowSpec(estimator: "KSG-1, k = 3 (jackknife SE)", problem: "I", truth: truth, size: pairs),
                   RowSpec(estimator: "KSG-2, k = 3 (jackknife SE)", problem: "I", truth: truth, size: pairs)],
            cost: 2,
            replicate: { generator in
                let (x, y) = draw(&generator)
                let seed = generator.next()
                return [
                    attempt { () throws(MonteCarloError) in try GaussianMutualInformation.estimate(x: x, y: y) },
                    attempt { () throws(MonteCarloError) in try KSGEstimator(algorithm: .one, seed: seed).estimate(x: x, y: y) },
                    attempt { () throws(MonteCarloError) in try KSGEstimator(algorithm: .two, seed: seed).estimate(x: x, y: y) },
                ]
            })
    }

    /// Every bound with the exact critic T = log r on one batch of B = 256 pairs of d = 5
    /// correlated coordinates carrying `information` nats.
    static func boundCase(information: Double) throws(MonteCarloError) -> CalibrationCase {
        let d = 5, batch = 256
        let rho = (1 - exp(-2 * information / Double(d))).squareRoot()
        let critic = try GaussianCritic(covariance: GaussianCritic.correlatedPairsCovariance(dimension: d, correlation: rho), xDimension: d)
        let truth = critic.mutualInformation
        let problem = "I = \(Fmt.fixed(information, 0)) nats"
        let input = "i.i.d. Gaussian pairs (5 + 5), B = 256, exact critic"
        let dvBias = Judgement.varianceOnly("DV at finite B: −E log(mean of e^S over pairs) ≥ 0 by Jensen, a bias of about half that mean's variance, O(Var(e^S)/B), not in the error bar")
        let rows = [
            RowSpec(estimator: "NWJ at T + 1", problem: problem, truth: truth, size: batch),
            RowSpec(estimator: "DV (MINE)", problem: problem, truth: truth, size: batch, judgement: dvBias),
            RowSpec(estimator: "InfoNCE", problem: problem, truth: truth, size: batch,
                    judgement: .varianceOnly("InfoNCE ≤ log B and biased low at finite B even with the exact critic")),
            RowSpec(estimator: "JS, NWJ at S + 1", problem: problem, truth: truth, size: batch),
            RowSpec(estimator: "JS, DV at S", problem: problem, truth: truth, size: batch, judgement: dvBias),
            RowSpec(estimator: "SMILE τ = 5", problem: problem, truth: truth, size: batch,
                    judgement: .varianceOnly("clipping the partition terms at e^{±τ} biases the value")),
            RowSpec(estimator: "Barber–Agakov, exact p(x ∣ y)", problem: problem, truth: truth, size: batch),
        ]
        // Barber–Agakov: H(X) = (d/2) log(2πe); X ∣ Y = y ~ N(ρy, (1 − ρ²) I).
        let entropy = 0.5 * Double(d) * log(2 * Double.pi * M_E)
        let conditionalVariance = 1 - rho * rho
        let logNormalizer = -0.5 * Double(d) * log(2 * Double.pi * conditionalVariance)
        return CalibrationCase(
            family: "MI", input: input, rows: rows,
            replicate: { generator throws(MonteCarloError) in
                let (x, y) = Inputs.gaussianPairs(count: batch, dimension: d, correlation: rho, using: &generator)
                let scores = try critic.scoreMatrix(x: x, y: y)
                let shifted = scores.shifted(by: 1)
                let conditional = (0..<batch).map { i in
                    logNormalizer - zip(x[i], y[i]).reduce(0) { $0 + ($1.0 - rho * $1.1) * ($1.0 - rho * $1.1) } / (2 * conditionalVariance)
                }
                return [
                    attempt { () throws(MonteCarloError) in try VariationalBound.nwj.estimate(from: shifted) },
                    attempt { () throws(MonteCarloError) in try VariationalBound.donskerVaradhan.estimate(from: scores) },
                    attempt { () throws(MonteCarloError) in try VariationalBound.infoNCE.estimate(from: scores) },
                    attempt { () throws(MonteCarloError) in try VariationalBound.jensenShannon(.nwjShifted).estimate(from: scores) },
                    attempt { () throws(MonteCarloError) in try VariationalBound.jensenShannon(.donskerVaradhan).estimate(from: scores) },
                    attempt { () throws(MonteCarloError) in try VariationalBound.smile(tau: 5).estimate(from: scores) },
                    attempt { () throws(MonteCarloError) in
                        try BarberAgakov.estimate(entropyOfX: entropy, conditionalLogDensities: conditional) },
                ]
            })
    }

    /// The Gaussian plug-in alone (sandwich variance, the default) on Student-t ν = 3 data: the
    /// estimand is the Gaussian MI of the covariance, which for t_ν (covariance ν/(ν − 2) times
    /// the dispersion, the same correlations) is that of the dispersion. With infinite fourth
    /// moments Î is not √n-normal and the type documents its variance as not honest there
    /// (reported/empirical 0.59–0.88). At R = 250 the χ² region (reported/empirical down to
    /// about 0.72) does not resolve that shortfall: measured 0.78 here, a pass; at R = 1000 the
    /// row may fail, and then belongs on the known-bad list for that reason.
    static func heavyTailPlugInCase(gaussianTruth: Double, dispersion: Matrix) throws(MonteCarloError) -> CalibrationCase {
        let distribution = try MultivariateStudentTDistribution(dispersion: dispersion, degreesOfFreedom: 3)
        let n = pairs
        return CalibrationCase(
            family: "MI", input: "i.i.d. Student-t ν = 3 (2 + 2), ρ = 0.6",
            rows: [RowSpec(estimator: "Gaussian plug-in", problem: "Gaussian proxy of I (its estimand)", truth: gaussianTruth, size: n)],
            replicate: { generator in
                let (x, y) = Inputs.studentTPairs(count: n, distribution: distribution, xDimension: 2, using: &generator)
                return [attempt { () throws(MonteCarloError) in try GaussianMutualInformation.estimate(x: x, y: y) }]
            })
    }

    /// KSG in 1 + 1 dimensions at N = 10⁴, where the blocks hold 1024 points and the standard
    /// error rescales the jackknife with fixed radii (`figures["fixedRadiusJackknife"]` = 1)
    /// instead of the exact one that the N = 2000 rows use.
    static func fixedRadiusCase(input: String, truth: Double,
                                draw: @escaping @Sendable (inout Xoshiro256PlusPlus) -> (x: [[Double]], y: [[Double]])) -> CalibrationCase {
        let n = 10_000
        return CalibrationCase(
            family: "MI", input: input,
            rows: [RowSpec(estimator: "KSG-1, k = 3 (fixed-radius jackknife SE)", problem: "I", truth: truth, size: n),
                   RowSpec(estimator: "KSG-2, k = 3 (fixed-radius jackknife SE)", problem: "I", truth: truth, size: n)],
            cost: 4,
            replicate: { generator in
                let (x, y) = draw(&generator)
                let seed = generator.next()
                return [
                    attempt { () throws(MonteCarloError) in try KSGEstimator(algorithm: .one, seed: seed).estimate(x: x, y: y) },
                    attempt { () throws(MonteCarloError) in try KSGEstimator(algorithm: .two, seed: seed).estimate(x: x, y: y) },
                ]
            })
    }

    static func cases() throws(MonteCarloError) -> [CalibrationCase] {
        let rho = 0.6
        let pairInformation = -0.5 * log(1 - rho * rho)   // per coordinate pair
        // Student-t ν = 5 with the same dispersion as the 2 + 2 Gaussian: I = I_G + c(ν, 2, 2).
        let dispersion = GaussianCritic.correlatedPairsCovariance(dimension: 2, correlation: rho)
        let studentT = try MultivariateStudentTDistribution(dispersion: dispersion, degreesOfFreedom: 5)
        let studentTruth = try StudentTMutualInformation.exact(dispersion: dispersion, xDimension: 2, degreesOfFreedom: 5)
        let lineDispersion = GaussianCritic.correlatedPairsCovariance(dimension: 1, correlation: rho)
        let lineStudentT = try MultivariateStudentTDistribution(dispersion: lineDispersion, degreesOfFreedom: 5)
        let lineStudentTruth = try StudentTMutualInformation.exact(dispersion: lineDispersion, xDimension: 1, degreesOfFreedom: 5)
        let n = pairs
        return [
            plugInCase(input: "i.i.d. Gaussian (1 + 1), ρ = 0.6", truth: pairInformation, gaussianTruth: pairInformation) { g in
                Inputs.gaussianPairs(count: n, dimension: 1, correlation: rho, using: &g)
            },
            plugInCase(input: "i.i.d. Gaussian (2 + 2), ρ = 0.6", truth: 2 * pairInformation, gaussianTruth: 2 * pairInformation) { g in
                Inputs.gaussianPairs(count: n, dimension: 2, correlation: rho, using: &g)
            },
            plugInCase(input: "i.i.d. Student-t ν = 5 (2 + 2), ρ = 0.6", truth: studentTruth, gaussianTruth: 2 * pairInformation) { g in
                Inputs.studentTPairs(count: n, distribution: studentT, xDimension: 2, using: &g)
            },
            try heavyTailPlugInCase(gaussianTruth: 2 * pairInformation, dispersion: dispersion),
            fixedRadiusCase(input: "i.i.d. Gaussian (1 + 1), ρ = 0.6", truth: pairInformation) { g in
                Inputs.gaussianPairs(count: 10_000, dimension: 1, correlation: rho, using: &g)
            },
            fixedRadiusCase(input: "i.i.d. Student-t ν = 5 (1 + 1), ρ = 0.6", truth: lineStudentTruth) { g in
                Inputs.studentTPairs(count: 10_000, distribution: lineStudentT, xDimension: 1, using: &g)
            },
            try boundCase(information: 2),
            try boundCase(information: 6),
            try boundCase(information: 10),
        ]
    }
}
