import Foundation

/// The log-normal distribution: X = exp(Y) with Y ~ N(μ, σ²).
public struct LogNormalDistribution: UnivariateDistribution, ReflectableSampler, Hashable, Codable {
    /// μ, the mean of log X.
    public let logMean: Double
    /// σ, the standard deviation of log X.
    public let logStandardDeviation: Double

    /// Creates the law of exp(N(logMean, logStandardDeviation²)).
    public init(logMean: Double = 0, logStandardDeviation: Double = 1) throws(MonteCarloError) {
        try Validate.finite(logMean, "logMean")
        try Validate.positive(logStandardDeviation, "logStandardDeviation")
        self.logMean = logMean
        self.logStandardDeviation = logStandardDeviation
    }

    var logVariance: Double { logStandardDeviation * logStandardDeviation }
    public var mean: Double { exp(logMean + logVariance / 2) }
    public var variance: Double { expm1(logVariance) * exp(2 * logMean + logVariance) }

    public func draw<G: RandomNumberGenerator>(using generator: inout G) -> Double {
        exp(logMean + logStandardDeviation * generator.nextStandardNormal())
    }

    /// x ↦ exp(2μ − log x), the reflection of the underlying normal.
    public func reflection(of point: Double) -> Double { exp(2 * logMean - log(point)) }

    public func logDensity(_ x: Double) -> Double {
        guard x > 0 else { return -.infinity }
        let z = (log(x) - logMean) / logStandardDeviation
        return -0.5 * z * z - log(x * logStandardDeviation) - 0.5 * log(2 * Double.pi)
    }

    public func score(_ x: Double) -> Double { -(1 + (log(x) - logMean) / logVariance) / x }
    public func cumulativeProbability(_ x: Double) -> Double {
        x > 0 ? GSL.standardNormalCDF((log(x) - logMean) / logStandardDeviation) : 0
    }
    public func quantile(_ p: Double) -> Double { exp(logMean + logStandardDeviation * GSL.standardNormalQuantile(p)) }
}
