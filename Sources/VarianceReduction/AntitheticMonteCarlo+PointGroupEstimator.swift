import MonteCarloCore

extension AntitheticMonteCarlo: PointGroupEstimator {
    public var methodName: String { "antithetic" }
    public var sampleDescription: String { "antithetic pairs" }

    /// `count` pairs (X, T X), laid out as X₀, T X₀, X₁, T X₁, ….
    public func drawPointGroups(_ count: Int, using generator: inout Xoshiro256PlusPlus) -> [S.Point] {
        var points = [S.Point]()
        points.reserveCapacity(2 * count)
        for _ in 0..<count {
            let x = sampler.draw(using: &generator)
            points.append(x)
            points.append(sampler.reflection(of: x))
        }
        return points
    }
}
