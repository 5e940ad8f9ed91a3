import Foundation
import Testing
import MonteCarloCore
import StatisticalTesting
import VarianceReduction

/// Importance sampling with zero-mean controls, two expectations from one sample: π = N(0, 1),
/// q = N(μ, 1), w = exp(−μx + μ²/2), controls y = x − μ (the score) and w − 1.
@Suite("Importance sampling with control variates")
struct ImportanceSamplingControlVariatesTests {
    static let mu = 0.25
    static let replications = CalibrationScale.current.replications(fast: 200, full: 2000)

    static func estimator() throws -> ImportanceSamplingControlVariates<NormalDistribution> {
        let mu = Self.mu
        return try ImportanceSamplingControlVariates(
            proposal: try NormalDistribution(mean: mu),
            integrand: VectorIntegrand(outputDimension: 2) { [$0, $0 * $0] },
            logWeight: { -mu * $0 + 0.5 * mu * mu },
            controls: VectorIntegrand(outputDimension: 1) { [$0 - mu] })
    }

    /// With E = e^{μ²} and E_q[w² g] = E·E_{N(−μ,1)}[g]: the controls (y, w − 1) have covariance
    /// [[1, −μ], [−μ, E − 1]]; for f = x: Var(wf) = E(1 + μ²), Cov = (1, −μE); for f = x²:
    /// Var(wf) = E(μ⁴ + 6μ² + 3) − 1, Cov = (−μ, E(1 + μ²) − 1). The factor is 1/(1 − R²) with
    /// R² = cᵀΣ⁻¹c / Var(wf).
    static func theoreticalFactors() -> [Double] {
        let mu = Self.mu, e = exp(mu * mu)
        let (a, b, d) = (1.0, -mu, e - 1)   // the controls' covariance [[a, b], [b, d]]
        let determinant = a * d - b * b
        func factor(_ variance: Double, _ c: (Double, Double)) -> Double {
            let r2 = (d * c.0 * c.0 - 2 * b * c.0 * c.1 + a * c.1 * c.1) / determinant / variance
            return 1 / (1 - r2)
        }
        return [factor(e * (1 + mu * mu), (1, -mu * e)),
                factor(e * (pow(mu, 4) + 6 * mu * mu + 3) - 1, (-mu, e * (1 + mu * mu) - 1))]
    }

    @Test("E[X] = 0 and E[X²] = 1 from one sample, with closed-form variance-reduction factors")
    func varianceReduction() throws {
        let n = 40_000
        let report = try MonteCarloDriver(stoppingRule: .sampleCount(n), threadCount: 2).run(try Self.estimator(), seed: 3)
        let estimate = report.estimate
        let factors = Self.theoreticalFactors()
        #expect(abs(factors[0] - 1666.32) < 0.01 && abs(factors[1] - 14.4315) < 0.001, "\(factors)")
        // Kurtosis of w·x under q: E_q[(wx)⁴] = e^{6μ²}(81μ⁴ + 54μ² + 3) over Var²; of w·x²:
        // e^{6μ²}E_{N(−3μ,1)}[x⁸] over Var². Each variance estimate then varies like one with
        // 2n/(κ + 1) degrees of freedom (the residuals are given the same allowance).
        let mu = Self.mu, e6 = exp(6 * mu * mu), m = -3 * mu
        let eighthMoment = pow(m, 8) + 28 * pow(m, 6) + 210 * pow(m, 4) + 420 * m * m + 105
        let kurtoses = [e6 * (81 * pow(mu, 4) + 54 * mu * mu + 3) / pow(exp(mu * mu) * (1 + mu * mu), 2),
                        e6 * eighthMoment / pow(exp(mu * mu) * (pow(mu, 4) + 6 * mu * mu + 3) - 1, 2)]
        for (j, truth) in [0.0, 1.0].enumerated() {
            let component = estimate.component(j)
            #expect(abs(component.value - truth) <= 5 * component.standardError, "component \(j): \(component)")
            let nu = 2 * Double(n) / (kurtoses[j] + 1)
            let check = try StatisticalCheck.varianceReductionFactor(
                component.effectiveSampleSize / Double(n), theoreticalFactor: factors[j],
                plainDegreesOfFreedom: nu, reducedDegreesOfFreedom: nu)
            #expect(check.passed, "component \(j): \(check)")
        }
    }

    /// (w·x² has kurtosis ≈ 89 at μ = ¼, so n is chosen large enough for the normal interval.)
    @Test("95% intervals for E[X] = 0 and E[X²] = 1 cover over R replications")
    func coverage() throws {
        let estimator = try Self.estimator()
        let driver = MonteCarloDriver(stoppingRule: .sampleCount(5000), threadCount: 1)
        var estimates: [VectorEstimate] = []
        for r in 0..<Self.replications { estimates.append(try driver.run(estimator, seed: 40_000 + UInt64(r)).estimate) }
        for (j, truth) in [0.0, 1.0].enumerated() {
            var components: [Estimate] = []
            for estimate in estimates { components.append(estimate.component(j)) }
            let check = try StatisticalCheck.coverage(of: components, containing: truth)
            #expect(check.passed, "component \(j): \(check)")
        }
    }

    @Test("bad input: no controls, NaN values")
    func badInput() throws {
        let proposal = try NormalDistribution(mean: 1)
        #expect(throws: MonteCarloError.self) {
            _ = try ImportanceSamplingControlVariates(
                proposal: proposal, integrand: VectorIntegrand(outputDimension: 1) { [$0] },
                logWeight: { -$0 + 0.5 }, controls: nil, usesLikelihoodRatio: false)
        }
        let nan = try ImportanceSamplingControlVariates(
            proposal: proposal, integrand: VectorIntegrand(outputDimension: 1) { $0 > 2 ? [.nan] : [$0] },
            logWeight: { -$0 + 0.5 }, controls: nil)
        let error = #expect(throws: MonteCarloError.self) {
            _ = try MonteCarloDriver(stoppingRule: .sampleCount(1000), threadCount: 1).run(nan, seed: 1)
        }
        guard case .nonFinite(let quantity, _) = error else {
            Issue.record("expected nonFinite, got \(String(describing: error))")
            return
        }
        #expect(quantity.contains("integrand"), "\(quantity)")
    }
}
