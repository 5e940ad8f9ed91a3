import Foundation
import LinearAlgebra
import MonteCarloCore

/// Gaussian proposals N(m, diag(s²)) for the cross-entropy method, with nominal law N(0, I_d).
///
/// ```swift
/// // Mean and scale adapted: the event {|X₁ − 4| ≤ ½, |X₂ − 4| ≤ ½} is small and far away.
/// let family = try GaussianCrossEntropyFamily(dimension: 2, adaptation: .meanAndScale)
/// let cem = try CrossEntropyImportanceSampling(family: family, threshold: -0.5) {
///     -max(abs($0[0] - 4), abs($0[1] - 4))
/// }
/// ```
///
/// - ``Adaptation/meanShift``: s = 1 throughout, m is the weighted mean of the elite draws
///   (log-weight −mᵀx + |m|²/2).
/// - ``Adaptation/meanAndScale``: m is updated as above while the levels climb; the last update,
///   whose elite draws all lie in the rare set, also sets s to their weighted standard deviation,
///   coordinate by coordinate (diagonal covariance). Refitting s while climbing shrinks the
///   proposal to the current elite set faster than the mean moves, so the levels stall short of
///   γ (the known degeneracy of cross-entropy with variance updates; observed on the box
///   example, where the level stalled at −1.49 of −0.5 in 50 iterations). Beware: a proposal narrower
///   than √½ in a coordinate along which the rare set is unbounded gives importance weights of
///   infinite variance (the weight φ(x)/q(x) grows like exp(x²(1/(2s²) − 1/2))); use it for
///   bounded rare sets, or keep the mean shift.
///
/// The score has 2d components: (x − m)/s² for the means, then ((x − m)² / s² − 1)/s for the
/// scales (both kinds are zero-mean under q whatever the adaptation).
public struct GaussianCrossEntropyFamily: CrossEntropyFamily, Hashable {
    /// Which parameters the cross-entropy update moves.
    public enum Adaptation: String, Sendable, Hashable, Codable {
        /// The mean only; unit scales.
        case meanShift
        /// The mean at every iteration; the per-coordinate standard deviations at the last one.
        case meanAndScale
    }

    /// The mean m and per-coordinate standard deviations s of N(m, diag(s²)).
    public struct Parameters: Sendable, Hashable {
        /// The mean m.
        public let mean: [Double]
        /// The standard deviations s (all 1 for the mean shift).
        public let standardDeviations: [Double]

        /// Creates the parameters of N(mean, diag(standardDeviations²)).
        public init(mean: [Double], standardDeviations: [Double]) {
            self.mean = mean
            self.standardDeviations = standardDeviations
        }
    }

    public let dimension: Int
    /// Which parameters are adapted.
    public let adaptation: Adaptation

    /// Creates the family of proposals for X ~ N(0, I_d).
    /// - Throws: `MonteCarloError/invalidParameter(name:value:requirement:)` for a dimension below 1.
    public init(dimension: Int, adaptation: Adaptation = .meanShift) throws(MonteCarloError) {
        guard dimension >= 1 else {
            throw .invalidParameter(name: "dimension", value: Double(dimension), requirement: "at least 1")
        }
        self.dimension = dimension
        self.adaptation = adaptation
    }

    public var nominalParameters: Parameters {
        Parameters(mean: [Double](repeating: 0, count: dimension), standardDeviations: [Double](repeating: 1, count: dimension))
    }

    /// N(m, diag(s²)).
    /// - Throws: `MonteCarloError/dimensionMismatch(what:expected:actual:)` when m or s does not
    ///   have d entries, `MonteCarloError/invalidParameter(name:value:requirement:)` for a
    ///   standard deviation that is not finite and positive or a non-finite mean.
    public func proposal(_ parameters: Parameters) throws(MonteCarloError) -> MultivariateNormalDistribution {
        for (what, count) in [("proposal mean", parameters.mean.count), ("proposal standard deviations", parameters.standardDeviations.count)]
        where count != dimension {
            throw .dimensionMismatch(what: what, expected: dimension, actual: count)
        }
        for (k, s) in parameters.standardDeviations.enumerated() where !(s > 0 && s.isFinite) {
            throw .invalidParameter(name: "standardDeviations[\(k)]", value: s, requirement: "finite and positive")
        }
        var covariance = Matrix(rows: dimension, columns: dimension)
        for k in 0..<dimension { covariance[k, k] = parameters.standardDeviations[k] * parameters.standardDeviations[k] }
        return try MultivariateNormalDistribution(mean: parameters.mean, covariance: covariance)
    }

    public func logLikelihoodRatio(_ x: [Double], parameters: Parameters) -> Double {
        var total = 0.0
        for k in 0..<dimension {
            let s = parameters.standardDeviations[k], z = (x[k] - parameters.mean[k]) / s
            total += 0.5 * (z * z - x[k] * x[k]) + log(s)
        }
        return total
    }

    public func fitted(to points: [[Double]], weights: [Double], isFinal: Bool) throws(MonteCarloError) -> Parameters {
        let total = weights.reduce(0, +)
        var mean = [Double](repeating: 0, count: dimension)
        for (x, w) in zip(points, weights) { for k in 0..<dimension { mean[k] += w * x[k] } }
        mean = mean.map { $0 / total }
        var deviations = [Double](repeating: 1, count: dimension)
        if adaptation == .meanAndScale, isFinal {
            var squares = [Double](repeating: 0, count: dimension)
            for (x, w) in zip(points, weights) { for k in 0..<dimension { squares[k] += w * (x[k] - mean[k]) * (x[k] - mean[k]) } }
            for k in 0..<dimension {
                deviations[k] = (squares[k] / total).squareRoot()
                guard deviations[k] > 0, deviations[k].isFinite else {
                    throw .invalidParameter(name: "fitted standard deviation[\(k)]", value: deviations[k],
                                            requirement: "positive and finite (the elite draws coincide in this coordinate)")
                }
            }
        }
        return Parameters(mean: mean, standardDeviations: deviations)
    }

    public var scoreDimension: Int { 2 * dimension }

    public func score(_ x: [Double], parameters: Parameters) -> [Double] {
        var result = [Double](repeating: 0, count: 2 * dimension)
        for k in 0..<dimension {
            let s = parameters.standardDeviations[k], z = (x[k] - parameters.mean[k]) / s
            result[k] = z / s
            result[dimension + k] = (z * z - 1) / s
        }
        return result
    }
}
