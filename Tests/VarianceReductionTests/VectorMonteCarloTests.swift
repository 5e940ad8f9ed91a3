import Foundation
import Testing
import MonteCarloCore
import VarianceReduction

@Suite("Vector integrands")
struct VectorMonteCarloTests {
    /// f(u) = (u, u², e^u) under U(0, 1): means (1/2, 1/3, e − 1) and known covariances.
    let integrand = VectorIntegrand<Double>(outputDimension: 3) { [$0, $0 * $0, exp($0)] }

    @Test("plain: every component within 5 SE; covariance entries match theory")
    func plain() throws {
        let n = 100_000
        let estimate = try VectorMonteCarlo(sampler: UniformDistribution.unit, integrand: integrand).run(samples: n, seed: 1)
        let truth = [0.5, 1.0 / 3, exp(1) - 1]
        for i in 0..<3 { #expect(abs(estimate.values[i] - truth[i]) <= 5 * estimate.standardErrors[i]) }
        // Cov(U, U²) = E[U³] − E[U]E[U²] = 1/4 − 1/6 = 1/12; its estimate has relative sd ≈ 1/√n·O(1).
        #expect(abs(estimate.covariance[1] * Double(n) - 1.0 / 12) < 0.002)
        #expect(estimate.component(0).effectiveSampleSize == Double(n))
    }

    @Test("antithetic: the odd component (u) is exact, the even part is averaged")
    func antithetic() throws {
        let estimate = try VectorMonteCarlo(antitheticSampler: UniformDistribution.unit, integrand: integrand)
            .run(samples: 50_000, seed: 2)
        #expect(abs(estimate.values[0] - 0.5) < 1e-12)  // (u + 1 − u)/2 = 1/2 exactly
        #expect(abs(estimate.values[2] - (exp(1) - 1)) <= 5 * estimate.standardErrors[2])
        #expect(estimate.sampleCount == 100_000)
    }

    @Test("the driver stops a vector estimate on its least precise component")
    func stopping() throws {
        let report = try MonteCarloDriver(stoppingRule: .absoluteError(0.005, maximumSamples: 1_000_000))
            .run(VectorMonteCarlo(sampler: UniformDistribution.unit, integrand: integrand), seed: 3)
        #expect(report.stopReason == .reachedAbsoluteError)
        #expect(try report.estimate.halfWidth(level: 0.95) <= 0.005)
    }

    @Test("a wrong-length result is reported as a non-finite component")
    func wrongLength() {
        let bad = VectorIntegrand<Double>(outputDimension: 2) { [$0] }
        #expect(throws: MonteCarloError.self) {
            try VectorMonteCarlo(sampler: UniformDistribution.unit, integrand: bad).run(samples: 10, seed: 1)
        }
    }
}
