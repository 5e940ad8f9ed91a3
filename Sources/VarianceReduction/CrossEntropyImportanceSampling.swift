import Foundation
import LinearAlgebra
import MonteCarloCore

/// The cross-entropy method for a rare event P(S(X) ≥ γ) under a nominal law π, with proposals
/// from a ``CrossEntropyFamily``.
///
/// ```swift
/// // P(Z > 5) ≈ 2.87e-7 with 10⁵ final draws (Gaussian mean shift).
/// let cem = try CrossEntropyImportanceSampling(dimension: 1, threshold: 5) { $0[0] }
/// let result = try cem.run(driver: MonteCarloDriver(stoppingRule: .sampleCount(100_000)), seed: 7)
/// print(result.estimate, result.fit.proposalMean)   // mean ≈ 5.19 = E[Z | Z > 5]
/// ```
///
/// **Adaptation** (multilevel cross-entropy; Rubinstein 1999, de Boer et al. 2005). Starting
/// from q_θ₀ = π, iteration t draws `pilotSize` points from q_θt, sets the level
/// γ_t = min(γ, the (1 − ρ)-quantile of the scores), and refits θ by weighted maximum
/// likelihood on the elite draws {S ≥ γ_t} with weights W = π(x)/q_θt(x). That minimizes the
/// cross-entropy from the zero-variance density π(x)1{S ≥ γ_t}/P(S ≥ γ_t) to the family; for
/// the Gaussian mean shift (``GaussianCrossEntropyFamily``, the default) the new mean estimates
/// E[X | S(X) ≥ γ_t], for exponential tilting (``ExponentialCrossEntropyFamily``) the new rates
/// are one over the conditional means. Adaptation stops after the first iteration whose level
/// reaches γ; if none does within `maximumIterations`, the call throws
/// `MonteCarloError/notConverged(algorithm:iterations:detail:)` naming the highest level
/// reached, rather than returning an estimate of zero.
///
/// **Statistical properties.** The final estimate is ``ImportanceSampling`` with standard
/// normalization and the exact log-weight log π − log q_θ, on draws from q_θ that are fresh:
/// the pilot draws use random streams disjoint from the driver's. Given the fitted θ it is
/// therefore unbiased; `variance` is the sample variance of the terms w·1{S ≥ γ} divided by n,
/// and the interval is normal. ESS is as in ``ImportanceSampling``: the per-draw variance of
/// the indicator under π, estimated from the weighted sample, over `variance`.
/// ``runWithControlVariates(driver:seed:usesLikelihoodRatio:)`` adds the family's score (and
/// optionally w − 1) as control variates (``ImportanceSamplingControlVariates``), still on fresh
/// draws and still unbiased.
///
/// - Complexity: at most `maximumIterations · pilotSize` score evaluations for the adaptation
///   (plus a sort of `pilotSize` scores per iteration), then the driver's n evaluations.
public struct CrossEntropyImportanceSampling<Family: CrossEntropyFamily>: Sendable {
    /// The proposal family, with the nominal law.
    public let family: Family
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

    /// The dimension d of X.
    public var dimension: Int { family.dimension }

    /// The adapted proposal and the path that led to it.
    public struct Fit: Sendable, Hashable {
        /// The fitted proposal parameters θ.
        public let proposalParameters: Family.Parameters
        /// The levels γ_1, …, γ_T of the iterations; the last equals the threshold.
        public let levels: [Double]
        /// The parameters used by the iterations, θ₀ (nominal), …, θ_{T−1}.
        public let iterationParameters: [Family.Parameters]
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

    /// Creates the method for a proposal family.
    /// - Throws: `MonteCarloError/invalidParameter(name:value:requirement:)` for a non-finite
    ///   threshold, ρ outside (0, 1), fewer than 5/ρ (and 10) pilot draws (so that every
    ///   iteration keeps at least 5 elite draws), or fewer than 1 iteration.
    public init(family: Family, threshold: Double, rarity: Double = 0.1, pilotSize: Int = 1000,
                maximumIterations: Int = 50,
                score: @escaping @Sendable ([Double]) -> Double) throws(MonteCarloError) {
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
        self.family = family
        self.threshold = threshold
        self.rarity = rarity
        self.pilotSize = pilotSize
        self.maximumIterations = maximumIterations
        self.score = score
    }

    /// Adapts the proposal by multilevel cross-entropy, deterministically from `seed`.
    ///
    /// Iteration t uses stream `RandomStreams.streamLimit − 1 − t` of `seed`, far from the
    /// streams a driver uses, so a later run with the same seed draws fresh points.
    /// - Throws: `MonteCarloError/nonFinite(quantity:index:)` for a NaN score (index counts
    ///   pilot draws over all iterations), `MonteCarloError/notConverged(algorithm:iterations:detail:)`
    ///   when no iteration's level reaches the threshold, and the family's errors.
    public func fitProposal(seed: UInt64) throws(MonteCarloError) -> Fit {
        let streams = RandomStreams(seed: seed)
        var parameters = family.nominalParameters
        var levels: [Double] = [], history: [Family.Parameters] = []
        let eliteIndex = min(pilotSize - 1, max(0, Int(((1 - rarity) * Double(pilotSize)).rounded(.up)) - 1))
        for iteration in 0..<maximumIterations {
            var generator = streams.stream(RandomStreams.streamLimit - 1 - iteration)
            let proposal = try family.proposal(parameters)
            var points: [[Double]] = [], scores: [Double] = []
            points.reserveCapacity(pilotSize)
            scores.reserveCapacity(pilotSize)
            for i in 0..<pilotSize {
                let x = proposal.draw(using: &generator)
                let s = score(x)
                guard !s.isNaN else { throw .nonFinite(quantity: "score", index: iteration * pilotSize + i) }
                points.append(x)
                scores.append(s)
            }
            let level = min(threshold, scores.sorted()[eliteIndex])
            var elite: [[Double]] = [], logWeights: [Double] = []
            for i in 0..<pilotSize where scores[i] >= level {
                elite.append(points[i])
                logWeights.append(family.logLikelihoodRatio(points[i], parameters: parameters))
            }
            // Weights relative to the largest, so that none overflows.
            let shift = logWeights.max() ?? 0
            var weights: [Double] = []
            for logWeight in logWeights { weights.append(exp(logWeight - shift)) }
            history.append(parameters)
            levels.append(level)
            parameters = try family.fitted(to: elite, weights: weights, isFinal: level >= threshold)
            if level >= threshold {
                return Fit(proposalParameters: parameters, levels: levels, iterationParameters: history)
            }
        }
        throw .notConverged(
            algorithm: "Cross-entropy adaptation", iterations: maximumIterations,
            detail: "the rare set {S ≥ \(threshold)} was never reached; the highest level was \(levels.max() ?? -.infinity)")
    }

    /// Adapts the proposal, then estimates P(S(X) ≥ γ) by importance sampling on fresh draws
    /// from q_θ under `driver`.
    /// - Throws: the errors of ``fitProposal(seed:)``, and those of ``ImportanceSampling`` and
    ///   the driver (a NaN score in the final sample is a `MonteCarloError/nonFinite(quantity:index:)`
    ///   integrand value).
    public func run(driver: MonteCarloDriver, seed: UInt64) throws(MonteCarloError) -> Result {
        let fit = try fitProposal(seed: seed)
        let family = family, parameters = fit.proposalParameters
        let estimator = ImportanceSampling(
            proposal: try family.proposal(parameters), integrand: indicator,
            logWeight: { family.logLikelihoodRatio($0, parameters: parameters) })
        let report = try driver.run(estimator, seed: seed)
        return Result(estimate: report.estimate, fit: fit)
    }

    /// Adapts the proposal, then estimates P(S(X) ≥ γ) on fresh draws from q_θ with the
    /// family's score ∇_θ log q_θ (and, if asked, w − 1) as control variates, by
    /// ``ImportanceSamplingControlVariates``.
    ///
    /// The score has mean zero under q_θ but, at the exact cross-entropy optimum, is
    /// uncorrelated with w·1{S ≥ γ} for the parameters the family adapts (that is the optimum's
    /// first-order condition); the gain comes from the components the family does not adapt
    /// (the scales under a mean shift) and from the pilot's estimation error. The estimate's
    /// ESS/n is the variance-reduction factor over ``run(driver:seed:)`` on the same draws.
    /// - Throws: as ``run(driver:seed:)``, and the regression engine's errors (a constant or
    ///   collinear control).
    public func runWithControlVariates(driver: MonteCarloDriver, seed: UInt64,
                                       usesLikelihoodRatio: Bool = false) throws(MonteCarloError) -> Result {
        let fit = try fitProposal(seed: seed)
        let family = family, parameters = fit.proposalParameters
        let estimator = try ImportanceSamplingControlVariates(
            proposal: try family.proposal(parameters),
            integrand: VectorIntegrand(validatedOutputDimension: 1, batch: indicator.evaluate),
            logWeight: { family.logLikelihoodRatio($0, parameters: parameters) },
            controls: VectorIntegrand(validatedOutputDimension: family.scoreDimension) { family.score($0, parameters: parameters) },
            usesLikelihoodRatio: usesLikelihoodRatio)
        let report = try driver.run(estimator, seed: seed)
        return Result(estimate: report.estimate.component(0), fit: fit)
    }

    /// 1{S(x) ≥ γ}, NaN for a NaN score (which the estimators reject with its index).
    var indicator: Integrand<[Double]> {
        let score = score, threshold = threshold
        return Integrand { x in
            let s = score(x)
            return s.isNaN ? .nan : (s >= threshold ? 1 : 0)
        }
    }
}

extension CrossEntropyImportanceSampling where Family == GaussianCrossEntropyFamily {
    /// Creates the method for X ~ N(0, I_d) with the Gaussian mean-shift family N(m, I).
    /// - Throws: `MonteCarloError/invalidParameter(name:value:requirement:)` for a dimension
    ///   below 1, and the errors of ``init(family:threshold:rarity:pilotSize:maximumIterations:score:)``.
    public init(dimension: Int, threshold: Double, rarity: Double = 0.1, pilotSize: Int = 1000,
                maximumIterations: Int = 50,
                score: @escaping @Sendable ([Double]) -> Double) throws(MonteCarloError) {
        try self.init(family: try GaussianCrossEntropyFamily(dimension: dimension), threshold: threshold,
                      rarity: rarity, pilotSize: pilotSize, maximumIterations: maximumIterations, score: score)
    }
}

extension CrossEntropyImportanceSampling.Fit where Family == GaussianCrossEntropyFamily {
    /// The fitted proposal mean m.
    public var proposalMean: [Double] { proposalParameters.mean }
    /// The means used by the iterations, m₀ = 0, …, m_{T−1}.
    public var iterationMeans: [[Double]] { iterationParameters.map(\.mean) }
}
