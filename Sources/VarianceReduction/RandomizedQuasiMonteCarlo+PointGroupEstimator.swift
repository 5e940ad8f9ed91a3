import MonteCarloCore

extension RandomizedQuasiMonteCarlo: PointGroupEstimator {
    public var methodName: String { "rqmc-\(pointSet.kind.rawValue)" }
    public var sampleDescription: String { "independent randomizations" }

    /// `count` independent randomizations of the point set, one after the other.
    public func drawPointGroups(_ count: Int, using generator: inout Xoshiro256PlusPlus) -> [S.Point] {
        var cube = [Double](repeating: 0, count: pointSet.count * pointSet.dimension)
        var points = [S.Point]()
        points.reserveCapacity(count * pointSet.count)
        for _ in 0..<count {
            points.append(contentsOf: pointSet.randomizedPoints(for: sampler, workspace: &cube, using: &generator))
        }
        return points
    }
}
