import Foundation
import Testing
import MonteCarloCore
import StatisticalTesting
import VarianceReduction

/// Error targets are planned from the pilot variance and checked in the estimator's own units
/// (issue #17's measurement: RQMC on the Keister integral drew 1,048,576 points for a target
/// QMCPy's `CubQMCSobolG` met with 16,384, because the first check waited for 1000 replicates).
@Suite("Planned stopping")
struct PlannedStoppingTests {
    /// The Keister integral ∫ cos‖x‖ exp(−‖x‖²) dx over ℝ³ as π^{3/2} E[cos(‖Z‖/√2)], Z ~ N(0, I₃).
    static let keisterTruth = 2.168309
    static func keister() throws -> RandomizedQuasiMonteCarlo<StandardNormalVector> {
        try RandomizedQuasiMonteCarlo(
            sampler: StandardNormalVector(dimension: 3),
            integrand: Integrand { z in
                pow(Double.pi, 1.5) * cos((z[0] * z[0] + z[1] * z[1] + z[2] * z[2]).squareRoot() / 2.0.squareRoot())
            },
            pointsPerReplicate: 1024)
    }

    @Test("RQMC on Keister (d = 3) meets a 10⁻³ target with at most twice QMCPy's 16,384 points")
    func rqmcKeister() throws {
        let rule = StoppingRule.absoluteError(1e-3, level: 0.95, maximumSamples: 10_000)
        let report = try MonteCarloDriver(stoppingRule: rule).run(try Self.keister(), seed: 17)
        #expect(report.stopReason == .reachedAbsoluteError)
        #expect(try report.estimate.halfWidth(level: 0.95) <= 1e-3)
        // 16 replicates is the estimator's own minimum; the plan adds what the pilot asks for.
        #expect(report.samples >= 16)
        #expect(report.samples * 1024 <= 2 * 16_384, "\(report.samples) replicates")
        #expect(abs(report.estimate.value - Self.keisterTruth) <= 5 * report.estimate.standardError)
    }

    @Test("a rule's own minimum overrides the estimator's")
    func explicitMinimum() throws {
        let rule = StoppingRule.absoluteError(1e-3, level: 0.95, maximumSamples: 10_000, minimumSamples: 200)
        let report = try MonteCarloDriver(stoppingRule: rule).run(try Self.keister(), seed: 17)
        #expect(report.samples == 200)
        #expect(report.history.count == 4, "200 replicates in rounds of at most 64 blocks, checked once at the end")
    }

    /// Sequential stopping lowers coverage a little; checked against the binomial region of the
    /// nominal level. R = 200, α = 10⁻³: the region is about 180…197 (90%–98.5%), so a coverage
    /// of 85% fails with probability about 0.98.
    @Test("intervals of RQMC runs stopped by the planned rule cover the Keister value (R = 200)")
    func plannedStopCoverage() throws {
        let estimator = try Self.keister()
        let rule = StoppingRule.absoluteError(2e-3, level: 0.95, maximumSamples: 10_000)
        var estimates: [Estimate] = []
        for replication in 0..<200 {
            let report = try MonteCarloDriver(stoppingRule: rule, threadCount: 1).run(estimator, seed: 1000 + UInt64(replication))
            #expect(report.stopReason == .reachedAbsoluteError)
            estimates.append(report.estimate)
        }
        let check = try StatisticalCheck.coverage(of: estimates, containing: Self.keisterTruth)
        #expect(check.passed, "\(check)")
    }

    /// f(U) = U has σ² = 1/12, so a 95% half-width h needs n* = (1.959964 σ / h)² draws. The plan
    /// aims 10% above what the pilot's variance asks for; fixed rounds of 64 blocks of 4096 would
    /// stop at 524,288 draws for n* = 320,131.
    @Test("plain MC stops within a planned margin of the draws its target needs")
    func plainPlanned() throws {
        let estimator = PlainMonteCarlo(sampler: UniformDistribution.unit, integrand: Integrand { $0 })
        let needed = pow(1.959_963_984_540_054 / 1e-3, 2) / 12
        let report = try MonteCarloDriver(stoppingRule: .absoluteError(1e-3, maximumSamples: 100_000_000)).run(estimator, seed: 9)
        #expect(report.stopReason == .reachedAbsoluteError)
        #expect(Double(report.samples) >= 0.9 * needed, "\(report.samples) draws for n* = \(needed)")
        // 1.1 n* times the pilot's variance error (4096 draws of a uniform: relative SE of s² ≈ 1.4%,
        // so 5 SE ≈ 7%), plus one block of rounding.
        #expect(Double(report.samples) <= 1.1 * 1.07 * needed + 4096, "\(report.samples) draws for n* = \(needed)")
    }

    @Test("a relative target is planned too, and an estimate near zero falls back to one block more")
    func relativePlanned() throws {
        let estimator = PlainMonteCarlo(sampler: UniformDistribution.unit, integrand: Integrand { $0 })
        // Half-width 1% of 1/2: n* = (1.96 · 0.2887 / 0.005)² ≈ 12,805.
        let report = try MonteCarloDriver(stoppingRule: .relativeError(0.01, maximumSamples: 1_000_000)).run(estimator, seed: 2)
        #expect(report.stopReason == .reachedRelativeError)
        #expect(report.samples <= 2 * 12_805 + 4096, "\(report.samples)")
        let centred = PlainMonteCarlo(sampler: UniformDistribution.unit, integrand: Integrand { $0 - 0.5 })
        let capped = try MonteCarloDriver(stoppingRule: .relativeError(0.01, maximumSamples: 40_000), blockSize: 1000)
            .run(centred, seed: 2)
        #expect(capped.stopReason == .reachedSampleCap)
        #expect(capped.samples == 40_000)
    }
}
