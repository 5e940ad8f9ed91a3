import Foundation
import LinearAlgebra
import MonteCarloCore
import StatisticalTesting
import Testing
@testable import SteinControlVariates

/// Calibration of the split and cross-fitted (semi-exact) control functionals at n ≥ 200 on
/// the three problems, where the held-out residual variance alone was too small
/// (measured coverage 0.44–0.67 on the 1-D problem, 0.83–0.89 on the 2-D one).
///
/// **A smoke test by default**: each case runs R = 16 replications (`CalibrationScale`), which
/// only catches gross failures (it accepts coverage down to 69%); the full run, R = 300, is
/// `MONTECARLO_CALIBRATION=full swift test --filter "Calibration at n"` (several minutes in a
/// debug build; `make test-calibration`). The powered default-run calibration of the kernel
/// estimators is in `TailCalibrationTests` (R = 200) and `ControlFunctionalTests` (R = 200).
/// Each case asserts, two-sided:
/// - coverage of the 95% intervals at least the lower end of the Binomial(R, 0.95) acceptance
///   region (false-alarm probability 10⁻³; wider intervals are bounded by the variance check);
/// - the mean of the estimates within a t-test of the truth (unbiasedness);
/// - the empirical/reported variance ratio not above its χ²_{R−1} upper bound (error bars not
///   too narrow) and not below `TailCalibrationTests.conservativeLimit` = 0.1 times its χ²
///   lower bound: the jackknife variance is conservative in expectation (Efron & Stein 1981)
///   and the unseen-tail term is a conservative stand-in, so reported variances up to 10 times
///   the empirical one are the documented behaviour (empirical/reported measured 0.33–0.61 at
///   full scale before the tail term, 0.13–0.60 after it, with coverage 97.0–99.7%).
@Suite("Calibration at n ≥ 200 (smoke test; full run with MONTECARLO_CALIBRATION=full)", .tags(.calibration))
struct LargeSampleCalibrationTests {
    enum Problem: String, CaseIterable, Sendable {
        /// d = 4 South problem, control functionals (Gaussian kernel, median heuristic), n = 250.
        case southFourD
        /// 1-D South problem, semi-exact control functionals Q = 2, n = 250 (super-efficient).
        case southOneD
        /// Correlated 2-D Gaussian, f = sin(x₁ + x₂/2) + cos(x₂), control functionals, n = 200.
        case correlatedSmooth
    }

    static let cases: [(Problem, SteinControlFunctional.Form)] = Problem.allCases.flatMap { problem in
        [(problem, SteinControlFunctional.Form.sampleSplit()), (problem, .crossFitted(folds: 5))]
    }

    @Test("split and cross-fitted error bars are honest", arguments: cases)
    func calibration(problem: Problem, form: SteinControlFunctional.Form) throws {
        let replications = CalibrationScale.current.replications(fast: 16, full: 300)
        let report: CalibrationReport
        switch problem {
        case .southFourD:
            report = try Self.report(StandardNormalVector(dimension: 4), count: 250, replications: replications, seed: 301,
                                     truth: 1, estimator: SteinControlFunctional(form: form), integrand: TestProblems.southFourD)
        case .southOneD:
            report = try Self.report(StandardNormalVector(dimension: 1), count: 250, replications: replications, seed: 302,
                                     truth: 2, estimator: SteinControlFunctional(form: form, polynomialDegree: 2),
                                     integrand: TestProblems.southOneD)
        case .correlatedSmooth:
            report = try Self.report(TestProblems.correlatedGaussian(), count: 200, replications: replications, seed: 303,
                                     truth: TestProblems.correlatedSmoothTruth, estimator: SteinControlFunctional(form: form),
                                     integrand: TestProblems.correlatedSmooth)
        }
        print(report.markdownRow(label: "\(problem), \(form)", verdict: TailCalibrationTests.verdict(report)))
        #expect(TailCalibrationTests.honest(report), "\(problem) \(form): \(report)")
    }

    static func report<D: ScoredSampler, E: FixedSampleEstimator>(
        _ distribution: D, count: Int, replications: Int, seed: UInt64, truth: Double,
        estimator: E, integrand: @escaping ([Double]) -> Double
    ) throws -> CalibrationReport {
        try CalibrationReport(replications: replications, seed: seed, truth: truth) {
            (_, generator: inout Xoshiro256PlusPlus) throws(MonteCarloError) -> Estimate in
            let sample = try SteinSample(drawing: count, from: distribution, using: &generator)
            return try estimator.estimate(sample: sample, values: (0..<count).map { integrand(sample.point($0)) })
        }
    }
}
