import MonteCarloCore

extension StratifiedMonteCarlo: PointGroupEstimator {
    public var methodName: String { isProportional ? "stratified" : "stratified-allocated" }
    public var sampleDescription: String { "stratified sweeps" }

    /// `count` sweeps, one after the other; a sweep holds `allocation[h]` points uniform on
    /// stratum h for h = 0, 1, …, H − 1, in that order.
    public func drawPointGroups(_ count: Int, using generator: inout Xoshiro256PlusPlus) -> [S.Point] {
        var u = [Double](repeating: 0.5, count: grid.cubeDimension)
        var points = [S.Point]()
        points.reserveCapacity(count * stratumOfPosition.count)
        u.withUnsafeMutableBufferPointer { u in
            for _ in 0..<count {
                for h in stratumOfPosition {
                    for c in u.indices { u[c] = generator.nextOpenUniform() }
                    grid.place(u, in: h)
                    points.append(sampler.point(fromUnitCube: UnsafeBufferPointer(u)))
                }
            }
        }
        return points
    }

    /// Refuses any allocation but the proportional one: the equally weighted sweep average is
    /// unbiased for E_π[f] only when every (equally probable) stratum has the same number of points.
    public func requireUnbiasedGroupAverages() throws(MonteCarloError) {
        guard isProportional else {
            throw .invalidArgument("Control variates stack on stratified sweeps only with proportional allocation "
                + "(the same number of draws in every stratum): with allocation \(allocation) the sweep average is biased.")
        }
    }
}
