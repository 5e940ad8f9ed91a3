import Foundation
import LinearAlgebra
import Testing
import MonteCarloCore
import StatisticalTesting
import VarianceReduction

/// AMIS on Gaussian targets with known means, tail probabilities and normalizing constants.
@Suite("Adaptive multiple importance sampling")
struct AdaptiveMultipleImportanceSamplingTests {
    static let replications = CalibrationScale.current.replications(fast: 200, full: 2000)
    static func upperTail(_ a: Double) -> Double { 0.5 * erfc(a / 2.squareRoot()) }
    /// π = N((3, −1), diag(1, ¼)), normalized or not.
    static let targetMean = [3.0, -1.0], targetDeviations = [1.0, 0.5]
    static func logTarget(normalized: Bool) -> @Sendable ([Double]) -> Double {
        let constant = normalized ? -log(2 * Double.pi * 0.5) : 0
        return { x in
            let z0 = x[0] - 3, z1 = (x[1] + 1) / 0.5
            return constant - 0.5 * (z0 * z0 + z1 * z1)
        }
    }
    static func initial() throws -> MultivariateNormalDistribution {
        var covariance = Matrix.identity(2)
        covariance[0, 0] = 9
        covariance[1, 1] = 9
        return try MultivariateNormalDistribution(mean: [0, 0], covariance: covariance)
    }

    @Test("unnormalized target: E[X₁] = 3 self-normalized; proposal mean and recycled estimate agree")
    func mean() throws {
        let amis = try AdaptiveMultipleImportanceSampling(
            logTarget: Self.logTarget(normalized: false), integrand: Integrand { $0[0] },
            initialProposal: try Self.initial(), iterations: 6, drawsPerIteration: 500, targetIsNormalized: false)
        let result = try amis.run(driver: MonteCarloDriver(stoppingRule: .sampleCount(10_000), threadCount: 2), seed: 21)
        #expect(abs(result.estimate.value - 3) <= 5 * result.estimate.standardError, "\(result.estimate)")
        let recycled = result.adaptation.recycledEstimate
        #expect(abs(recycled.value - 3) <= 5 * recycled.standardError, "\(recycled)")
        #expect(recycled.diagnostics.declaredBias != nil)
        // The last proposal's mean is a weighted mean of all draws: its SE per coordinate is
        // about σ_k / √(Kish ESS).
        let kish = try #require(recycled.diagnostics.figures["kishEffectiveSampleSize"])
        let last = try #require(result.adaptation.proposals.last)
        for k in 0..<2 {
            #expect(abs(last.mean[k] - Self.targetMean[k]) <= 5 * Self.targetDeviations[k] / kish.squareRoot(),
                    "coordinate \(k): \(last.mean[k]), Kish ESS \(kish)")
        }
        #expect(result.adaptation.proposals.count == 7)
    }

    @Test("normalized target: E[1] is the normalizing constant 1 and P(X₁ > 4) = Q(1)")
    func normalized() throws {
        let driver = MonteCarloDriver(stoppingRule: .sampleCount(10_000), threadCount: 2)
        for (integrand, truth) in [(Integrand<[Double]> { _ in 1 }, 1.0), (Integrand { $0[0] > 4 ? 1 : 0 }, Self.upperTail(1))] {
            let amis = try AdaptiveMultipleImportanceSampling(
                logTarget: Self.logTarget(normalized: true), integrand: integrand,
                initialProposal: try Self.initial(), iterations: 5, drawsPerIteration: 400, targetIsNormalized: true)
            let estimate = try amis.run(driver: driver, seed: 8).estimate
            #expect(abs(estimate.value - truth) <= 5 * estimate.standardError, "truth \(truth): \(estimate)")
            #expect(estimate.diagnostics.declaredBias == nil)
        }
    }

    @Test("95% intervals for P(X₁ > 4) cover over R replications")
    func coverage() throws {
        let amis = try AdaptiveMultipleImportanceSampling(
            logTarget: Self.logTarget(normalized: true), integrand: Integrand { $0[0] > 4 ? 1 : 0 },
            initialProposal: try Self.initial(), iterations: 4, drawsPerIteration: 200, targetIsNormalized: true)
        let driver = MonteCarloDriver(stoppingRule: .sampleCount(1000), threadCount: 1)
        let check = try StatisticalCheck.coverage(replications: Self.replications, containing: Self.upperTail(1)) { r throws(MonteCarloError) in
            try amis.run(driver: driver, seed: 70_000 + UInt64(r)).estimate
        }
        #expect(check.passed, "\(check)")
    }

    /// The recycled estimate (self-normalized over all T·N adaptation draws) on the unnormalized
    /// target from N(0, 9I) with `iterations` T and `drawsPerIteration` N: E[X₁] = 3 (case 0) or
    /// P(X₁ > 4) = Q(1) (case 1), R replications on independent streams.
    static func recycledReport(case index: Int, iterations: Int, drawsPerIteration: Int,
                               replications: Int, seed: UInt64) throws -> (CalibrationReport, String) {
        let (integrand, truth, label) = index == 0
            ? (Integrand<[Double]> { $0[0] }, 3.0, "E[X₁]")
            : (Integrand { $0[0] > 4 ? 1 : 0 }, Self.upperTail(1), "P(X₁ > 4)")
        let amis = try AdaptiveMultipleImportanceSampling(
            logTarget: Self.logTarget(normalized: false), integrand: integrand, initialProposal: try Self.initial(),
            iterations: iterations, drawsPerIteration: drawsPerIteration, targetIsNormalized: false)
        let report = try CalibrationReport(replications: replications, seed: seed, truth: truth) {
            (_, generator: inout Xoshiro256PlusPlus) throws(MonteCarloError) -> Estimate in
            try amis.adapt(seed: generator.next()).recycledEstimate
        }
        let row = report.markdownRow(label: "AMIS recycled, \(label), T = \(iterations), N = \(drawsPerIteration)")
        print(row)
        return (report, row)
    }

    /// With T = 4 iterations of N = 200 draws the recycled error bar is honest: coverage of the
    /// 95% intervals, reported/empirical variance within χ² bounds and the mean within a t-test
    /// of the truth (`CalibrationReport`) over R = 200 replications (2000 with
    /// `MONTECARLO_CALIBRATION=full`), for E[X₁] and for P(X₁ > 4). At full scale the
    /// P(X₁ > 4) case fails its t-test (mean error −0.108 SE over 2000 replications, measured
    /// 2026-12-06): the recycled estimate's declared bias, not yet fixed, so the failure is kept.
    @Test("recycled estimate: calibrated with N = 200 draws per iteration", arguments: [0, 1])
    func recycledCalibration(case index: Int) throws {
        let (report, row) = try Self.recycledReport(case: index, iterations: 4, drawsPerIteration: 200,
                                                    replications: Self.replications, seed: 7100 + UInt64(index))
        #expect(report.passed, "\(row)\n\(report)")
    }

    /// The limit the type's documentation states: with few draws per iteration (T = 3, N = 30)
    /// the recycled estimate is biased downward and its error bar far too narrow; R = 200
    /// replications measured coverage 63% for E[X₁] (variance ratio 6.0, bias −1.06 SE), far
    /// below the Binomial(200, 0.95) acceptance region 179…198 and above the χ²₁₉₉ bound 1.36
    /// on the ratio, so both checks must fail.
    @Test("recycled estimate: under-covers with N = 30 draws per iteration (documented)")
    func recycledUnderCoverage() throws {
        let (report, row) = try Self.recycledReport(case: 0, iterations: 3, drawsPerIteration: 30,
                                                    replications: 200, seed: 7104)
        #expect(!report.coverage.passed, "\(row)")
        #expect(!report.varianceCalibration.passed, "\(row)")
    }

    @Test("bad input: NaN target, no iterations, mismatched mixture dimensions")
    func badInput() throws {
        let nan = try AdaptiveMultipleImportanceSampling(
            logTarget: { $0[0] > 2 ? .nan : 0 }, integrand: Integrand { $0[0] },
            initialProposal: try Self.initial(), iterations: 2, drawsPerIteration: 100, targetIsNormalized: false)
        let error = #expect(throws: MonteCarloError.self) { _ = try nan.adapt(seed: 1) }
        guard case .nonFinite(let quantity, _) = error else {
            Issue.record("expected nonFinite, got \(String(describing: error))")
            return
        }
        #expect(quantity == "log target density")
        #expect(throws: MonteCarloError.self) {
            _ = try AdaptiveMultipleImportanceSampling(
                logTarget: { _ in 0 }, integrand: Integrand { $0[0] }, initialProposal: try Self.initial(),
                iterations: 0, targetIsNormalized: false)
        }
        let one = try MultivariateNormalDistribution(mean: [0], covariance: .identity(1))
        let mismatch = #expect(throws: MonteCarloError.self) {
            _ = try GaussianMixtureDistribution(components: [one, try Self.initial()], weights: [1, 1])
        }
        guard case .dimensionMismatch = mismatch else {
            Issue.record("expected dimensionMismatch, got \(String(describing: mismatch))")
            return
        }
    }
}
