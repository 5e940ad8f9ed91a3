/// The uniform distribution on the unit cube [0, 1)^s, drawing points as arrays.
///
/// Reflectable (u ↦ 1 − u componentwise) for antithetic sampling, and trivially a
/// ``UnitCubeSampler`` for quasi-Monte Carlo.
public struct UnitCube: ReflectableSampler, UnitCubeSampler, Hashable, Codable {
    /// The dimension s.
    public let dimension: Int

    /// The cube of the given dimension (at least 1).
    public init(dimension: Int) throws(MonteCarloError) {
        guard dimension >= 1 else {
            throw .invalidParameter(name: "dimension", value: Double(dimension), requirement: "at least 1")
        }
        self.dimension = dimension
    }

    public var cubeDimension: Int { dimension }

    public func draw<G: RandomNumberGenerator>(using generator: inout G) -> [Double] {
        (0..<dimension).map { _ in generator.nextUniform() }
    }

    /// u ↦ 1 − u in every coordinate.
    public func reflection(of point: [Double]) -> [Double] { point.map { 1 - $0 } }

    public func point(fromUnitCube u: UnsafeBufferPointer<Double>) -> [Double] { Array(u) }
}

/// The standard normal distribution N(0, I_s) on ℝ^s, drawing points as arrays.
///
/// Reflectable (z ↦ −z), and a ``UnitCubeSampler`` through the normal quantile function
/// applied coordinatewise. Its score is ∇ log φ(z) = −z.
public struct StandardNormalVector: ReflectableSampler, UnitCubeSampler, Hashable, Codable {
    /// The dimension s.
    public let dimension: Int

    /// N(0, I) in the given dimension (at least 1).
    public init(dimension: Int) throws(MonteCarloError) {
        guard dimension >= 1 else {
            throw .invalidParameter(name: "dimension", value: Double(dimension), requirement: "at least 1")
        }
        self.dimension = dimension
    }

    public var cubeDimension: Int { dimension }

    public func draw<G: RandomNumberGenerator>(using generator: inout G) -> [Double] {
        (0..<dimension).map { _ in generator.nextStandardNormal() }
    }

    /// z ↦ −z.
    public func reflection(of point: [Double]) -> [Double] { point.map { -$0 } }

    public func point(fromUnitCube u: UnsafeBufferPointer<Double>) -> [Double] {
        u.map { NormalDistribution.standardQuantile($0) }
    }

    /// The score ∇ log φ(z) = −z.
    public func score(_ point: [Double]) -> [Double] { point.map { -$0 } }
}
