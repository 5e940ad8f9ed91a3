import Foundation
import LinearAlgebra
import MonteCarloCore

/// Adaptive multiple importance sampling (AMIS; Cornuet, Marin, Mira & Robert 2012) with
/// Gaussian proposals and deterministic-mixture weights.
///
/// ```swift
/// // E_π[X₁] for an unnormalized Gaussian target, starting from the wide N(0, 9 I).
/// var wide = Matrix.identity(2)
/// wide[0, 0] = 9
/// wide[1, 1] = 9
/// let amis = try AdaptiveMultipleImportanceSampling(
///     logTarget: { -0.5 * (($0[0] - 3) * ($0[0] - 3) + $0[1] * $0[1]) },
///     integrand: Integrand { $0[0] },
///     initialProposal: try MultivariateNormalDistribution(mean: [0, 0], covariance: wide),
///     targetIsNormalized: false)
/// let result = try amis.run(driver: MonteCarloDriver(stoppingRule: .sampleCount(20_000)), seed: 1)
/// ```
///
/// **Adaptation.** Iteration t = 0, …, T − 1 draws N points from the Gaussian q_t (q₀ the
/// initial proposal). Every draw so far, old and new, is then reweighted with the deterministic
/// mixture of all proposals used, w(x) = π(x) / (Σ_{s≤t} N q_s(x) / Σ_{s≤t} N), and q_{t+1} is
/// the Gaussian with the self-normalized weighted mean and covariance of all draws.
///
/// **Statistical properties.** AMIS recycles draws whose proposals were chosen from those same
/// draws, so the recycled estimate ``Adaptation/recycledEstimate`` (self-normalized over all
/// T·N draws) is consistent, but its finite-sample bias is not controlled and even its
/// consistency rests on conditions that are hard to check (Marin, Pudlo & Sedki 2019 give a
/// modified scheme with a consistency proof); its `variance` is the self-normalized delta-method
/// Σ w²(f − μ̂)²/(Σ w)², which ignores the adaptation, and its bias is declared. Measured
/// (R = 200 replications; unnormalized N((3, −1), diag(1, ¼)) from q₀ = N(0, 9I); E[X₁] and
/// P(X₁ > 4)): with T = 4, N = 200 its 95% intervals cover 95.5% and 95.5%, variance ratios
/// (empirical/reported) 1.05 and 1.11 — honest; with T = 8, N = 50, 91.5% and 94.0%, ratios
/// 1.49 and 1.41; with T = 3, N = 30, 63% and 56%, ratios 6.0 and 2.4, biased downward by
/// 1.06 and 0.70 standard errors. With few draws per iteration its error bar is too narrow.
/// Even at T = 4, N = 200 the bias is there, only smaller: over 2000 replications (the full
/// calibration run, 2026-12-06) P(X₁ > 4) covered 94.7% with variance ratio 1.05 but a mean
/// error of −0.11 standard errors, which 200 replications cannot see.
/// The estimate returned by ``run(driver:seed:)`` does not depend on that: it is
/// ``ImportanceSampling`` under the driver on **fresh** draws (random streams disjoint from the
/// adaptation's) from the fixed equal-weight mixture of q₀, …, q_T. With a normalized target
/// (`targetIsNormalized`) it uses standard weights, is unbiased, and `variance` is the sample
/// variance of w·f over n; otherwise it is self-normalized, with its O(1/n) bias declared and
/// the delta-method variance. ESS is as in ``ImportanceSampling``: the weighted estimate of
/// the per-draw variance of f under π over `variance`. Keeping q₀ in the mixture is defensive
/// (Hesterberg 1995): the weights are bounded by N(T + 1)·π/(N q₀), so a q₀ with heavier tails
/// than π keeps the variance finite.
///
/// - Complexity: O((T N)·T·d²) density evaluations for the adaptation (every draw's density
///   under every proposal), then O(T d²) per final draw.
public struct AdaptiveMultipleImportanceSampling: Sendable {
    /// log π(x), up to a constant unless `targetIsNormalized`.
    public let logTarget: @Sendable ([Double]) -> Double
    /// The integrand f.
    public let integrand: Integrand<[Double]>
    /// The initial proposal q₀.
    public let initialProposal: MultivariateNormalDistribution
    /// The number T of adaptation iterations.
    public let iterations: Int
    /// Draws N per adaptation iteration.
    public let drawsPerIteration: Int
    /// Whether `logTarget` is a normalized log-density (standard weights in the final run).
    public let targetIsNormalized: Bool

    /// The adapted proposals and the recycled estimate.
    public struct Adaptation: Sendable {
        /// q₀, …, q_T.
        public let proposals: [MultivariateNormalDistribution]
        /// The equal-weight mixture of q₀, …, q_T used for the final draws.
        public let mixture: GaussianMixtureDistribution
        /// The self-normalized AMIS estimate over all T·N adaptation draws (bias declared; its
        /// error bar is too narrow with few draws per iteration, see the statistical properties).
        public let recycledEstimate: Estimate
    }

    /// The final estimate with the adaptation it used.
    public struct Result: Sendable {
        /// The importance-sampling estimate of E_π[f] on fresh draws from the mixture.
        public let estimate: Estimate
        /// The adapted proposals and the recycled estimate.
        public let adaptation: Adaptation
    }

    /// Creates the method.
    /// - Throws: `MonteCarloError/invalidParameter(name:value:requirement:)` for fewer than 1
    ///   iteration or fewer than d + 2 draws per iteration (a covariance needs them).
    public init(logTarget: @escaping @Sendable ([Double]) -> Double, integrand: Integrand<[Double]>,
                initialProposal: MultivariateNormalDistribution, iterations: Int = 10,
                drawsPerIteration: Int = 1000, targetIsNormalized: Bool) throws(MonteCarloError) {
        guard iterations >= 1 else {
            throw .invalidParameter(name: "iterations", value: Double(iterations), requirement: "at least 1")
        }
        guard drawsPerIteration >= initialProposal.dimension + 2 else {
            throw .invalidParameter(name: "drawsPerIteration", value: Double(drawsPerIteration),
                                    requirement: "at least d + 2 = \(initialProposal.dimension + 2)")
        }
        self.logTarget = logTarget
        self.integrand = integrand
        self.initialProposal = initialProposal
        self.iterations = iterations
        self.drawsPerIteration = drawsPerIteration
        self.targetIsNormalized = targetIsNormalized
    }

    /// Runs the T adaptation iterations, deterministically from `seed`.
    ///
    /// Iteration t uses stream `RandomStreams.streamLimit − 1 − t` of `seed`, far from the
    /// streams a driver uses.
    /// - Throws: `MonteCarloError/nonFinite(quantity:index:)` for a NaN or +∞ log-target or a
    ///   non-finite integrand value (index counts adaptation draws), and
    ///   `MonteCarloError/notConverged(algorithm:iterations:detail:)` when all weights vanish or
    ///   the weighted covariance is not positive definite.
    public func adapt(seed: UInt64) throws(MonteCarloError) -> Adaptation {
        let streams = RandomStreams(seed: seed)
        let d = initialProposal.dimension
        var proposals = [initialProposal]
        var points: [[Double]] = [], logTargets: [Double] = []
        var logProposals: [[Double]] = []   // logProposals[i][s] = log q_s(x_i)
        var logWeights: [Double] = []
        for t in 0..<iterations {
            let current = proposals[t]
            for i in points.indices { logProposals[i].append(current.logDensity(points[i])) }
            var generator = streams.stream(RandomStreams.streamLimit - 1 - t)
            for _ in 0..<drawsPerIteration {
                let x = current.draw(using: &generator)
                let logTarget = logTarget(x)
                guard !logTarget.isNaN, logTarget != .infinity else {
                    throw .nonFinite(quantity: "log target density", index: points.count)
                }
                points.append(x)
                logTargets.append(logTarget)
                logProposals.append(proposals.map { $0.logDensity(x) })
            }
            // Deterministic-mixture weights over all draws (equal N per proposal).
            let logCount = log(Double(t + 1))
            logWeights = points.indices.map {
                logTargets[$0] - (GaussianMixtureDistribution.logSumExp(logProposals[$0]) - logCount)
            }
            let shift = logWeights.max() ?? -.infinity
            guard shift > -.infinity else {
                throw .notConverged(algorithm: "AMIS adaptation", iterations: t + 1,
                                    detail: "every importance weight is zero: the proposals miss the target's support")
            }
            let weights = logWeights.map { exp($0 - shift) }
            proposals.append(try Self.weightedGaussian(points, weights: weights, dimension: d, iteration: t + 1))
        }
        let mixture = try GaussianMixtureDistribution(
            components: proposals, weights: [Double](repeating: 1, count: proposals.count))
        return Adaptation(proposals: proposals, mixture: mixture,
                          recycledEstimate: try recycledEstimate(points: points, logWeights: logWeights))
    }

    /// Adapts, then estimates E_π[f] by importance sampling from the fixed mixture of q₀, …, q_T
    /// on fresh draws under `driver`.
    /// - Throws: the errors of ``adapt(seed:)``, of ``ImportanceSampling`` and of the driver.
    public func run(driver: MonteCarloDriver, seed: UInt64) throws(MonteCarloError) -> Result {
        let adaptation = try adapt(seed: seed)
        let mixture = adaptation.mixture, logTarget = logTarget
        let estimator = ImportanceSampling(
            proposal: mixture, integrand: integrand,
            logWeight: { logTarget($0) - mixture.logDensity($0) },
            normalization: targetIsNormalized ? .standard : .selfNormalized)
        let report = try driver.run(estimator, seed: seed)
        return Result(estimate: report.estimate, adaptation: adaptation)
    }

    // MARK: - Steps

    /// The Gaussian with the weighted mean and covariance of the points.
    static func weightedGaussian(_ points: [[Double]], weights: [Double], dimension d: Int,
                                 iteration: Int) throws(MonteCarloError) -> MultivariateNormalDistribution {
        let total = weights.reduce(0, +)
        var mean = [Double](repeating: 0, count: d)
        for (x, w) in zip(points, weights) { for k in 0..<d { mean[k] += w * x[k] / total } }
        var covariance = Matrix(rows: d, columns: d)
        for (x, w) in zip(points, weights) where w > 0 {
            for j in 0..<d { for k in 0..<d { covariance[j, k] += w * (x[j] - mean[j]) * (x[k] - mean[k]) / total } }
        }
        do {
            return try MultivariateNormalDistribution(mean: mean, covariance: covariance)
        } catch {
            let kish = total * total / weights.reduce(0) { $0 + $1 * $1 }
            throw .notConverged(algorithm: "AMIS adaptation", iterations: iteration,
                                detail: "the weighted covariance of the draws is not positive definite (\(error)); Kish ESS \(kish)")
        }
    }

    /// The self-normalized estimate over the adaptation draws, with its bias declared.
    func recycledEstimate(points: [[Double]], logWeights: [Double]) throws(MonteCarloError) -> Estimate {
        let values = integrand.values(at: points)
        let shift = logWeights.max() ?? 0
        var moments = WeightedMoments()
        for i in points.indices {
            guard values[i].isFinite else { throw .nonFinite(quantity: "integrand", index: i) }
            moments.add(values[i], weight: exp(logWeights[i] - shift))
        }
        let value = moments.weightedMean
        let variance = moments.squaredWeightDeviations(about: value) / (moments.sumOfWeights * moments.sumOfWeights)
        let perDraw = moments.weightedSquaredDeviations / moments.sumOfWeights
        let n = points.count
        return Estimate(
            value: value, variance: variance, sampleCount: n,
            effectiveSampleSize: Estimate.effectiveSampleSize(perDrawVariance: perDraw, estimatorVariance: variance, evaluations: n),
            degreesOfFreedom: nil,
            diagnostics: Diagnostics(
                method: "adaptive-multiple-importance-sampling-recycled",
                declaredBias: "finite-sample bias not controlled: AMIS reweights draws whose proposals were fitted to them (Cornuet et al. 2012; Marin, Pudlo & Sedki 2019); variance ignores the adaptation",
                figures: ["kishEffectiveSampleSize": moments.kishEffectiveSampleSize]))
    }
}
