import Foundation

/// Student's t distribution with ν degrees of freedom, location and scale, sampled by GSL.
public struct StudentTDistribution: UnivariateDistribution, ReflectableSampler, Hashable, Codable {
    /// Degrees of freedom ν > 0.
    public let degreesOfFreedom: Double
    /// Location (the median).
    public let location: Double
    /// Scale > 0.
    public let scale: Double

    /// Creates t_ν(location, scale²).
    public init(degreesOfFreedom: Double, location: Double = 0, scale: Double = 1) throws(MonteCarloError) {
        try Validate.positive(degreesOfFreedom, "degreesOfFreedom")
        try Validate.finite(location, "location")
        try Validate.positive(scale, "scale")
        self.degreesOfFreedom = degreesOfFreedom
        self.location = location
        self.scale = scale
    }

    /// The location (undefined, reported as NaN, when ν ≤ 1).
    public var mean: Double { degreesOfFreedom > 1 ? location : .nan }
    /// scale² ν/(ν − 2) for ν > 2; ∞ for 1 < ν ≤ 2; NaN otherwise.
    public var variance: Double {
        degreesOfFreedom > 2 ? scale * scale * degreesOfFreedom / (degreesOfFreedom - 2)
            : degreesOfFreedom > 1 ? .infinity : .nan
    }

    public func draw<G: RandomNumberGenerator>(using generator: inout G) -> Double {
        location + scale * GSL.studentT(degreesOfFreedom: degreesOfFreedom, using: &generator)
    }

    /// x ↦ 2·location − x.
    public func reflection(of point: Double) -> Double { 2 * location - point }

    public func logDensity(_ x: Double) -> Double {
        let nu = degreesOfFreedom
        let z = (x - location) / scale
        return GSL.logGamma((nu + 1) / 2) - GSL.logGamma(nu / 2) - 0.5 * log(nu * Double.pi) - log(scale)
            - (nu + 1) / 2 * log1p(z * z / nu)
    }

    public func score(_ x: Double) -> Double {
        let d = x - location
        return -(degreesOfFreedom + 1) * d / (degreesOfFreedom * scale * scale + d * d)
    }

    public func cumulativeProbability(_ x: Double) -> Double {
        GSL.studentTCDF((x - location) / scale, degreesOfFreedom: degreesOfFreedom)
    }

    public func quantile(_ p: Double) -> Double {
        location + scale * GSL.studentTQuantile(p, degreesOfFreedom: degreesOfFreedom)
    }

    /// The p-quantile of the standard t distribution with `degreesOfFreedom`.
    public static func standardQuantile(_ p: Double, degreesOfFreedom: Double) -> Double {
        GSL.studentTQuantile(p, degreesOfFreedom: degreesOfFreedom)
    }
}
