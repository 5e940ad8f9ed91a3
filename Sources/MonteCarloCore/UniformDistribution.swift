import Foundation

/// The continuous uniform distribution on [a, b).
public struct UniformDistribution: UnivariateDistribution, ReflectableSampler, Hashable, Codable {
    /// Lower end a.
    public let lowerBound: Double
    /// Upper end b > a.
    public let upperBound: Double

    /// The uniform distribution on [0, 1).
    public static let unit = UniformDistribution(uncheckedLower: 0, upper: 1)

    /// Creates U[lowerBound, upperBound).
    /// - Throws: ``MonteCarloError/invalidParameter(name:value:requirement:)`` unless a < b, both finite.
    public init(lowerBound: Double = 0, upperBound: Double = 1) throws(MonteCarloError) {
        try Validate.finite(lowerBound, "lowerBound")
        try Validate.finite(upperBound, "upperBound")
        guard upperBound > lowerBound else {
            throw .invalidParameter(name: "upperBound", value: upperBound, requirement: "greater than lowerBound")
        }
        self.init(uncheckedLower: lowerBound, upper: upperBound)
    }

    init(uncheckedLower lower: Double, upper: Double) {
        lowerBound = lower
        upperBound = upper
    }

    var width: Double { upperBound - lowerBound }
    public var mean: Double { (lowerBound + upperBound) / 2 }
    public var variance: Double { width * width / 12 }

    @inlinable
    public func draw<G: RandomNumberGenerator>(using generator: inout G) -> Double {
        lowerBound + (upperBound - lowerBound) * generator.nextUniform()
    }

    /// x ↦ a + b − x (u ↦ 1 − u).
    public func reflection(of point: Double) -> Double { lowerBound + upperBound - point }

    public func logDensity(_ x: Double) -> Double {
        (x >= lowerBound && x <= upperBound) ? -log(width) : -.infinity
    }

    /// Zero inside the support (the density is flat).
    public func score(_ x: Double) -> Double { 0 }

    public func cumulativeProbability(_ x: Double) -> Double { min(1, max(0, (x - lowerBound) / width)) }

    public func quantile(_ p: Double) -> Double { lowerBound + width * p }
}
