/// A probability measure π the toolkit can draw from: the base measure of E_π[f].
///
/// Conform a type to say how to draw one point; refine with ``ReflectableSampler`` to enable
/// antithetic sampling and with ``UnitCubeSampler`` to enable (randomized) quasi-Monte Carlo.
public protocol Sampler: Sendable {
    /// What one draw is: a `Double`, a vector `[Double]`, a path, …
    associatedtype Point
    /// Draws one point from π.
    func draw<G: RandomNumberGenerator>(using generator: inout G) -> Point
}

/// A sampler with a measure-preserving involution T (X ~ π ⇒ T(X) ~ π), for antithetic pairs.
///
/// Examples: u ↦ 1 − u for uniforms, x ↦ 2μ − x for symmetric laws.
public protocol ReflectableSampler: Sampler {
    /// The reflected point T(x); T(T(x)) = x and T preserves π.
    func reflection(of point: Point) -> Point
}

/// A sampler that is the image of the uniform distribution on [0, 1)^s under a known map.
///
/// Quasi-Monte Carlo estimators feed low-discrepancy points through ``point(fromUnitCube:)``.
public protocol UnitCubeSampler: Sampler {
    /// The dimension s of the unit cube the map starts from.
    var cubeDimension: Int { get }
    /// The point whose law under u ~ U[0, 1)^s is π (u has ``cubeDimension`` entries in (0, 1)).
    func point(fromUnitCube u: UnsafeBufferPointer<Double>) -> Point
}

/// A one-dimensional continuous distribution with its density, score and quantile function.
public protocol UnivariateDistribution: UnitCubeSampler where Point == Double {
    /// E[X].
    var mean: Double { get }
    /// Var[X].
    var variance: Double { get }
    /// log p(x); −∞ outside the support.
    func logDensity(_ x: Double) -> Double
    /// The score d/dx log p(x), where defined.
    func score(_ x: Double) -> Double
    /// P(X ≤ x).
    func cumulativeProbability(_ x: Double) -> Double
    /// The p-quantile, p in (0, 1).
    func quantile(_ p: Double) -> Double
}

extension UnivariateDistribution {
    public var cubeDimension: Int { 1 }
    public func point(fromUnitCube u: UnsafeBufferPointer<Double>) -> Double { quantile(u[0]) }
}
