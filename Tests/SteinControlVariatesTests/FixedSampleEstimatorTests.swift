import Foundation
import MonteCarloCore
import StatisticalTesting
import Testing
@testable import SteinControlVariates

/// Every `FixedSampleEstimator` keeps the protocol's contract: on draws with a known E[f] it
/// returns a consistent `Estimate` (within 5 of its standard errors of the truth) whose ESS,
/// variance-reduction factor, sample count and interval follow the shared definitions, for
/// independent draws and for Markov chains.
@Suite("Every fixed-sample estimator")
struct FixedSampleEstimatorTests {
    /// The conforming types at their defaults; SECF is the control functional with Q = 2.
    enum Conformer: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case sampleMean, zv1, zv2, cf, secf, vv, nystrom, auto

        var estimator: any FixedSampleEstimator {
            switch self {
            case .sampleMean: SampleMean()
            case .zv1: ZeroVarianceControlVariates(degree: 1)
            case .zv2: ZeroVarianceControlVariates(degree: 2)
            case .cf: SteinControlFunctional()
            case .secf: SteinControlFunctional(polynomialDegree: 2)
            case .vv: VectorValuedControlVariates()
            case .nystrom: NystromControlFunctional()
            case .auto: AutomaticControlVariates()
            }
        }

        var testDescription: String { rawValue }
    }

    /// The contract's checks for an estimate from `values` with E[f] = `truth`.
    static func expectContract(_ estimate: Estimate, values: [Double], truth: Double, _ label: String) throws {
        let check = StatisticalCheck.consistency(of: estimate, with: truth)
        #expect(check.passed, "\(label): \(check)")
        #expect(estimate.sampleCount == values.count, "\(label)")
        #expect(estimate.variance.isFinite && estimate.variance > 0, "\(label): \(estimate)")
        // ESS = σ²_f / variance, σ²_f the sample variance of the values (for the sample mean of
        // independent draws ESS = n, which is the same number), and the factor is ESS / n.
        let perDraw = sampleVariance(values)
        #expect(abs(estimate.effectiveSampleSize * estimate.variance / perDraw - 1) < 1e-9, "\(label): \(estimate)")
        let factor = try #require(estimate.diagnostics.varianceReductionFactor, "\(label)")
        #expect(abs(factor - estimate.effectiveSampleSize / Double(values.count)) <= 1e-12 * factor, "\(label)")
        let interval = try estimate.confidenceInterval(level: 0.95)
        #expect(interval.lower < estimate.value && estimate.value < interval.upper, "\(label)")
    }

    /// Normal intervals, except that the control functionals (cf, secf, vv, and auto when it
    /// picks one) report a Student-t interval with at least 3 degrees of freedom when their
    /// error bar is the delete-a-group jackknife (G − 1 = 4) or includes the unseen-tail term.
    @Test("independent draws of a correlated Gaussian: a consistent Estimate with a normal or jackknife-t interval",
          arguments: Conformer.allCases)
    func independentDraws(_ conformer: Conformer) throws {
        let (sample, values) = try TestProblems.draw(TestProblems.correlatedGaussian(), count: 200, seed: 61,
                                                     integrand: TestProblems.correlatedSmooth)
        let estimate = try conformer.estimator.estimate(sample: sample, values: values)
        try Self.expectContract(estimate, values: values, truth: TestProblems.correlatedSmoothTruth, "\(conformer)")
        switch conformer {
        case .cf, .secf, .vv, .auto:
            #expect(estimate.degreesOfFreedom.map { $0 >= UnseenTailTerm.minimumDegreesOfFreedom } ?? true, "\(conformer): \(estimate)")
        default:
            #expect(estimate.degreesOfFreedom == nil, "\(conformer): \(estimate)")
        }
    }

    @Test("Markov chains (4 AR(1) chains, ρ = 0.8): a consistent Estimate with the chain error bar",
          arguments: Conformer.allCases)
    func markovChains(_ conformer: Conformer) throws {
        var generator = RandomStreams(seed: 62).stream(0)
        let sample = try ChainCalibrationTests.autoregressiveSample(chains: 4, length: 100, rho: 0.8, generator: &generator)
        let values = (0..<sample.count).map { ChainCalibrationTests.integrand(sample.point($0)) }
        let estimate = try conformer.estimator.estimate(sample: sample, values: values)
        try Self.expectContract(estimate, values: values, truth: ChainCalibrationTests.truth, "\(conformer)")
        // The same draws declared independent get another error bar: the estimator read the
        // dependence (for f ≈ x₁x₂ + … on chains with τ ≈ 9 the i.i.d. bar is several times narrower).
        let independent = try conformer.estimator.estimate(sample: sample.with(dependence: .independent), values: values)
        #expect(estimate.variance > independent.variance, "\(conformer): chains \(estimate) vs independent \(independent)")
    }
}
