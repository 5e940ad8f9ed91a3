import Foundation

/// The gamma distribution with shape k and scale θ (mean kθ), sampled by GSL.
public struct GammaDistribution: UnivariateDistribution, Hashable, Codable {
    /// Shape k > 0.
    public let shape: Double
    /// Scale θ > 0.
    public let scale: Double

    /// Creates Gamma(shape, scale).
    public init(shape: Double, scale: Double = 1) throws(MonteCarloError) {
        try Validate.positive(shape, "shape")
        try Validate.positive(scale, "scale")
        self.shape = shape
        self.scale = scale
    }

    public var mean: Double { shape * scale }
    public var variance: Double { shape * scale * scale }

    /// Marsaglia–Tsang's method (`gsl_ran_gamma`) driven by `generator`'s stream.
    public func draw<G: RandomNumberGenerator>(using generator: inout G) -> Double {
        GSL.gamma(shape: shape, scale: scale, using: &generator)
    }

    public func logDensity(_ x: Double) -> Double {
        guard x > 0 else { return -.infinity }
        return (shape - 1) * log(x) - x / scale - GSL.logGamma(shape) - shape * log(scale)
    }

    public func score(_ x: Double) -> Double { (shape - 1) / x - 1 / scale }
    public func cumulativeProbability(_ x: Double) -> Double { x > 0 ? GSL.gammaCDF(x, shape: shape, scale: scale) : 0 }
    public func quantile(_ p: Double) -> Double { GSL.gammaQuantile(p, shape: shape, scale: scale) }
}
