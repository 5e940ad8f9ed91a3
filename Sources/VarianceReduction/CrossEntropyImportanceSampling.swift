import Foundation
import LinearAlgebra
import MonteCarloCore

/// The cross-entropy method for a Gaussian rare event: P(S(X) ≥ γ) for X ~ N(0, I_d).
///
/// ```swift
/// // P(Z > 5) ≈ 2.87e-7 with 10⁵ final draws.
/// let cem = try CrossEntropyImportanceSampling(dimension: 1, threshold: 5) { $0[0] }
/// let result = try cem.run(driver: MonteCarloDriver(stoppingRule: .sampleCount(100_000)), seed: 7)
/// print(result.estimate, result.fit.proposalMean)   // mean ≈ 5.19 = E[Z | Z > 5]
/// ```
///
/// **Adaptation** (multilevel cross-entropy; Rubinstein 1999, de Boer et al. 2005). The proposal
/// family is N(m, I). Starting from m₀ = 0, iteration t draws `pilotSize` points from N(m_t, I),
/// sets the level γ_t = min(γ, the (1 − ρ)-quantile of the scores), and moves the mean to the
/// likelihood-ratio-weighted mean of the elite draws {S ≥ γ_t}, with weights
/// W = φ(x)/φ(x − m_t) = exp(−m_tᵀx + |m_t|²/2). That mean estimates E[X | S(X) ≥ γ_t], which
/// minimizes the cross-entropy to the zero-variance density within the family. Adaptation
/// stops after the first iteration whose level reaches γ; if it never does within
/// `maximumIterations`, the call throws `MonteCarloError/notConverged(algorithm:iterations:detail:)`
/// naming the highest level reached, rather than returning an estimate of zero.
///
/// **Statistical properties.** The final estimate is ``ImportanceSampling`` with standard
/// normalization and the exact log-weight −mᵀx + |m|²/2, on draws from N(m, I) that are fresh:
/// the pilot draws use random streams disjoint from the driver's. Given the fitted m it is
/// therefore unbiased; `variance` is the sample variance of the terms w·1{S ≥ γ} divided by n,
/// and the interval is normal. ESS is as in ``ImportanceSampling``: the per-draw variance of
/// the indicator under N(0, I), estimated from the weighted sample, over `variance`.
///
/// - Complexity: at most `maximumIterations · pilotSize` score evaluations for the adaptation
///   (plus a sort of `pilotSize` scores per iteration), then the driver's n evaluations.
public struct CrossEntropyImportanceSampling: Sendable {
    /// The dimension d of X ~ N(0, I_d).
    public let dimension: Int
    /// The rare-event level γ: the event is {S(X) ≥ γ}.
    public let threshold: Double
    /// The elite fraction ρ in (0, 1).
    public let rarity: Double
    /// Draws per adaptation iteration.
    public let pilotSize: Int
    /// The largest number of adaptation iterations.
    public let maximumIterations: Int
    /// The score S.
    public let score: @Sendable ([Double]) -> Double

    /// The adapted proposal and the path that led to it.
    public struct Fit: Sendable, Hashable {
        /// The fitted proposal mean m (the proposal is N(m, I)).
        public let proposalMean: [Double]
        /// The levels γ_1, …, γ_T of the iterations; the last equals the threshold.
        public let levels: [Double]
        /// The proposal means used by the iterations, m_0 = 0, …, m_{T−1}.
        public let iterationMeans: [[Double]]
        /// The number of iterations T.
        public var iterations: Int { levels.count }
    }

    /// The estimate with the fit it used.
    public struct Result: Sendable {
        /// The importance-sampling estimate of P(S(X) ≥ γ) on fresh draws.
        public let estimate: Estimate
        /// The adapted proposal.
        public let fit: Fit
    }

    /// Creates the method.
    /// - Throws: `MonteCarloError/invalidParameter(name:value:requirement:)` for a dimension
    ///   below 1, a non-finite threshold, ρ outside (0, 1), fewer than 5/ρ (and 10) pilot draws
    ///   (so that every iteration keeps at least 5 elite draws), or fewer than 1 iteration.
    public init(dimension: Int, threshold: Double, rarity: Double = 0.1, pilotSize: Int = 1000,
                maximumIterations: Int = 50,
                score: @escaping @Sendable ([Double]) -> Double) throws(MonteCarloError) {
        guard dimension >= 1 else {
            throw .invalidParameter(name: "dimension", value: Double(dimension), requirement: "at least 1")
        }
        guard threshold.isFinite else {
            throw .invalidParameter(name: "threshold", value: threshold, requirement: "finite")
        }
        guard rarity > 0, rarity < 1 else {
            throw .invalidParameter(name: "rarity", value: rarity, requirement: "in the open interval (0, 1)")
        }
        let smallestPilot = max(10, Int((5 / rarity).rounded(.up)))
        guard pilotSize >= smallestPilot else {
            throw .invalidParameter(name: "pilotSize", value: Double(pilotSize),
                                    requirement: "at least \(smallestPilot) (5/ρ, so each iteration keeps 5 elite draws)")
        }
        guard maximumIterations >= 1 else {
            throw .invalidParameter(name: "maximumIterations", value: Double(maximumIterations), requirement: "at least 1")
        }
        self.dimension = dimension
        self.threshold = threshold
        self.rarity = rarity
        self.pilotSize = pilotSize
        self.maximumIterations = maximumIterations
        self.score = score
    }

    /// Adapts the proposal mean by multilevel cross-entropy, deterministically from `seed`.
    ///
    /// Iteration t uses stream `RandomStreams.streamLimit − 1 − t` of `seed`, far from the
    /// streams a driver uses, so a later run with the same seed draws fresh points.
    /// - Throws: `MonteCarloError/nonFinite(quantity:index:)` for a NaN score (index counts
    ///   pilot draws over all iterations), `MonteCarloError/notConverged(algorithm:iterations:detail:)`
    ///   when no iteration's level reaches the threshold.
    public func fitProposal(seed: UInt64) throws(MonteCarloError) -> Fit {
        let streams = RandomStreams(seed: seed)
        var mean = [Double](repeating: 0, count: dimension)
        var levels: [Double] = [], means: [[Double]] = []
        let eliteIndex = min(pilotSize - 1, max(0, Int(((1 - rarity) * Double(pilotSize)).rounded(.up)) - 1))
        for iteration in 0..<maximumIterations {
            var generator = streams.stream(RandomStreams.streamLimit - 1 - iteration)
            var points: [[Double]] = [], scores: [Double] = []
            points.reserveCapacity(pilotSize)
            scores.reserveCapacity(pilotSize)
            for i in 0..<pilotSize {
                var x = mean
                for k in 0..<dimension { x[k] += generator.nextStandardNormal() }
                let s = score(x)
                guard !s.isNaN else { throw .nonFinite(quantity: "score", index: iteration * pilotSize + i) }
                points.append(x)
                scores.append(s)
            }
            let level = min(threshold, scores.sorted()[eliteIndex])
            // Elite log-weights −mᵀx + |m|²/2, shifted by their maximum before exponentiating.
            let halfSquaredNorm = 0.5 * mean.reduce(0) { $0 + $1 * $1 }
            var eliteLogWeights: [(index: Int, logWeight: Double)] = []
            for i in 0..<pilotSize where scores[i] >= level {
                var dot = 0.0
                for k in 0..<dimension { dot += mean[k] * points[i][k] }
                eliteLogWeights.append((i, halfSquaredNorm - dot))
            }
            let shift = eliteLogWeights.map(\.logWeight).max() ?? 0
            var next = [Double](repeating: 0, count: dimension)
            var total = 0.0
            for (i, logWeight) in eliteLogWeights {
                let w = exp(logWeight - shift)
                total += w
                for k in 0..<dimension { next[k] += w * points[i][k] }
            }
            means.append(mean)
            levels.append(level)
            mean = next.map { $0 / total }
            if level >= threshold {
                return Fit(proposalMean: mean, levels: levels, iterationMeans: means)
            }
        }
        throw .notConverged(
            algorithm: "Cross-entropy adaptation", iterations: maximumIterations,
            detail: "the rare set {S ≥ \(threshold)} was never reached; the highest level was \(levels.max() ?? -.infinity)")
    }

    /// Adapts the proposal, then estimates P(S(X) ≥ γ) by importance sampling on fresh draws
    /// from N(m, I) under `driver`.
    /// - Throws: the errors of ``fitProposal(seed:)``, and those of ``ImportanceSampling`` and
    ///   the driver (a NaN score in the final sample is a `MonteCarloError/nonFinite(quantity:index:)`
    ///   integrand value).
    public func run(driver: MonteCarloDriver, seed: UInt64) throws(MonteCarloError) -> Result {
        let fit = try fitProposal(seed: seed)
        let m = fit.proposalMean
        let proposal = try MultivariateNormalDistribution(mean: m, covariance: .identity(dimension))
        let halfSquaredNorm = 0.5 * m.reduce(0) { $0 + $1 * $1 }
        let score = score, threshold = threshold
        let estimator = ImportanceSampling(
            proposal: proposal,
            integrand: Integrand { x in
                let s = score(x)
                return s.isNaN ? .nan : (s >= threshold ? 1 : 0)
            },
            logWeight: { x in
                var dot = 0.0
                for k in 0..<m.count { dot += m[k] * x[k] }
                return halfSquaredNorm - dot
            })
        let report = try driver.run(estimator, seed: seed)
        return Result(estimate: report.estimate, fit: fit)
    }
}
