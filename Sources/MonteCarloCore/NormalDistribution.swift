import Foundation

/// The normal distribution N(μ, σ²), sampled by the ziggurat method.
public struct NormalDistribution: UnivariateDistribution, ReflectableSampler, Hashable, Codable {
    /// The mean μ.
    public let mean: Double
    /// The standard deviation σ > 0.
    public let standardDeviation: Double

    /// The standard normal N(0, 1).
    public static let standard = NormalDistribution(uncheckedMean: 0, standardDeviation: 1)

    /// Creates N(mean, standardDeviation²).
    /// - Throws: ``MonteCarloError/invalidParameter(name:value:requirement:)`` unless σ > 0 and both are finite.
    public init(mean: Double = 0, standardDeviation: Double = 1) throws(MonteCarloError) {
        try Validate.finite(mean, "mean")
        try Validate.positive(standardDeviation, "standardDeviation")
        self.init(uncheckedMean: mean, standardDeviation: standardDeviation)
    }

    init(uncheckedMean mean: Double, standardDeviation: Double) {
        self.mean = mean
        self.standardDeviation = standardDeviation
    }

    public var variance: Double { standardDeviation * standardDeviation }

    @inlinable
    public func draw<G: RandomNumberGenerator>(using generator: inout G) -> Double {
        mean + standardDeviation * generator.nextStandardNormal()
    }

    /// x ↦ 2μ − x.
    public func reflection(of point: Double) -> Double { 2 * mean - point }

    public func logDensity(_ x: Double) -> Double {
        let z = (x - mean) / standardDeviation
        return -0.5 * z * z - log(standardDeviation) - 0.5 * log(2 * Double.pi)
    }

    public func score(_ x: Double) -> Double { -(x - mean) / variance }

    public func cumulativeProbability(_ x: Double) -> Double {
        GSL.standardNormalCDF((x - mean) / standardDeviation)
    }

    public func quantile(_ p: Double) -> Double {
        mean + standardDeviation * GSL.standardNormalQuantile(p)
    }

    /// The standard normal p-quantile Φ⁻¹(p).
    public static func standardQuantile(_ p: Double) -> Double { GSL.standardNormalQuantile(p) }

    /// The standard normal distribution function Φ(x).
    public static func standardCumulativeProbability(_ x: Double) -> Double { GSL.standardNormalCDF(x) }
}
