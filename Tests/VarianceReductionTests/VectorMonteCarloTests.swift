import Foundation
import Testing
import MonteCarloCore
import VarianceReduction

@Suite("Vector integrands")
struct VectorMonteCarloTests {
    /// f(u) = (u, u², e^u) under U(0, 1): means (1/2, 1/3, e − 1) and known covariances.
    let integrand = VectorIntegrand<Double>(validatedOutputDimension: 3) { [$0, $0 * $0, exp($0)] }

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
    func wrongLength() throws {
        let bad = try VectorIntegrand<Double>(outputDimension: 2) { [$0] }
        #expect(throws: MonteCarloError.self) {
            try VectorMonteCarlo(sampler: UniformDistribution.unit, integrand: bad).run(samples: 10, seed: 1)
        }
    }
}

@Test("a vector integrand needs at least one component: typed error, no trap", arguments: [0, -3])
func vectorIntegrandWithoutComponents(dimension: Int) {
    #expect(throws: MonteCarloError.self) { try VectorIntegrand<Double>(outputDimension: dimension) { _ in [] } }
    #expect(throws: MonteCarloError.self) {
        try VectorIntegrand<Double>(outputDimension: dimension, batch: { _, _ in })
    }
    #expect(throws: MonteCarloError.self) { try CovarianceMoments(dimension: dimension) }
}

@Suite("Vector RQMC and vector control variates")
struct VectorVarianceReductionTests {
    let integrand = VectorIntegrand<Double>(validatedOutputDimension: 2) { [exp($0), $0 * $0 * $0] }

    @Test("vector RQMC: both components unbiased, t intervals with R − 1 degrees of freedom")
    func rqmc() throws {
        let estimate = try VectorRandomizedQuasiMonteCarlo(sampler: UniformDistribution.unit, integrand: integrand,
                                                           pointsPerReplicate: 512).run(samples: 20, seed: 1)
        for (i, truth) in [exp(1) - 1, 0.25].enumerated() {
            #expect(abs(estimate.values[i] - truth) <= 5 * estimate.standardErrors[i])
        }
        #expect(estimate.degreesOfFreedom == 19)
        #expect(estimate.sampleCount == 20 * 512)
    }

    @Test("vector control variates with U, U²: unbiased, and u³'s variance shrinks by 1/(1 − R²)")
    func controlVariates() throws {
        let estimator = try VectorControlVariateMonteCarlo(
            sampler: UniformDistribution.unit, integrand: integrand,
            controls: VectorIntegrand(outputDimension: 2) { [$0, $0 * $0] }, controlMeans: [0.5, 1.0 / 3])
        let estimate = try estimator.run(samples: 50_000, seed: 2)
        for (i, truth) in [exp(1) - 1, 0.25].enumerated() {
            #expect(abs(estimate.values[i] - truth) <= 5 * estimate.standardErrors[i])
        }
        // For u³ on (1, u, u²): the residual is u³ − (3/2)u² + (3/5)u − 1/20 (shifted Legendre),
        // variance 1/2800, against Var(u³) = 1/7 − 1/16 = 9/112: a factor of 225.
        let factor = estimate.effectiveSampleSizes[1] / Double(estimate.sampleCount)
        #expect(abs(factor / 225 - 1) < 0.05, "factor \(factor)")
    }

    @Test("mismatched control means and singular controls are typed errors")
    func badInput() throws {
        #expect(throws: MonteCarloError.self) {
            try VectorControlVariateMonteCarlo(sampler: UniformDistribution.unit, integrand: integrand,
                                               controls: VectorIntegrand(outputDimension: 2) { [$0, $0] }, controlMeans: [0.5])
        }
        let singular = try VectorControlVariateMonteCarlo(sampler: UniformDistribution.unit, integrand: integrand,
                                                          controls: VectorIntegrand(outputDimension: 2) { [$0, $0] },
                                                          controlMeans: [0.5, 0.5])
        #expect(throws: MonteCarloError.self) { try singular.run(samples: 1000, seed: 3) }
    }
}
