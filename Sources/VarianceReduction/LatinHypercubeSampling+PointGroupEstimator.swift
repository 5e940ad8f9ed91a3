import MonteCarloCore

extension LatinHypercubeSampling: PointGroupEstimator {
    public var methodName: String { "lhs" }
    public var sampleDescription: String { "Latin hypercube designs" }

    /// `count` independent designs of ``designSize`` points, one after the other.
    public func drawPointGroups(_ count: Int, using generator: inout Xoshiro256PlusPlus) -> [S.Point] {
        let m = designSize, s = sampler.cubeDimension
        var cube = [Double](repeating: 0, count: m * s)
        var permutation = Array(0..<m)
        var points = [S.Point]()
        points.reserveCapacity(count * m)
        for _ in 0..<count {
            for j in 0..<s {
                // Fisher–Yates; the bounded index by a multiply-shift (bias below m/2⁶⁴).
                for i in stride(from: m - 1, to: 0, by: -1) {
                    let r = Int(generator.next().multipliedFullWidth(by: UInt64(i + 1)).high)
                    permutation.swapAt(i, r)
                }
                for i in 0..<m {
                    let cell = permutation[i]
                    let u = (Double(cell) + generator.nextOpenUniform()) / Double(m)
                    cube[i * s + j] = Swift.min(u, (Double(cell + 1) / Double(m)).nextDown)
                }
            }
            cube.withUnsafeBufferPointer { u in
                for i in 0..<m {
                    points.append(sampler.point(fromUnitCube: UnsafeBufferPointer(rebasing: u[(i * s)..<((i + 1) * s)])))
                }
            }
        }
        return points
    }
}
