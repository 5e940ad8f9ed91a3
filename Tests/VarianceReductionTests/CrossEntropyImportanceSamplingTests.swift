import Foundation
import Testing
import MonteCarloCore
import StatisticalTesting
import VarianceReduction

/// The cross-entropy method on Gaussian tail probabilities with closed forms.
@Suite("Cross-entropy importance sampling")
struct CrossEntropyImportanceSamplingTests {
    /// Q(a) = P(Z > a).
    static func upperTail(_ a: Double) -> Double { 0.5 * erfc(a / 2.squareRoot()) }
    static func density(_ a: Double) -> Double { exp(-0.5 * a * a) / (2 * Double.pi).squareRoot() }

    @Test("P(Z > 5) within 5 SE, relative SE ≤ 1% at 10⁵ draws")
    func tailProbability() throws {
        let truth = 2.866516e-7
        #expect(abs(Self.upperTail(5) - truth) < 1e-12)
        let cem = try CrossEntropyImportanceSampling(dimension: 1, threshold: 5) { $0[0] }
        let result = try cem.run(driver: MonteCarloDriver(stoppingRule: .sampleCount(100_000), threadCount: 2), seed: 17)
        let estimate = result.estimate
        #expect(abs(estimate.value - truth) <= 5 * estimate.standardError, "\(estimate)")
        #expect(estimate.standardError / truth <= 0.01, "relative SE \(estimate.standardError / truth)")
        #expect(result.fit.levels.last == 5)
    }

    /// The last update is a likelihood-ratio-weighted ratio estimator of μ* = E[Z | Z > 5] from
    /// N draws of N(m, 1). Its delta-method variance is E_q[W² 1{x ≥ 5} (x − μ*)²] / (N p²), with
    /// W²q(x) = e^{m²} φ(x + m), so with y = x + m, a = 5 + m, c = m + μ*, the numerator is
    /// e^{m²} [ aφ(a) + Q(a) − 2cφ(a) + c²Q(a) ] (normal partial moments).
    @Test("fitted mean converges to the CE-optimal shift E[Z | Z > 5]")
    func optimalShift() throws {
        let gamma = 5.0, pilot = 2000
        let p = Self.upperTail(gamma)
        let optimal = Self.density(gamma) / p
        #expect(abs(optimal - 5.18650) < 1e-4)
        let cem = try CrossEntropyImportanceSampling(dimension: 1, threshold: gamma, pilotSize: pilot) { $0[0] }
        for seed: UInt64 in [1, 2, 3] {
            let fit = try cem.fitProposal(seed: seed)
            let m = fit.iterationMeans.last![0]
            let a = gamma + m, c = m + optimal
            let numerator = exp(m * m) * (a * Self.density(a) + Self.upperTail(a) - 2 * c * Self.density(a) + c * c * Self.upperTail(a))
            let standardError = (numerator / (Double(pilot) * p * p)).squareRoot()
            #expect(abs(fit.proposalMean[0] - optimal) <= 5 * standardError,
                    "seed \(seed): m = \(fit.proposalMean[0]), optimum \(optimal), SE \(standardError), previous mean \(m)")
            #expect(fit.iterations >= 2 && fit.iterations <= 10, "\(fit.levels)")
        }
    }

    @Test("95% intervals cover P(Z > 5) over 200 replications")
    func coverage() throws {
        let truth = Self.upperTail(5)
        let cem = try CrossEntropyImportanceSampling(dimension: 1, threshold: 5, pilotSize: 500) { $0[0] }
        let driver = MonteCarloDriver(stoppingRule: .sampleCount(2000), threadCount: 1)
        let check = try StatisticalCheck.coverage(replications: 200, containing: truth) { r throws(MonteCarloError) in
            try cem.run(driver: driver, seed: 5_000 + UInt64(r)).estimate
        }
        #expect(check.passed, "\(check)")
    }

    @Test("d = 2: P(X₁ + X₂ ≥ 6) = Q(6/√2)")
    func twoDimensional() throws {
        let truth = Self.upperTail(6 / 2.squareRoot())
        let cem = try CrossEntropyImportanceSampling(dimension: 2, threshold: 6) { $0[0] + $0[1] }
        let result = try cem.run(driver: MonteCarloDriver(stoppingRule: .sampleCount(20_000), threadCount: 2), seed: 23)
        #expect(abs(result.estimate.value - truth) <= 5 * result.estimate.standardError, "\(result.estimate)")
    }

    @Test("an unreachable rare set is a typed error, not a zero")
    func unreachable() throws {
        let cem = try CrossEntropyImportanceSampling(dimension: 1, threshold: 5, pilotSize: 100, maximumIterations: 8) { min($0[0], 3) }
        let error = #expect(throws: MonteCarloError.self) {
            _ = try cem.run(driver: MonteCarloDriver(stoppingRule: .sampleCount(1000), threadCount: 1), seed: 1)
        }
        guard case .notConverged(_, let iterations, let detail) = error else {
            Issue.record("expected notConverged, got \(String(describing: error))")
            return
        }
        #expect(iterations == 8)
        #expect(detail.contains("never reached"), "\(detail)")
    }

    /// (A NaN in the final sample becomes a NaN integrand value, which `ImportanceSampling`
    /// already rejects; the pilot is where the method adds its own check.)
    @Test("a NaN score in the pilot is a typed error")
    func nanScore() throws {
        let cem = try CrossEntropyImportanceSampling(dimension: 1, threshold: 2, pilotSize: 100) { $0[0] > 1.5 ? .nan : $0[0] }
        let error = #expect(throws: MonteCarloError.self) { _ = try cem.fitProposal(seed: 3) }
        guard case .nonFinite(let quantity, _) = error else {
            Issue.record("expected nonFinite, got \(String(describing: error))")
            return
        }
        #expect(quantity == "score")
    }

    @Test("bad parameters are typed errors")
    func badParameters() {
        let score: @Sendable ([Double]) -> Double = { $0[0] }
        for rarity in [0.0, 1.0, -0.1, .nan] {
            #expect(throws: MonteCarloError.self) { _ = try CrossEntropyImportanceSampling(dimension: 1, threshold: 5, rarity: rarity, score: score) }
        }
        #expect(throws: MonteCarloError.self) { _ = try CrossEntropyImportanceSampling(dimension: 1, threshold: 5, pilotSize: 49, score: score) }
        #expect(throws: MonteCarloError.self) { _ = try CrossEntropyImportanceSampling(dimension: 0, threshold: 5, score: score) }
        #expect(throws: MonteCarloError.self) { _ = try CrossEntropyImportanceSampling(dimension: 1, threshold: .infinity, score: score) }
        #expect(throws: MonteCarloError.self) { _ = try CrossEntropyImportanceSampling(dimension: 1, threshold: 5, maximumIterations: 0, score: score) }
        #expect((try? CrossEntropyImportanceSampling(dimension: 1, threshold: 5, pilotSize: 50, score: score)) != nil)
    }
}
