import Foundation
import MonteCarloCore

/// A finite mixture Σⱼ αⱼ N(μⱼ, Σⱼ) of multivariate normals: the deterministic-mixture proposal
/// of ``AdaptiveMultipleImportanceSampling``.
///
/// A draw picks component j with probability αⱼ, then draws from it; the log-density is a
/// log-sum-exp over the components.
public struct GaussianMixtureDistribution: Sampler {
    /// The components.
    public let components: [MultivariateNormalDistribution]
    /// The mixture weights αⱼ (positive, summing to 1).
    public let weights: [Double]
    /// Running sums of the weights, for drawing a component.
    let cumulativeWeights: [Double]

    /// Creates the mixture; the weights are normalized to sum to 1.
    /// - Throws: `MonteCarloError/dimensionMismatch(what:expected:actual:)` when the weights and
    ///   components differ in number or the components in dimension,
    ///   `MonteCarloError/invalidParameter(name:value:requirement:)` for a weight that is not
    ///   finite and positive or no components.
    public init(components: [MultivariateNormalDistribution], weights: [Double]) throws(MonteCarloError) {
        guard let first = components.first else {
            throw .invalidParameter(name: "components.count", value: 0, requirement: "at least 1")
        }
        guard weights.count == components.count else {
            throw .dimensionMismatch(what: "mixture weights (one per component)", expected: components.count, actual: weights.count)
        }
        for component in components where component.dimension != first.dimension {
            throw .dimensionMismatch(what: "mixture component dimension", expected: first.dimension, actual: component.dimension)
        }
        for (j, weight) in weights.enumerated() where !(weight > 0 && weight.isFinite) {
            throw .invalidParameter(name: "weights[\(j)]", value: weight, requirement: "finite and positive")
        }
        let total = weights.reduce(0, +)
        self.components = components
        self.weights = weights.map { $0 / total }
        var running = 0.0
        var cumulative: [Double] = []
        for weight in self.weights {
            running += weight
            cumulative.append(running)
        }
        cumulativeWeights = cumulative
    }

    /// The dimension d.
    public var dimension: Int { components[0].dimension }

    public func draw<G: RandomNumberGenerator>(using generator: inout G) -> [Double] {
        let u = generator.nextUniform()
        let j = cumulativeWeights.firstIndex { u < $0 } ?? components.count - 1
        return components[j].draw(using: &generator)
    }

    /// log Σⱼ αⱼ pⱼ(x).
    public func logDensity(_ x: [Double]) -> Double {
        var terms: [Double] = []
        for (component, weight) in zip(components, weights) { terms.append(log(weight) + component.logDensity(x)) }
        return Self.logSumExp(terms)
    }

    /// log Σ exp(tᵢ), computed relative to the largest term.
    static func logSumExp(_ terms: [Double]) -> Double {
        let largest = terms.max() ?? -.infinity
        guard largest > -.infinity else { return -.infinity }
        return largest + log(terms.reduce(0) { $0 + exp($1 - largest) })
    }
}
