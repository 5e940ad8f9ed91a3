import Foundation

/// The banana-shaped ("twisted Gaussian") distribution on ℝ² of Haario, Saksman & Tamminen
/// (1999): x₁ ~ N(0, a²) and x₂ = y + b(x₁² − a²) with y ~ N(0, 1) independent.
///
/// A standard test target for MCMC and Stein methods: curved and non-Gaussian, yet drawn
/// exactly, with an exact density, score and closed-form moments. The map (x₁, y) ↦ (x₁, x₂)
/// has unit Jacobian, so with r = x₂ − b(x₁² − a²)
///
///     log π(x) = −x₁²/(2a²) − r²/2 − log(2πa),   ∇ log π(x) = (−x₁/a² + 2b x₁ r, −r),
///
/// and E x₁ = E x₂ = 0, E x₁² = a², E x₂² = 1 + 2b²a⁴ (since E(x₁² − a²)² = 2a⁴),
/// E cos x₁ = e^(−a²/2). x₂² is strongly right-skewed: at a = 1, b = ½ and n = 200 the plain
/// sample mean's normal interval covers only about 92% (see the Stein calibration tests).
///
/// ```swift
/// let banana = try BananaDistribution(scale: 1, curvature: 0.5)
/// var g = Xoshiro256PlusPlus(seed: 1)
/// let x = banana.draw(using: &g)
/// print(banana.logDensity(x), banana.score(x))
/// ```
///
/// `logDensity(_:)` and `score(_:)` take points (x₁, x₂); any other length traps.
///
/// - Complexity: O(1) per draw, density or score.
public struct BananaDistribution: ScoredSampler, Sendable, Hashable, Codable {
    /// a > 0, the standard deviation of x₁.
    public let scale: Double
    /// b, how strongly x₂ bends with x₁ (0: the standard normal pair N(0, diag(a², 1))).
    public let curvature: Double

    /// The banana with x₁ ~ N(0, `scale`²) and bend `curvature`; the defaults (a = 1, b = ½)
    /// are the `mcmc-stein` example's.
    /// - Throws: `MonteCarloError/invalidParameter(name:value:requirement:)` for a scale that is
    ///   not positive and finite or a curvature that is not finite.
    public init(scale: Double = 1, curvature: Double = 0.5) throws(MonteCarloError) {
        guard scale > 0, scale.isFinite else {
            throw .invalidParameter(name: "scale", value: scale, requirement: "positive and finite")
        }
        guard curvature.isFinite else {
            throw .invalidParameter(name: "curvature", value: curvature, requirement: "finite")
        }
        self.scale = scale
        self.curvature = curvature
    }

    /// x₁ = a z₁, x₂ = z₂ + b(x₁² − a²) from two standard normal draws.
    public func draw<G: RandomNumberGenerator>(using generator: inout G) -> [Double] {
        let x1 = scale * generator.nextStandardNormal()
        return [x1, generator.nextStandardNormal() + curvature * (x1 * x1 - scale * scale)]
    }

    /// The normalized log-density log π(x) of a point (x₁, x₂).
    public func logDensity(_ x: [Double]) -> Double {
        let r = residual(x)
        return -x[0] * x[0] / (2 * scale * scale) - r * r / 2 - log(2 * Double.pi * scale)
    }

    /// The score ∇ log π(x).
    public func score(_ x: [Double]) -> [Double] {
        let r = residual(x)
        return [-x[0] / (scale * scale) + 2 * curvature * x[0] * r, -r]
    }

    /// r = x₂ − b(x₁² − a²), the standard normal y that x₂ was bent from. A point that is not
    /// a pair is a programmer error (the protocol's density and score cannot throw).
    func residual(_ x: [Double]) -> Double {
        precondition(x.count == 2, "BananaDistribution is on ℝ²: a point needs 2 coordinates, got \(x.count)")
        return x[1] - curvature * (x[0] * x[0] - scale * scale)
    }
}
