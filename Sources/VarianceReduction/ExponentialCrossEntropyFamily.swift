import Foundation
import MonteCarloCore

/// Exponential tilting for the cross-entropy method: independent Xᵢ ~ Exp(λᵢ) under π,
/// proposals with independent Xᵢ ~ Exp(θᵢ).
///
/// ```swift
/// // P(X₁ + … + X₄ ≥ 30) for Xᵢ ~ Exp(1): the Gamma(4, 1) tail, ≈ 4.66e-10.
/// let family = try ExponentialCrossEntropyFamily(rates: [1, 1, 1, 1])
/// let cem = try CrossEntropyImportanceSampling(family: family, threshold: 30) { $0.reduce(0, +) }
/// ```
///
/// The cross-entropy update is the weighted maximum-likelihood rate θᵢ = Σw / Σ w xᵢ (one over
/// the weighted mean of the elite draws). The log-weight is Σ [log λᵢ − log θᵢ + (θᵢ − λᵢ) xᵢ];
/// it is bounded above on x ≥ 0 when every θᵢ ≤ λᵢ, as the update gives for upper-tail events,
/// so the weights of the final estimate are bounded and its variance finite. The score has d
/// components, 1/θᵢ − xᵢ (zero-mean under q_θ).
public struct ExponentialCrossEntropyFamily: CrossEntropyFamily, Hashable {
    /// Independent exponentials with the given rates.
    public struct Proposal: Sampler, Hashable {
        /// The rates θᵢ (means 1/θᵢ).
        public let rates: [Double]

        public func draw<G: RandomNumberGenerator>(using generator: inout G) -> [Double] {
            rates.map { generator.nextStandardExponential() / $0 }
        }
    }

    /// The nominal rates λᵢ.
    public let rates: [Double]

    public var dimension: Int { rates.count }

    /// Creates the family for independent Xᵢ ~ Exp(λᵢ).
    /// - Throws: `MonteCarloError/invalidParameter(name:value:requirement:)` for no rates or a
    ///   rate that is not finite and positive.
    public init(rates: [Double]) throws(MonteCarloError) {
        guard !rates.isEmpty else {
            throw .invalidParameter(name: "rates.count", value: 0, requirement: "at least 1")
        }
        for (i, rate) in rates.enumerated() where !(rate > 0 && rate.isFinite) {
            throw .invalidParameter(name: "rates[\(i)]", value: rate, requirement: "finite and positive")
        }
        self.rates = rates
    }

    public var nominalParameters: [Double] { rates }

    /// Independent Xᵢ ~ Exp(θᵢ).
    /// - Throws: `MonteCarloError/dimensionMismatch(what:expected:actual:)` when θ does not have d
    ///   entries, `MonteCarloError/invalidParameter(name:value:requirement:)` for a rate that is
    ///   not finite and positive.
    public func proposal(_ parameters: [Double]) throws(MonteCarloError) -> Proposal {
        guard parameters.count == dimension else {
            throw .dimensionMismatch(what: "proposal rates", expected: dimension, actual: parameters.count)
        }
        for (k, rate) in parameters.enumerated() where !(rate > 0 && rate.isFinite) {
            throw .invalidParameter(name: "proposal rates[\(k)]", value: rate, requirement: "finite and positive")
        }
        return Proposal(rates: parameters)
    }

    public func logLikelihoodRatio(_ x: [Double], parameters: [Double]) -> Double {
        var total = 0.0
        for k in 0..<dimension {
            guard x[k] >= 0 else { return -.infinity }
            total += log(rates[k] / parameters[k]) + (parameters[k] - rates[k]) * x[k]
        }
        return total
    }

    public func fitted(to points: [[Double]], weights: [Double], isFinal: Bool) throws(MonteCarloError) -> [Double] {
        let total = weights.reduce(0, +)
        var sums = [Double](repeating: 0, count: dimension)
        for (x, w) in zip(points, weights) { for k in 0..<dimension { sums[k] += w * x[k] } }
        var fitted = [Double](repeating: 0, count: dimension)
        for k in 0..<dimension {
            fitted[k] = total / sums[k]
            guard fitted[k] > 0, fitted[k].isFinite else {
                throw .invalidParameter(name: "fitted rate[\(k)]", value: fitted[k],
                                        requirement: "positive and finite (the elite draws are all 0 in this coordinate)")
            }
        }
        return fitted
    }

    public var scoreDimension: Int { dimension }

    public func score(_ x: [Double], parameters: [Double]) -> [Double] {
        (0..<dimension).map { 1 / parameters[$0] - x[$0] }
    }
}
