import Foundation
import LinearAlgebra
import MonteCarloCore
import StatisticalTesting
import Testing
@testable import SteinControlVariates

/// Calibration on the problems whose error lies in π's tails, where the held-out and jackknife
/// variances alone covered 76–92% (see ``UnseenTailTerm``), and efficiency floors on smooth
/// problems, which the unseen-tail term must not destroy.
///
/// Each coverage case runs R = 200 replications by default (`MONTECARLO_CALIBRATION=full`: 600),
/// so that coverage of 85% at nominal 95% is detected with probability ≥ 0.9: the Binomial(200,
/// 0.95) acceptance region at false-alarm probability 10⁻³ starts at 179 covered (89.5%), and
/// P(Binomial(200, 0.85) ≥ 179) = 0.04 (at R = 150 it would be 0.18). Verdicts, two-sided
/// within the stated conservativeness:
/// - coverage at least the lower end of the Binomial(R, 0.95) acceptance region;
/// - the mean of the estimates within a t-test of the truth;
/// - empirical/reported variance at most its χ²_{R−1} upper bound (not too narrow) and at least
///   ``conservativeLimit`` = 0.2 times its χ² lower bound: the reported variance may be up to 5
///   times the empirical one (a row exactly 5 times conservative passes with probability
///   1 − α/2), the allowance `ChainCalibrationTests`, `VectorValuedTests` and notebook 05 state
///   for the same estimators. The jackknife is conservative by design (Efron & Stein 1981) and
///   the unseen-tail term is a conservative stand-in: measured up to about 4.2 times where the
///   term fires (empirical/reported 0.24 on sin x₁ at R = 600), 1.1–3.3 elsewhere; the
///   measured ratios are in the doc of `UnseenTailTerm`.
@Suite("Calibration where the error lies in π's tails", .tags(.calibration))
struct TailCalibrationTests {
    /// The smallest empirical/reported variance ratio allowed, as a multiple of its χ² lower bound.
    static let conservativeLimit = 0.2

    enum Problem: String, CaseIterable, Sendable, CustomTestStringConvertible {
        /// (a) f = 1 + x + x² + sin(πx)e^(−x²) under N(0, 1), control functionals without a
        /// polynomial part (Gaussian kernel, median heuristic, 5-fold cross-fitting), n = 250.
        case southOneDWithoutPolynomial
        /// (b) i.i.d. draws of the `mcmc-stein` banana, control functionals, n = 200, f = x₂².
        case bananaSecondMoment
        /// (b) the same, f = x₁².
        case bananaFirstSquared
        /// (c) sin x₁ under the correlated 2-D Gaussian of the `mcest cv` tests, n = 200.
        case sineUnderCorrelatedGaussian
        /// (d) not used to choose the term's rule: f = x₁x₂ + x₂² + sin x₁ under N(0, I₂), n = 200
        /// (E f = 1; the quadratic part grows in the tails).
        case quadraticGrowthUnderStandardNormal

        var testDescription: String { rawValue }
    }

    static func replications() -> Int { CalibrationScale.current.replications(fast: 200, full: 600) }

    static func report(_ problem: Problem, replications: Int) throws -> CalibrationReport {
        let estimator = SteinControlFunctional()
        switch problem {
        case .southOneDWithoutPolynomial:
            return try LargeSampleCalibrationTests.report(StandardNormalVector(dimension: 1), count: 250, replications: replications, seed: 3101,
                              truth: 2, estimator: estimator, integrand: TestProblems.southOneD)
        case .bananaSecondMoment, .bananaFirstSquared:
            let banana = try BananaDistribution()
            let integrand = banana.integrands[problem == .bananaSecondMoment ? 2 : 1]
            return try LargeSampleCalibrationTests.report(banana, count: 200, replications: replications, seed: problem == .bananaSecondMoment ? 3102 : 3103,
                              truth: integrand.truth, estimator: estimator, integrand: integrand.f)
        case .sineUnderCorrelatedGaussian:
            return try LargeSampleCalibrationTests.report(TestProblems.correlatedGaussian(), count: 200, replications: replications, seed: 3104,
                              truth: TestProblems.sineFirstTruth, estimator: estimator, integrand: TestProblems.sineFirst)
        case .quadraticGrowthUnderStandardNormal:
            return try LargeSampleCalibrationTests.report(StandardNormalVector(dimension: 2), count: 200, replications: replications, seed: 3105,
                              truth: 1, estimator: estimator, integrand: { $0[0] * $0[1] + $0[1] * $0[1] + sin($0[0]) })
        }
    }

    /// x₂² under the banana at n = 200 was the hard case: its error is the count of rare,
    /// large-x₂² draws, skewed so that even the plain sample mean's normal interval covers only
    /// 92.2% there (numpy, 20 000 replications; 94.1% at n = 1000), and the control
    /// functional's error is strongly correlated with its own standard error (0.88), so every
    /// miss is low. Measured at R = 600 (this seed; seeds + 1000 and + 2000 with a throwaway
    /// harness of the same replications): with the unseen-tail term of one outermost r² and
    /// normal intervals, 86.8% (x₁²: 91.7%, also below 91.8%); with the term at the spacing's
    /// mean square 2r²/n² and Student-t intervals (`UnseenTailTerm`: G − 1 = 4 degrees of
    /// freedom when the jackknife variance is reported, Welch–Satterthwaite with one degree of
    /// freedom for the term, at least 3, when the held-out one is), 92.7%, 93.5%, 93.2% (x₁²:
    /// 97.0% on all three), variance ratio 0.78–0.89 — above the acceptance region's 91.8% but
    /// close to it. The t intervals make the tail-error problems' intervals up to about 3.2
    /// times the 95% quantile of |error| at the median (South 1-D 2.2–2.5, sin x₁ 2.9–3.2),
    /// and the smooth ones 1.4–1.9 (the t₄ of the jackknife). Rejected, measured on the same
    /// replications: the term at r²/n² with t₄ or unfloored Satterthwaite intervals (x₂²
    /// 92.0–92.2%, this seed); a floor of 2 degrees of freedom (93.5–94.7%, but South 1-D
    /// intervals 3.3 and sin x₁ 4.1 times too wide) or none (94.7–95.3%; 6.8 and 6.5 times); weighting the term's degree of freedom by how
    /// many outermost draws carry it (90.3–91.3%); a larger term with normal intervals (the
    /// guard then falls back to the plain mean, whose interval caps coverage near 92%).
    /// Skewness corrections of the plain mean alone do not close it (numpy, 20 000 replications
    /// at n = 200): Johnson's (1978) mean shift 92.1% → 92.3%, Hall's (1992) cubic
    /// transformation of the t statistic 93.5% (x₁²: 94.3% → 94.8%), the symmetric bootstrap-t
    /// 93.2% (3 000 replications).
    @Test("control functionals cover the truth on the tail-error problems", arguments: Problem.allCases)
    func coverage(problem: Problem) throws {
        let report = try Self.report(problem, replications: Self.replications())
        print(report.markdownRow(label: "\(problem)", verdict: Self.verdict(report)))
        #expect(Self.honest(report), "\(problem): \(report)")
    }

    /// Two-sided within the stated conservativeness: coverage at least the lower end of its
    /// Binomial acceptance region (above its upper end is allowed: the error bars may be wider
    /// than needed, by at most what the next check allows), the mean unbiased, and the
    /// empirical/reported variance ratio between `limit` times its χ²_{R−1} lower bound (a true
    /// ratio of `limit` passes with probability 1 − α/2) and its χ² upper bound.
    static func honest(_ report: CalibrationReport, conservativeLimit limit: Double = conservativeLimit) -> Bool {
        report.observedCoverage >= report.coverage.lowerBound && report.meanBias.passed
            && report.varianceRatio <= report.varianceCalibration.upperBound
            && report.varianceRatio >= limit * report.varianceCalibration.lowerBound
    }

    static func verdict(_ report: CalibrationReport, conservativeLimit limit: Double = conservativeLimit) -> String {
        !honest(report, conservativeLimit: limit) ? "FAIL" : report.passed ? "pass" : "pass (conservative within the stated limit)"
    }


    enum SmoothProblem: String, CaseIterable, Sendable, CustomTestStringConvertible {
        /// T4: d = 4 South problem, control functionals (weighted form), n = 250.
        case southFourD
        /// T5 with a polynomial part: semi-exact control functionals Q = 2, n = 250.
        case southOneDSemiExact
        /// T6: f = sin(x₁ + x₂/2) + cos x₂ under the correlated 2-D Gaussian, n = 200.
        case correlatedSmooth
        /// Not used to choose the term's rule: f = e^(−|x|²/4) + cos(x₁ − x₂) under N(0, I₂),
        /// n = 200; E f = 2/3 + e^(−1) (E e^(−|x|²/4) = (1 + ½)^(−d/2), x₁ − x₂ ~ N(0, 2)).
        case standardNormalSmooth

        var testDescription: String { rawValue }
    }

    /// The unseen-tail term only widens error bars; on smooth problems the estimators must keep
    /// at least a 10-fold gain over plain Monte Carlo. Over R = 12 replications:
    /// - the realised efficiency Σ(σ̂²_f/n)/Σ(error²) ≥ 10. It is a ratio of sums of squares, so
    ///   its relative error is χ²₁₂/12-like (below ⅓ of its mean with probability < 10⁻³); the
    ///   measured factors (in the failure message) are far above 30;
    /// - the reported variance-reduction factor, the mean of σ̂²_f/n over the reported variance,
    ///   ≥ 10 (cross-fitted forms). On the d = 4 problem the reported variance is that of the
    ///   cross-fitted estimator, whose jackknife part alone held the reported factor near 10
    ///   before the tail term (measured with numpy: median 9.9; realised 14); there it must stay
    ///   ≥ 5, and the realised efficiency is that of the weighted form (measured 67, §7.2 of the
    ///   reference notes).
    @Test("smooth problems keep at least a 10-fold variance reduction", arguments: SmoothProblem.allCases)
    func efficiencyFloor(problem: SmoothProblem) throws {
        let replications = 12
        var reportedFactor = 0.0, plainSum = 0.0, squaredErrorSum = 0.0, withTail = 0
        for r in 0..<replications {
            let (sample, values, truth, estimator): (SteinSample, [Double], Double, SteinControlFunctional)
            switch problem {
            case .southFourD:
                (sample, values) = try TestProblems.draw(try StandardNormalVector(dimension: 4), count: 250, seed: 3201,
                                                         replication: r, integrand: TestProblems.southFourD)
                (truth, estimator) = (1, SteinControlFunctional(form: .weighted()))
            case .southOneDSemiExact:
                (sample, values) = try TestProblems.draw(try StandardNormalVector(dimension: 1), count: 250, seed: 3202,
                                                         replication: r, integrand: TestProblems.southOneD)
                (truth, estimator) = (2, SteinControlFunctional(polynomialDegree: 2))
            case .correlatedSmooth:
                (sample, values) = try TestProblems.draw(try TestProblems.correlatedGaussian(), count: 200, seed: 3203,
                                                         replication: r, integrand: TestProblems.correlatedSmooth)
                (truth, estimator) = (TestProblems.correlatedSmoothTruth, SteinControlFunctional())
            case .standardNormalSmooth:
                (sample, values) = try TestProblems.draw(try StandardNormalVector(dimension: 2), count: 200, seed: 3204, replication: r) {
                    exp(-($0[0] * $0[0] + $0[1] * $0[1]) / 4) + cos($0[0] - $0[1])
                }
                (truth, estimator) = (2.0 / 3 + exp(-1), SteinControlFunctional())
            }
            let estimate = try estimator.estimate(sample: sample, values: values)
            let plain = sampleVariance(values) / Double(values.count)
            reportedFactor += plain / estimate.variance / Double(replications)
            plainSum += plain
            squaredErrorSum += (estimate.value - truth) * (estimate.value - truth)
            if (estimate.diagnostics.figures["unseenTailVariance"] ?? 0) > 0 { withTail += 1 }
        }
        let realised = plainSum / squaredErrorSum
        let message: Comment = "\(problem): reported factor \(reportedFactor), realised \(realised), tail term in \(withTail) of \(replications)"
        print(message)
        #expect(realised >= 10, message)
        #expect(reportedFactor >= (problem == .southFourD ? 5 : 10), message)
    }
}
