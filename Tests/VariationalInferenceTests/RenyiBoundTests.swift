import Foundation
import Testing
import MonteCarloCore
import StatisticalTesting
import VariationalInference

/// Rényi-α bounds on the Normal–Normal golden case NN-1 (shared/reference/elbo.md §3.1): the
/// closed form L_α of `NormalNormalModel.renyiBound(alpha:of:)`, checked by quadrature, and the
/// K-sample estimator `EvidenceLowerBound.renyi(alpha:groupSize:groups:seed:)` against it.
@Suite("Rényi bounds against closed forms")
struct RenyiBoundTests {
    let model = try! NormalNormalModel(observations: [0.5, 1.2, -0.3, 0.8, 1.0])
    /// Wider than the posterior (τ_n = 0.408): L_α is finite for α ≤ 1 (and α > 1 diverges).
    let wide = try! GaussianApproximation.meanField(mean: [0.2], standardDeviations: [0.6])
    /// Narrower than the posterior: L_α is finite for α ≥ −1.17, so α = 2 and 3 are testable.
    let narrow = try! GaussianApproximation.meanField(mean: [0.4], standardDeviations: [0.3])

    static let elbo = -6.875_518_289_789     // NN-1 golden ELBO at q = N(0.2, 0.6²)
    static let renyiHalf = -6.525_095_035_562 // NN-1 golden L_{1/2} at the same q

    /// L_α by the trapezoid rule on log p(x, θ) − log q(θ) directly (no posterior formulas):
    /// L_α = c + log(∫ q e^{(1−α)(log w − c)} dθ)/(1 − α) for any shift c. The integrand is a
    /// Gaussian, for which the trapezoid rule with step h errs by about e^{−2π²σ²/h²}: nothing
    /// at h = 10⁻³ over ±15 (the integrand's scale σ ≥ 0.2 here).
    func quadrature(alpha: Double, _ q: GaussianApproximation) -> Double {
        let m = q.mean[0], s = q.scale[0, 0], shift = model.logEvidence, h = 1e-3
        var sum = 0.0
        for i in -15_000...15_000 {
            let theta = Double(i) * h
            let logQ = -0.5 * log(2 * Double.pi * s * s) - (theta - m) * (theta - m) / (2 * s * s)
            sum += exp(logQ + (1 - alpha) * (model.logJoint([theta]) - logQ - shift))
        }
        return shift + log(sum * h) / (1 - alpha)
    }

    /// The expectation of the K-sample estimator to first order in 1/K (delta method on the
    /// log of a mean of K draws of u = w^{1−α}): L_α − c²/(2K(1 − α)), where
    /// c² = E[u²]/E[u]² − 1 = exp(2(1 − α)(L_{2α−1} − L_α)) − 1, because E_q[w^β] = exp(β L_{1−β}).
    /// The remainder is O(1/K²); at K ≥ 10 on these cases it is below 0.25 SE of the tests
    /// (simulated with 2·10⁵ groups while deriving them).
    func firstOrderExpectation(alpha: Double, groupSize k: Int, _ q: GaussianApproximation) throws -> Double {
        let bound = try model.renyiBound(alpha: alpha, of: q)
        let c2 = exp(2 * (1 - alpha) * (try model.renyiBound(alpha: 2 * alpha - 1, of: q) - bound)) - 1
        return bound - c2 / (2 * Double(k) * (1 - alpha))
    }

    func expectConsistent(_ estimate: Estimate, _ truth: Double, _ label: String) {
        let check = StatisticalCheck.consistency(of: estimate, with: truth)
        #expect(check.passed, "\(label): \(check)")
    }

    @Test("the closed form matches quadrature, the golden values, log p(x) at α = 0 and the ELBO at α = 1")
    func closedForm() throws {
        for (alpha, q) in [(-3.0, wide), (-1, wide), (0, wide), (0.5, wide), (0.999, wide), (2, narrow), (3, narrow)] {
            let exact = try model.renyiBound(alpha: alpha, of: q)
            #expect(abs(exact - quadrature(alpha: alpha, q)) < 1e-9, "α = \(alpha)")
        }
        #expect(abs(try model.renyiBound(alpha: 0.5, of: wide) - Self.renyiHalf) < 1e-11)
        #expect(abs(try model.renyiBound(alpha: 1, of: wide) - Self.elbo) < 1e-11)
        #expect(abs(try model.renyiBound(alpha: 0, of: wide) - model.logEvidence) < 1e-13)
        // α → 1 is continuous (cancellation costs ~1e-16/(1 − α) there).
        #expect(abs(try model.renyiBound(alpha: 1 - 1e-7, of: wide) - Self.elbo) < 1e-6)
        #expect(abs(try model.renyiBound(alpha: 1 + 1e-7, of: narrow) - (try model.renyiBound(alpha: 1, of: narrow))) < 1e-6)
        // Ordering: decreasing in α; log p(x) between α < 0 and α > 0.
        let ladder = try [-1.0, 0, 0.5, 1].map { a throws(MonteCarloError) in try model.renyiBound(alpha: a, of: wide) }
        #expect(zip(ladder, ladder.dropFirst()).allSatisfy { $0 > $1 }, "\(ladder)")
        // Divergent cases: q wider than allowed for α = 2 (s² ≥ 2τ_n²), narrower for α = −2.
        #expect(try model.renyiBound(alpha: 2, of: wide) == -.infinity)
        #expect(try model.renyiBound(alpha: -2, of: narrow) == .infinity)
    }

    @Test("K-sample estimates match L_α − c²/(2K(1 − α)) within 5 SE", arguments: [
        (0.5, 100, false), (0.5, 10, false), (-1.0, 100, false), (2.0, 100, true),
    ])
    func estimates(alpha: Double, groupSize: Int, useNarrow: Bool) throws {
        let q = useNarrow ? narrow : wide
        let groups = 100_000 / groupSize
        let estimate = try EvidenceLowerBound(model: model, approximation: q)
            .renyi(alpha: alpha, groupSize: groupSize, groups: groups, seed: 20 + UInt64(groupSize))
        expectConsistent(estimate, try firstOrderExpectation(alpha: alpha, groupSize: groupSize, q), "α = \(alpha), K = \(groupSize)")
        #expect(estimate.sampleCount == groups * groupSize)
        #expect(estimate.diagnostics.declaredBias != nil)
    }

    @Test("K = 1 gives the ELBO for every α, and α → 1 approaches the ELBO at any K")
    func elboLimits() throws {
        let elbo = EvidenceLowerBound(model: model, approximation: wide)
        for (i, alpha) in [-1.0, 0.5, 2].enumerated() {
            expectConsistent(try elbo.renyi(alpha: alpha, groupSize: 1, groups: 5000, seed: 30 + UInt64(i)), Self.elbo, "K = 1, α = \(alpha)")
        }
        // Near α = 1 the group value is mean log w + (1 − α)/2 · (sample variance of log w) + …,
        // so at α = 0.999, K = 10 the objective exceeds the ELBO by ≈ 0.0005 · 0.9 · 2.11 = 0.001,
        // a seventh of the SE (0.0073 with 4000 groups).
        expectConsistent(try elbo.renyi(alpha: 0.999, groupSize: 10, groups: 4000, seed: 33), Self.elbo, "α = 0.999, K = 10")
    }

    @Test("α = 0: the objective rises with K toward log p(x)")
    func approachesLogEvidence() throws {
        let elbo = EvidenceLowerBound(model: model, approximation: wide)
        let ladder = try [(1, 20_000), (10, 10_000), (100, 1000), (1000, 100)].map { k, groups throws(MonteCarloError) in
            (k, try elbo.renyi(alpha: 0, groupSize: k, groups: groups, seed: 40 + UInt64(k)))
        }
        func noise(_ a: Estimate, _ b: Estimate) -> Double { (a.variance + b.variance).squareRoot() }
        // Predicted rises (χ² = e^{D₂} − 1 = 0.449): 1 → 10 about 0.50, 10 → 100 about 0.0216
        // (7 combined SE here); 100 → 1000 about 0.002, under one SE, so only "no significant fall".
        let (e1, e10, e100, e1000) = (ladder[0].1, ladder[1].1, ladder[2].1, ladder[3].1)
        #expect(e10.value - e1.value > 3 * noise(e1, e10), "\(e1) → \(e10)")
        #expect(e100.value - e10.value > 3 * noise(e10, e100), "\(e10) → \(e100)")
        #expect(e1000.value - e100.value > -3 * noise(e100, e1000), "\(e100) → \(e1000)")
        for (k, estimate) in ladder {
            #expect(estimate.value <= model.logEvidence + 5 * estimate.standardError, "K = \(k) above log p(x)")
        }
        // At K = 1000 the bias −χ²/2000 = −0.0002 is a tenth of the SE: log p(x) itself is within 5 SE.
        expectConsistent(e1000, model.logEvidence, "K = 1000")
        expectConsistent(e100, try firstOrderExpectation(alpha: 0, groupSize: 100, wide), "K = 100")
    }

    @Test("error bars are calibrated: K = 1 against the ELBO, K = 10 against the spread", .tags(.calibration))
    func calibration() throws {
        let replications = CalibrationScale.current.replications(fast: 200, full: 1000)
        let elbo = EvidenceLowerBound(model: model, approximation: wide)
        let single = try replicate(replications, seed: 50) { _, generator throws(MonteCarloError) in
            try elbo.renyi(alpha: 0.5, groupSize: 1, groups: 100, seed: generator.next())
        }
        let report = try CalibrationReport(estimates: single, truth: Self.elbo)
        #expect(report.passed, "\(report)")
        for alpha in [0.5, -1] {
            let grouped = try replicate(replications, seed: 60) { _, generator throws(MonteCarloError) in
                try elbo.renyi(alpha: alpha, groupSize: 10, groups: 50, seed: generator.next())
            }
            let variance = try StatisticalCheck.varianceCalibration(of: grouped)
            #expect(variance.passed, "α = \(alpha): \(variance)")
        }
    }

    @Test("bad input is a typed error")
    func badInput() throws {
        let elbo = EvidenceLowerBound(model: model, approximation: wide)
        for alpha in [1.0, .nan, .infinity, -.infinity] {
            #expect(throws: MonteCarloError.self, "α = \(alpha)") { try elbo.renyi(alpha: alpha, groupSize: 10, groups: 100, seed: 1) }
        }
        #expect(throws: MonteCarloError.self) { try elbo.renyi(alpha: 0.5, groupSize: 0, groups: 100, seed: 1) }
        #expect(throws: MonteCarloError.self) { try elbo.renyi(alpha: 0.5, groupSize: 10, groups: 1, seed: 1) }
        #expect(throws: MonteCarloError.self) { try model.renyiBound(alpha: .nan, of: wide) }
        #expect(throws: MonteCarloError.self) {
            try model.renyiBound(alpha: 0.5, of: GaussianApproximation.meanField(mean: [0, 0], standardDeviations: [1, 1]))
        }
        // Non-finite weights: a NaN log density, and a zero density (log p = −∞), which makes
        // w^{1−α} infinite for α > 1.
        let q = try GaussianApproximation.meanField(mean: [0], standardDeviations: [1])
        let nan = try ClosureModel(dimension: 1, logJoint: { z in z[0] > 1 ? .nan : -z[0] * z[0] }, gradient: { z in [-2 * z[0]] })
        #expect(throws: MonteCarloError.self) {
            try EvidenceLowerBound(model: nan, approximation: q).renyi(alpha: 0.5, groupSize: 10, groups: 100, seed: 1)
        }
        let truncated = try ClosureModel(dimension: 1, logJoint: { z in z[0] < -1 ? -.infinity : -z[0] * z[0] },
                                         gradient: { z in [-2 * z[0]] })
        #expect(throws: MonteCarloError.self) {
            try EvidenceLowerBound(model: truncated, approximation: q).renyi(alpha: 2, groupSize: 10, groups: 100, seed: 1)
        }
    }
}
