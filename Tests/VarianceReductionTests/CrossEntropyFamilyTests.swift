import Foundation
import Testing
import MonteCarloCore
import StatisticalTesting
import VarianceReduction

/// Cross-entropy proposals beyond the Gaussian mean shift, and CEM with control variates.
@Suite("Cross-entropy families")
struct CrossEntropyFamilyTests {
    static func upperTail(_ a: Double) -> Double { 0.5 * erfc(a / 2.squareRoot()) }
    static func density(_ a: Double) -> Double { exp(-0.5 * a * a) / (2 * Double.pi).squareRoot() }
    /// P(Gamma(d, 1) ≥ γ) = e^{−γ} Σ_{k<d} γᵏ/k! (the Erlang tail).
    static func erlangTail(shape d: Int, _ gamma: Double) -> Double {
        var term = 1.0, sum = 1.0
        for k in 1..<d {
            term *= gamma / Double(k)
            sum += term
        }
        return exp(-gamma) * sum
    }
    static let replications = CalibrationScale.current.replications(fast: 200, full: 2000)

    @Test("exponential tilting: P(X₁ + … + X₄ ≥ 30) for Exp(1) inputs equals the Gamma(4, 1) tail")
    func exponentialSumTail() throws {
        let truth = Self.erlangTail(shape: 4, 30)
        #expect(abs(truth - 4.661032e-10) < 1e-15)
        // Cross-check of the closed form against GSL's Gamma distribution at a moderate level.
        let gamma = try GammaDistribution(shape: 4)
        #expect(abs(Self.erlangTail(shape: 4, 3) - (1 - gamma.cumulativeProbability(3))) < 1e-12)
        let family = try ExponentialCrossEntropyFamily(rates: [1, 1, 1, 1])
        let cem = try CrossEntropyImportanceSampling(family: family, threshold: 30) { $0.reduce(0, +) }
        let result = try cem.run(driver: MonteCarloDriver(stoppingRule: .sampleCount(20_000), threadCount: 2), seed: 11)
        let estimate = result.estimate
        #expect(abs(estimate.value - truth) <= 5 * estimate.standardError, "\(estimate)")
        // (At the cross-entropy optimum, common rate θ* = Q₄(30)/Q₅(30) ≈ 0.1286, the relative
        // variance per draw is θ*⁻⁴(2 − θ*)⁻⁴Q₄((2 − θ*)30)/p² − 1 ≈ 16.7: relative SE ≈ 2.9% here.)
        // Upper-tail tilting lowers every rate, which bounds the weights (see the family's doc).
        #expect(result.fit.proposalParameters.allSatisfy { $0 < 1 }, "\(result.fit.proposalParameters)")
    }

    @Test("exponential tilting: 95% intervals cover the Gamma tail over R replications")
    func exponentialCoverage() throws {
        let truth = Self.erlangTail(shape: 3, 20)
        let family = try ExponentialCrossEntropyFamily(rates: [1, 1, 1])
        let cem = try CrossEntropyImportanceSampling(family: family, threshold: 20, pilotSize: 500) { $0.reduce(0, +) }
        let driver = MonteCarloDriver(stoppingRule: .sampleCount(1000), threadCount: 1)
        let check = try StatisticalCheck.coverage(replications: Self.replications, containing: truth) { r throws(MonteCarloError) in
            try cem.run(driver: driver, seed: 9_000 + UInt64(r)).estimate
        }
        #expect(check.passed, "\(check)")
    }

    /// The event {|X₁ − 4| ≤ ½, |X₂ − 4| ≤ ½} is bounded, so a narrow proposal keeps finite
    /// weights; its probability is (Q(3.5) − Q(4.5))².
    @Test("Gaussian mean and scale: a small far box, P = (Q(3.5) − Q(4.5))²")
    func meanAndScale() throws {
        let truth = pow(Self.upperTail(3.5) - Self.upperTail(4.5), 2)
        let family = try GaussianCrossEntropyFamily(dimension: 2, adaptation: .meanAndScale)
        let cem = try CrossEntropyImportanceSampling(family: family, threshold: -0.5) { -max(abs($0[0] - 4), abs($0[1] - 4)) }
        let result = try cem.run(driver: MonteCarloDriver(stoppingRule: .sampleCount(20_000), threadCount: 2), seed: 5)
        #expect(abs(result.estimate.value - truth) <= 5 * result.estimate.standardError, "\(result.estimate)")
        // The last fit uses elite draws inside the box [3.5, 4.5]², whose weighted standard
        // deviation cannot exceed half the box's width.
        let s = result.fit.proposalParameters.standardDeviations
        #expect(s.allSatisfy { $0 > 0 && $0 <= 0.5 }, "\(s)")
        // Against the mean shift on the same event: the scale adaptation must help here.
        let shifted = try CrossEntropyImportanceSampling(family: try GaussianCrossEntropyFamily(dimension: 2), threshold: -0.5) {
            -max(abs($0[0] - 4), abs($0[1] - 4))
        }.run(driver: MonteCarloDriver(stoppingRule: .sampleCount(20_000), threadCount: 2), seed: 5)
        #expect(abs(shifted.estimate.value - truth) <= 5 * shifted.estimate.standardError, "\(shifted.estimate)")
        #expect(result.estimate.variance < shifted.estimate.variance, "\(result.estimate) vs \(shifted.estimate)")
    }

    /// With the fitted mean m, the controls y = x − m and y² − 1 (the scores of the mean and the
    /// scale) are uncorrelated with variances 1 and 2, and with p = Q(5), f = 1{x > 5}:
    /// Var(wf) = e^{m²}Q(5 + m) − p², Cov(wf, y) = φ(5) − mp,
    /// Cov(wf, y² − 1) = 5φ(5) + p − 2mφ(5) + (m² − 1)p; the factor is 1/(1 − R²).
    @Test("CEM + score control variates on P(Z > 5): closed-form variance-reduction factor")
    func controlVariates() throws {
        let truth = Self.upperTail(5), n = 100_000
        let cem = try CrossEntropyImportanceSampling(dimension: 1, threshold: 5) { $0[0] }
        let result = try cem.runWithControlVariates(driver: MonteCarloDriver(stoppingRule: .sampleCount(n), threadCount: 2), seed: 17)
        let estimate = result.estimate
        #expect(abs(estimate.value - truth) <= 5 * estimate.standardError, "\(estimate)")
        #expect(estimate.standardError / truth <= 0.01)
        let m = result.fit.proposalMean[0], p = truth, phi5 = Self.density(5)
        let variance = exp(m * m) * Self.upperTail(5 + m) - p * p
        let covariances = (phi5 - m * p, 5 * phi5 + p - 2 * m * phi5 + (m * m - 1) * p)
        let r2 = (covariances.0 * covariances.0 + covariances.1 * covariances.1 / 2) / variance
        // The terms w·1{x > 5} have kurtosis κ = e^{6m²}Q(5 + 3m)/Var² (about 18), so each variance
        // estimate varies like one with 2n/(κ + 1) degrees of freedom.
        let kurtosis = exp(6 * m * m) * Self.upperTail(5 + 3 * m) / (variance * variance)
        let nu = 2 * Double(n) / (kurtosis + 1)
        let check = try StatisticalCheck.varianceReductionFactor(
            of: estimate, theoreticalFactor: 1 / (1 - r2), plainDegreesOfFreedom: nu, reducedDegreesOfFreedom: nu)
        #expect(check.passed, "\(check)")
    }

    @Test("bad input: parameters, unreachable rare sets, NaN scores")
    func badInput() throws {
        #expect(throws: MonteCarloError.self) { _ = try ExponentialCrossEntropyFamily(rates: []) }
        #expect(throws: MonteCarloError.self) { _ = try ExponentialCrossEntropyFamily(rates: [1, -1]) }
        #expect(throws: MonteCarloError.self) { _ = try ExponentialCrossEntropyFamily(rates: [.nan]) }
        #expect(throws: MonteCarloError.self) { _ = try GaussianCrossEntropyFamily(dimension: 0, adaptation: .meanAndScale) }
        let family = try ExponentialCrossEntropyFamily(rates: [1, 1])
        // Dimension mismatches between a family and the parameters given to it.
        for error in [
            #expect(throws: MonteCarloError.self) { _ = try family.proposal([0.5, 0.5, 0.5]) },
            #expect(throws: MonteCarloError.self) {
                _ = try GaussianCrossEntropyFamily(dimension: 2).proposal(.init(mean: [1], standardDeviations: [1, 1]))
            },
        ] {
            guard case .dimensionMismatch = error else {
                Issue.record("expected dimensionMismatch, got \(String(describing: error))")
                continue
            }
        }
        // The sum is capped at 10: the level stalls at 10 < 12.
        let capped = try CrossEntropyImportanceSampling(family: family, threshold: 12, pilotSize: 100, maximumIterations: 6) {
            min($0[0] + $0[1], 10)
        }
        let error = #expect(throws: MonteCarloError.self) { _ = try capped.fitProposal(seed: 2) }
        guard case .notConverged(_, let iterations, let detail) = error else {
            Issue.record("expected notConverged, got \(String(describing: error))")
            return
        }
        #expect(iterations == 6)
        #expect(detail.contains("highest level was 10.0"), "\(detail)")
        let nanScore = try CrossEntropyImportanceSampling(family: family, threshold: 12, pilotSize: 100) {
            $0[0] > 3 ? .nan : $0[0] + $0[1]
        }
        let nanError = #expect(throws: MonteCarloError.self) { _ = try nanScore.fitProposal(seed: 2) }
        guard case .nonFinite(let quantity, _) = nanError else {
            Issue.record("expected nonFinite, got \(String(describing: nanError))")
            return
        }
        #expect(quantity == "score")
    }
}
