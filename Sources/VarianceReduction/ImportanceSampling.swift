import Foundation
import MonteCarloCore

/// Importance sampling: estimates E_π[f] from draws of a proposal q, weighted by w = π/q.
///
/// ```swift
/// // P(Z > 4) for Z ~ N(0, 1), sampling from N(4, 1).
/// let target = NormalDistribution.standard, proposal = try NormalDistribution(mean: 4)
/// let estimator = ImportanceSampling(target: target, proposal: proposal,
///                                    integrand: Integrand { $0 > 4 ? 1 : 0 })
/// ```
///
/// **Statistical properties.**
/// - ``Normalization/standard``: μ̂ = (1/n) Σ wᵢ fᵢ with exactly normalized weights. Unbiased;
///   `variance` is the sample variance of wᵢfᵢ over n; normal interval.
/// - ``Normalization/selfNormalized``: μ̂ = Σ wᵢ fᵢ / Σ wᵢ, usable when π or q is known only up
///   to a constant (log-weights of any size: they are kept relative to the largest seen). Consistent, biased of order 1/n (declared in the diagnostics); `variance` is
///   the delta-method estimate Σ wᵢ²(fᵢ − μ̂)² / (Σ wᵢ)²; normal interval.
///
/// ESS is σ²_π / variance with σ²_π = Σ w (f − μ̂_w)² / Σ w, the self-normalized estimate of
/// the per-draw variance of f under π. The diagnostics carry Kish's ESS (Σw)²/Σw², the largest
/// term's share of the total and the Pareto-k̂ of the terms' tail (`ParetoTailDiagnostic`),
/// where the terms are |w·f| for the standard estimator and w for the self-normalized one. A
/// warning is raised when k̂ ≥ 0.7, when one term carries more than 10% of the total, or (self-
/// normalized) when Kish's ESS falls below 1% of n: the signs of a proposal whose tails are too
/// light, under which the variance estimate cannot be trusted. (k̂ uses the M = ⌈min(n/5, 3√n)⌉
/// largest terms, capped at M = 1024 — reached at n ≈ 116,000 — to keep the state small.)
///
/// A NaN or ∞ integrand value, or a NaN log-weight, is a typed error naming the draw (this
/// estimator has no skip-and-report option).
public struct ImportanceSampling<Proposal: Sampler>: MonteCarloEstimator {
    /// How the weights are normalized.
    public enum Normalization: String, Sendable, Hashable, Codable {
        /// Weights π/q with both densities normalized.
        case standard
        /// Weights known up to a constant, normalized by their sum.
        case selfNormalized
    }

    /// The proposal q that draws are taken from.
    public let proposal: Proposal
    /// The integrand f.
    public let integrand: Integrand<Proposal.Point>
    /// log w(x) = log π(x) − log q(x) (up to a constant under self-normalization).
    public let logWeight: @Sendable (Proposal.Point) -> Double
    /// Standard or self-normalized.
    public let normalization: Normalization

    /// Creates the estimator from a proposal and a log-weight function.
    public init(proposal: Proposal, integrand: Integrand<Proposal.Point>,
                logWeight: @escaping @Sendable (Proposal.Point) -> Double,
                normalization: Normalization = .standard) {
        self.proposal = proposal
        self.integrand = integrand
        self.logWeight = logWeight
        self.normalization = normalization
    }

    public func makeState() -> State { State() }

    /// Weighted moments of f, moments of w·f, and the count of draws.
    public struct State: MergeableState, Hashable {
        /// w-weighted (and w²-weighted) moments of f.
        public internal(set) var weighted = WeightedMoments()
        /// Moments of w·f (the standard estimator's summands).
        public internal(set) var products = RunningMoments()
        /// Moments of w (their mean is 1 in expectation under exact normalization).
        public internal(set) var weights = RunningMoments()
        /// The largest weights (self-normalized) or |w·f| (standard), for Pareto-k̂.
        public internal(set) var largestTerms = LargestValues(capacity: 1025)
        /// Σ|w·f|, for the largest term's share under standard normalization.
        public internal(set) var sumOfAbsoluteProducts = 0.0
        /// max |w·f|.
        public internal(set) var maximumAbsoluteProduct = 0.0
        /// Self-normalized only: the weights kept are exp(log w − logWeightShift), with the shift
        /// the largest log-weight seen, so unnormalized log-weights of any size neither overflow
        /// nor underflow (`nil` until the first draw; always 0 for standard normalization).
        public internal(set) var logWeightShift: Double?

        /// Re-expresses all weights relative to `shift` (≥ the current shift).
        mutating func rebase(to shift: Double) {
            guard let current = logWeightShift else {
                logWeightShift = shift
                return
            }
            guard shift > current else { return }
            let factor = exp(current - shift)
            weighted.scaleWeights(by: factor)
            products.scaleValues(by: factor)
            weights.scaleValues(by: factor)
            largestTerms.scaleValues(by: max(factor, .leastNonzeroMagnitude))
            sumOfAbsoluteProducts *= factor
            maximumAbsoluteProduct *= factor
            logWeightShift = shift
        }

        public mutating func merge(_ other: State) throws(MonteCarloError) {
            var other = other
            if let shift = other.logWeightShift { rebase(to: shift) }
            if let shift = logWeightShift { other.rebase(to: shift) }
            weighted.merge(other.weighted)
            products.merge(other.products)
            weights.merge(other.weights)
            try largestTerms.merge(other.largestTerms)
            sumOfAbsoluteProducts += other.sumOfAbsoluteProducts
            maximumAbsoluteProduct = max(maximumAbsoluteProduct, other.maximumAbsoluteProduct)
        }
    }

    public func accumulate(_ count: Int, firstIndex: Int, into state: inout State,
                           using generator: inout Xoshiro256PlusPlus) throws(MonteCarloError) {
        let points = proposal.drawBatch(count, using: &generator)
        let values = integrand.values(at: points)
        let logWeights = points.map(logWeight)
        var shift = 0.0
        if normalization == .selfNormalized {
            for (i, lw) in logWeights.enumerated() where lw.isNaN || lw == .infinity {
                throw .nonFinite(quantity: "log importance weight", index: firstIndex + i)
            }
            let largest = logWeights.max() ?? -.infinity
            guard largest > -.infinity else {
                throw .invalidArgument("All log-weights in draws \(firstIndex)..<\(firstIndex + count) are −∞: the proposal misses the target's support.")
            }
            state.rebase(to: max(largest, state.logWeightShift ?? largest))
            shift = state.logWeightShift ?? 0
        }
        for i in 0..<count {
            let f = values[i]
            guard f.isFinite else { throw .nonFinite(quantity: "integrand", index: firstIndex + i) }
            let w = exp(logWeights[i] - shift)
            guard w.isFinite else { throw .nonFinite(quantity: "importance weight", index: firstIndex + i) }
            state.weighted.add(f, weight: w)
            state.products.add(w * f)
            state.weights.add(w)
            let term = abs(w * f)
            state.sumOfAbsoluteProducts += term
            state.maximumAbsoluteProduct = max(state.maximumAbsoluteProduct, term)
            state.largestTerms.add(normalization == .standard ? term : w)
        }
    }

    public func estimate(from state: State) throws(MonteCarloError) -> Estimate {
        let n = state.products.count
        guard n >= 2 else { throw .insufficientSamples(needed: 2, available: n, reason: "to estimate a variance") }
        let weighted = state.weighted
        guard weighted.sumOfWeights > 0 else {
            throw .invalidArgument("All importance weights are zero: the proposal misses the target's support.")
        }
        let perDraw = weighted.weightedSquaredDeviations / weighted.sumOfWeights
        let value: Double, variance: Double, bias: String?
        switch normalization {
        case .standard:
            value = state.products.mean
            variance = state.products.varianceOfMean
            bias = nil
        case .selfNormalized:
            value = weighted.weightedMean
            variance = weighted.squaredWeightDeviations(about: value) / (weighted.sumOfWeights * weighted.sumOfWeights)
            bias = "O(1/n): ratio estimator (self-normalized weights)"
        }
        let ess = Estimate.effectiveSampleSize(perDrawVariance: perDraw, estimatorVariance: variance, evaluations: n)
        let kish = weighted.kishEffectiveSampleSize
        // The terms whose tail matters: w·f for the standard estimator, w for the ratio estimator.
        let maximumShare = normalization == .standard
            ? (state.sumOfAbsoluteProducts > 0 ? state.maximumAbsoluteProduct / state.sumOfAbsoluteProducts : 0)
            : weighted.maximumWeight / weighted.sumOfWeights
        let tail = Array(state.largestTerms.descending.prefix(
            min(ParetoTailDiagnostic.tailSize(sampleCount: n), state.largestTerms.capacity - 1) + 1))
        let paretoShape = ParetoTailDiagnostic.shape(largestFirst: tail)
        var warnings: [String] = []
        if let paretoShape, paretoShape >= ParetoTailDiagnostic.unreliableShape {
            warnings.append("Pareto k̂ = \((paretoShape * 100).rounded() / 100) ≥ 0.7: the weighted terms are so heavy-tailed that the estimate and its error bar are unreliable.")
        }
        if maximumShare > 0.1 {
            warnings.append("One term carries \(Int((maximumShare * 100).rounded()))% of the total: heavy-tailed weights, the variance estimate is unreliable.")
        }
        // E_q[w] = 1 for normalized densities. Heavy-tailed weights make the sample mean fall
        // *below* 1 with an underestimated error, so only an excess is a reliable sign of
        // unnormalized densities.
        if normalization == .standard, state.weights.count > 1,
           state.weights.mean - 1 > 5 * state.weights.varianceOfMean.squareRoot() {
            warnings.append("The mean weight \(state.weights.mean) exceeds 1 by more than 5 standard errors: are both densities normalized? If not, use self-normalized importance sampling.")
        }
        if normalization == .selfNormalized, kish < 0.01 * Double(n) {
            warnings.append("Kish effective sample size \(Int(kish)) is below 1% of n = \(n): the proposal fits the target poorly.")
        }
        var figures = ["kishEffectiveSampleSize": kish, "maximumTermShare": maximumShare]
        if normalization == .standard { figures["meanWeight"] = state.weights.mean }
        if let paretoShape { figures["paretoShape"] = paretoShape }
        return Estimate(
            value: value, variance: variance, sampleCount: n, effectiveSampleSize: ess, degreesOfFreedom: nil,
            diagnostics: Diagnostics(
                method: normalization == .standard ? "importance-sampling" : "self-normalized-importance-sampling",
                varianceReductionFactor: ess / Double(n), declaredBias: bias,
                figures: figures, warnings: warnings))
    }
}

extension ImportanceSampling where Proposal: UnivariateDistribution {
    /// Importance sampling of E_target[f] with draws from `proposal`, weights target/proposal.
    public init<Target: UnivariateDistribution>(target: Target, proposal: Proposal, integrand: Integrand<Double>,
                                                normalization: Normalization = .standard) {
        self.init(proposal: proposal, integrand: integrand,
                  logWeight: { x in target.logDensity(x) - proposal.logDensity(x) }, normalization: normalization)
    }
}
