import Foundation

/// The exponential distribution with a given mean (rate 1/mean).
public struct ExponentialDistribution: UnivariateDistribution, Hashable, Codable {
    /// The mean 1/λ.
    public let mean: Double

    /// Creates the exponential law with `mean` > 0.
    public init(mean: Double = 1) throws(MonteCarloError) {
        try Validate.positive(mean, "mean")
        self.mean = mean
    }

    public var variance: Double { mean * mean }

    public func draw<G: RandomNumberGenerator>(using generator: inout G) -> Double {
        mean * generator.nextStandardExponential()
    }

    public func logDensity(_ x: Double) -> Double { x >= 0 ? -x / mean - log(mean) : -.infinity }
    public func score(_ x: Double) -> Double { -1 / mean }
    public func cumulativeProbability(_ x: Double) -> Double { x > 0 ? -expm1(-x / mean) : 0 }
    public func quantile(_ p: Double) -> Double { -mean * log1p(-p) }
}
