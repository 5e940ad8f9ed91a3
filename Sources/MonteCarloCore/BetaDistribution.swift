import Foundation

/// The beta distribution on (0, 1) with shapes a, b > 0, sampled by GSL.
public struct BetaDistribution: UnivariateDistribution, Hashable, Codable {
    /// First shape a.
    public let alpha: Double
    /// Second shape b.
    public let beta: Double

    /// Creates Beta(alpha, beta).
    public init(alpha: Double, beta: Double) throws(MonteCarloError) {
        try Validate.positive(alpha, "alpha")
        try Validate.positive(beta, "beta")
        self.alpha = alpha
        self.beta = beta
    }

    public var mean: Double { alpha / (alpha + beta) }
    public var variance: Double {
        let total = alpha + beta
        return alpha * beta / (total * total * (total + 1))
    }

    public func draw<G: RandomNumberGenerator>(using generator: inout G) -> Double {
        GSL.beta(a: alpha, b: beta, using: &generator)
    }

    public func logDensity(_ x: Double) -> Double {
        guard x > 0, x < 1 else { return -.infinity }
        return (alpha - 1) * log(x) + (beta - 1) * log1p(-x) - GSL.logBeta(alpha, beta)
    }

    public func score(_ x: Double) -> Double { (alpha - 1) / x - (beta - 1) / (1 - x) }
    public func cumulativeProbability(_ x: Double) -> Double { x <= 0 ? 0 : x >= 1 ? 1 : GSL.betaCDF(x, a: alpha, b: beta) }
    public func quantile(_ p: Double) -> Double { GSL.betaQuantile(p, a: alpha, b: beta) }
}
