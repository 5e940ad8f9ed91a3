import Foundation
import Testing
import MonteCarloCore
import StatisticalTesting
import VariationalInference

/// IWAE_K gradients (reparameterization, DReG, VIMCO, plain score function) on the Normal–Normal
/// golden case NN-1 (shared/reference/elbo.md §3.1), against the exact gradient and exact
/// per-group variances from Gauss–Hermite quadrature over the K draws.
@Suite("IWAE gradients against quadrature")
struct ImportanceWeightedGradientTests {
    typealias Estimator = ImportanceWeightedGradientEstimator
    let model = try! NormalNormalModel(observations: [0.5, 1.2, -0.3, 0.8, 1.0])
    let q = try! GaussianApproximation.meanField(mean: [0.2], standardDeviations: [0.6])
    var elbo: EvidenceLowerBound<NormalNormalModel> { EvidenceLowerBound(model: model, approximation: q) }

    /// 40 nodes for K ≤ 2, 30 for K = 3 (27 000 points): the test below shows that 10 fewer nodes
    /// change the means by < 10⁻⁴, the variances by < 10⁻³ and the kurtoses by < 10⁻² (relative),
    /// far below the Monte Carlo errors tested against (the smallest: 1.5% for a variance).
    func exact(groupSize k: Int, order: Int? = nil) throws -> ExactImportanceWeightedGradient {
        ExactImportanceWeightedGradient(model: model, mean: 0.2, standardDeviation: 0.6, groupSize: k,
                                        rule: try GaussHermiteRule(order: order ?? (k <= 2 ? 40 : 30)))
    }

    /// A fixed seed offset per estimator (hash values change between runs).
    func offset(_ estimator: Estimator) -> UInt64 { UInt64(Estimator.allCases.firstIndex(of: estimator)!) }

    static let cases: [(Estimator, Int)] = [
        (.reparameterization, 1), (.reparameterization, 2), (.reparameterization, 3),
        (.doublyReparameterized, 1), (.doublyReparameterized, 2), (.doublyReparameterized, 3),
        (.vimco, 2), (.vimco, 3), (.scoreFunction, 2), (.scoreFunction, 3),
    ]

    @Test("the quadrature reproduces the ELBO and its gradient at K = 1 and its own central differences at K = 2, 3")
    func quadrature() throws {
        let rule = try GaussHermiteRule(order: 10)
        #expect(abs(rule.expectation(dimension: 1) { $0[0] * $0[0] * $0[0] * $0[0] } - 3) < 1e-12)
        #expect(abs(rule.expectation(dimension: 2) { $0[0] * $0[0] * $0[1] * $0[1] } - 1) < 1e-12)
        let single = try exact(groupSize: 1)
        #expect(abs(single.value(mean: 0.2, standardDeviation: 0.6) - -6.875_518_289_789) < 1e-10)
        #expect(abs(single.gradient[0] - 2) < 1e-10 && abs(single.gradient[1] - -1.933_333_333_333) < 1e-10)
        for k in [2, 3] {
            let integral = try exact(groupSize: k)
            let h = 1e-4
            // Central differences err by h²/6 · (third derivative) ≈ 10⁻⁸ here.
            let dm = (integral.value(mean: 0.2 + h, standardDeviation: 0.6) - integral.value(mean: 0.2 - h, standardDeviation: 0.6)) / (2 * h)
            let ds = (integral.value(mean: 0.2, standardDeviation: 0.6 + h) - integral.value(mean: 0.2, standardDeviation: 0.6 - h)) / (2 * h)
            let gradient = integral.gradient
            #expect(abs(dm - gradient[0]) < 1e-6 && abs(ds - gradient[1]) < 1e-6, "K = \(k): \(gradient) vs (\(dm), \(ds))")
            // IWAE_K lies between the ELBO and log p(x).
            let value = integral.value(mean: 0.2, standardDeviation: 0.6)
            #expect(value > -6.875_518_289_789 && value < model.logEvidence, "K = \(k): \(value)")
            // Convergence in the order of the rule.
            let coarse = try exact(groupSize: k, order: k <= 2 ? 30 : 20)
            for estimator in Estimator.allCases where estimator.minimumGroupSize <= k {
                for (a, b) in zip(integral.moments(estimator), coarse.moments(estimator)) {
                    #expect(abs(a.mean - b.mean) < 1e-4 && abs(a.variance / b.variance - 1) < 1e-3
                                && abs(a.kurtosis / b.kurtosis - 1) < 1e-2,
                            "K = \(k), \(estimator): \(a) vs \(b)")
                }
            }
        }
        // Golden values (K = 2): ∇IWAE₂ = (0.790819, −0.424393).
        let pair = try exact(groupSize: 2).gradient
        #expect(abs(pair[0] - 0.790_819) < 1e-5 && abs(pair[1] - -0.424_393) < 1e-5, "\(pair)")
    }

    @Test("each estimator is within 5 SE of the exact gradient, with the exact per-group variance", arguments: cases)
    func unbiased(estimator: Estimator, groupSize k: Int) throws {
        let groups = 20_000
        let g = try elbo.importanceWeightedGradient(estimator, groupSize: k, groups: groups, seed: 100 + UInt64(10 * k) + offset(estimator))
        let moments = try exact(groupSize: k).moments(estimator)
        #expect(g.sampleCount == groups * k)
        for i in 0..<2 {
            let check = StatisticalCheck.consistency(of: g.component(i), with: moments[i].mean)
            #expect(check.passed, "\(estimator), K = \(k), component \(i): \(check)")
            // The reported per-group variance R·covariance_ii is a sample variance of R draws:
            // relative standard deviation √((κ − 1)/R) with κ the exact kurtosis.
            let ratio = g.covariance[i * 2 + i] * Double(groups) / moments[i].variance
            let tolerance = 5 * ((moments[i].kurtosis - 1) / Double(groups)).squareRoot()
            #expect(abs(ratio - 1) < tolerance, "\(estimator), K = \(k), component \(i): variance ratio \(ratio) ± \(tolerance)")
        }
        let kish = try #require(g.diagnostics.figures["meanKishESS"])
        #expect(kish >= 1 && kish <= Double(k))
        if k == 1 { #expect(kish == 1) }
    }

    @Test("K = 1: reparameterization is the ELBO gradient and DReG is sticking the landing, draw for draw")
    func singleDraw() throws {
        let pairs: [(Estimator, EvidenceLowerBound<NormalNormalModel>.GradientEstimator)] = [
            (.reparameterization, .reparameterization), (.doublyReparameterized, .stickingTheLanding),
        ]
        for (estimator, reference) in pairs {
            let iwae = try elbo.importanceWeightedGradient(estimator, groupSize: 1, groups: 500, seed: 7)
            let plain = try elbo.gradient(samples: 500, seed: 7, estimator: reference)
            for i in 0..<2 {
                #expect(abs(iwae.values[i] - plain.values[i]) < 1e-12, "\(estimator) component \(i)")
                #expect(abs(iwae.covariance[3 * i] - plain.covariance[3 * i]) < 1e-12 * plain.covariance[3 * i])
            }
        }
    }

    @Test("at the posterior DReG is exactly zero with zero variance; every weight is equal (Kish ESS = K)")
    func atThePosterior() throws {
        let posterior = try GaussianApproximation.meanField(mean: [model.posteriorMean],
                                                            standardDeviations: [model.posteriorVariance.squareRoot()])
        let exactElbo = EvidenceLowerBound(model: model, approximation: posterior)
        let dreg = try exactElbo.importanceWeightedGradient(.doublyReparameterized, groupSize: 8, groups: 200, seed: 8)
        #expect(dreg.values.allSatisfy { abs($0) < 1e-12 } && dreg.totalVariance < 1e-24, "\(dreg)")
        #expect(abs(try #require(dreg.diagnostics.figures["meanKishESS"]) - 8) < 1e-9)
        // Reparameterization keeps per-group variance there (its m-part is Σ w̃_k ℓ′(z_k) = mean of ℓ′).
        let reparameterized = try exactElbo.importanceWeightedGradient(.reparameterization, groupSize: 8, groups: 200, seed: 8)
        #expect(reparameterized.totalVariance > 1e-4)
    }

    @Test("reported variances match the spread over independent runs (χ² bounds)", .tags(.calibration),
          arguments: [Estimator.reparameterization, .doublyReparameterized, .vimco, .scoreFunction])
    func calibration(estimator: Estimator) throws {
        let replications = CalibrationScale.current.replications(fast: 200, full: 1000)
        var second: [Estimate] = []
        let first = try replicate(replications, seed: 200 + offset(estimator)) { _, generator throws(MonteCarloError) in
            let g = try elbo.importanceWeightedGradient(estimator, groupSize: 3, groups: 200, seed: generator.next())
            second.append(g.component(1))
            return g.component(0)
        }
        for (i, estimates) in [first, second].enumerated() {
            let check = try StatisticalCheck.varianceCalibration(of: estimates)
            #expect(check.passed, "\(estimator), component \(i): \(check)")
        }
    }

    @Test("VIMCO's leave-one-out baselines cut the score-function variance by the exact factor", arguments: [2, 3])
    func vimcoVarianceReduction(groupSize k: Int) throws {
        let groups = 20_000
        let plain = try elbo.importanceWeightedGradient(.scoreFunction, groupSize: k, groups: groups, seed: 300 + UInt64(k))
        let vimco = try elbo.importanceWeightedGradient(.vimco, groupSize: k, groups: groups, seed: 310 + UInt64(k))
        let exact = try exact(groupSize: k)
        let (plainMoments, vimcoMoments) = (exact.moments(.scoreFunction), exact.moments(.vimco))
        for i in 0..<2 {
            // A sample variance of n draws with kurtosis κ varies like χ²_ν/ν with ν = 2(n − 1)/(κ − 1).
            let theoretical = plainMoments[i].variance / vimcoMoments[i].variance
            let check = try StatisticalCheck.varianceReductionFactor(
                plain.covariance[3 * i] / vimco.covariance[3 * i], theoreticalFactor: theoretical,
                plainDegreesOfFreedom: 2 * Double(groups - 1) / (plainMoments[i].kurtosis - 1),
                reducedDegreesOfFreedom: 2 * Double(groups - 1) / (vimcoMoments[i].kurtosis - 1))
            #expect(check.passed, "K = \(k), component \(i): \(check)")
            #expect(theoretical * check.lowerBound > 10, "K = \(k), component \(i): exact factor \(theoretical)")
        }
    }

    /// Signal-to-noise ratio per group, |∇IWAE_K| / sd(ĝ), of the m-gradient for K = 16 … 128.
    ///
    /// ∇IWAE_K shrinks like 1/K; the reparameterization estimator's sd like 1/√K (SNR ∝ K^{−1/2},
    /// Rainforth et al. 2018) and DReG's like K^{−3/2} (SNR ∝ K^{1/2}, Tucker et al. 2019). Both
    /// estimators are unbiased for the same gradient, so the mean in both ratios is DReG's (far
    /// more precise). Each K runs B = 10 independent batches of 100 groups; the log-SNR of a batch
    /// is log|mean_DReG| − log sd, and the batches' spread gives its standard error, from which a
    /// weighted least-squares fit of log SNR on log K gives the slope and its SE.
    /// Tolerance: |slope ∓ ½| ≤ 5 SE + 0.05. The 0.05 covers the O(1/K) departure from the
    /// asymptotic rate: simulating these estimators with 2·10⁵ groups per K (NumPy, while designing
    /// the test) gave local slopes +0.531, +0.513, +0.505 (DReG) and −0.519, −0.507, −0.507
    /// (reparameterization) over 16→32→64→128.
    @Test("SNR of the q-gradient rises like √K under DReG and falls like 1/√K under reparameterization")
    func signalToNoise() throws {
        let sizes = [16, 32, 64, 128]
        let (batches, groups) = (10, 100)
        var logSNR: [Estimator: [(x: Double, y: Double, variance: Double)]] = [:]
        for (index, k) in sizes.enumerated() {
            var samples: [Estimator: [Double]] = [:]
            for b in 0..<batches {
                let seed = 400 + UInt64(index * batches + b)
                let dreg = try elbo.importanceWeightedGradient(.doublyReparameterized, groupSize: k, groups: groups, seed: seed)
                let reparameterized = try elbo.importanceWeightedGradient(.reparameterization, groupSize: k, groups: groups, seed: seed + 1000)
                let signal = log(abs(dreg.values[0]))
                for (estimator, g) in [(Estimator.doublyReparameterized, dreg), (.reparameterization, reparameterized)] {
                    samples[estimator, default: []].append(signal - 0.5 * log(g.covariance[0] * Double(groups)))
                }
            }
            for (estimator, values) in samples {
                let mean = values.reduce(0, +) / Double(batches)
                let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(batches - 1) / Double(batches)
                logSNR[estimator, default: []].append((log(Double(k)), mean, variance))
            }
        }
        for (estimator, expected) in [(Estimator.doublyReparameterized, 0.5), (.reparameterization, -0.5)] {
            let points = try #require(logSNR[estimator])
            let weights = points.map { 1 / $0.variance }
            let totalWeight = weights.reduce(0, +)
            let xBar = zip(points, weights).reduce(0) { $0 + $1.0.x * $1.1 } / totalWeight
            let yBar = zip(points, weights).reduce(0) { $0 + $1.0.y * $1.1 } / totalWeight
            let sxx = zip(points, weights).reduce(0) { $0 + $1.1 * ($1.0.x - xBar) * ($1.0.x - xBar) }
            let sxy = zip(points, weights).reduce(0) { $0 + $1.1 * ($1.0.x - xBar) * ($1.0.y - yBar) }
            let slope = sxy / sxx, standardError = (1 / sxx).squareRoot()
            #expect(abs(slope - expected) <= 5 * standardError + 0.05,
                    "\(estimator): slope \(slope) ± \(standardError), expected \(expected); log SNR \(points)")
            #expect(standardError < 0.05, "\(estimator): slope SE \(standardError) too large to tell ±½ apart")
        }
    }

    @Test("bad input is a typed error")
    func badInput() throws {
        for estimator in Estimator.allCases {
            #expect(throws: MonteCarloError.self, "\(estimator)") {
                try elbo.importanceWeightedGradient(estimator, groupSize: 0, groups: 100, seed: 1)
            }
            #expect(throws: MonteCarloError.self, "\(estimator), one group") {
                try elbo.importanceWeightedGradient(estimator, groupSize: 2, groups: 1, seed: 1)
            }
        }
        #expect(throws: MonteCarloError.self) { try elbo.importanceWeightedGradient(.vimco, groupSize: 1, groups: 100, seed: 1) }
        // NaN log density for z > 1, and a zero density (log p = −∞) for z < −1: both reach the
        // draws of q = N(0, 1) within 100 groups of 4.
        let q = try GaussianApproximation.meanField(mean: [0], standardDeviations: [1])
        let nan = try ClosureModel(dimension: 1, logJoint: { z in z[0] > 1 ? .nan : -z[0] * z[0] }, gradient: { z in [-2 * z[0]] })
        let truncated = try ClosureModel(dimension: 1, logJoint: { z in z[0] < -1 ? -.infinity : -z[0] * z[0] },
                                         gradient: { z in [-2 * z[0]] })
        for model in [nan, truncated] {
            for estimator in Estimator.allCases {
                #expect(throws: MonteCarloError.self, "\(estimator)") {
                    try EvidenceLowerBound(model: model, approximation: q)
                        .importanceWeightedGradient(estimator, groupSize: 4, groups: 100, seed: 1)
                }
            }
        }
    }
}
