import MonteCarloCore

extension LatinHypercubeSampling: PointGroupEstimator {
    public var methodName: String { orthogonalArrayLevels == nil ? "lhs" : "randomized-oa" }
    public var sampleDescription: String { "Latin hypercube designs" }

    /// `count` independent designs of ``designSize`` points, one after the other.
    public func drawPointGroups(_ count: Int, using generator: inout Xoshiro256PlusPlus) -> [S.Point] {
        let m = designSize, s = sampler.cubeDimension
        // Intervals per coordinate: m for a Latin hypercube, q for an orthogonal array.
        let cells = orthogonalArrayLevels ?? m
        var cube = [Double](repeating: 0, count: m * s)
        var permutation = Array(0..<cells)
        var points = [S.Point]()
        points.reserveCapacity(count * m)
        for _ in 0..<count {
            for j in 0..<s {
                // Fisher–Yates; the bounded index by a multiply-shift (bias below m/2⁶⁴).
                for i in stride(from: cells - 1, to: 0, by: -1) {
                    let r = Int(generator.next().multipliedFullWidth(by: UInt64(i + 1)).high)
                    permutation.swapAt(i, r)
                }
                for i in 0..<m {
                    let cell = permutation[orthogonalArrayLevels.map { Self.boseSymbol(row: i, column: j, levels: $0) } ?? i]
                    let u = (Double(cell) + generator.nextOpenUniform()) / Double(cells)
                    cube[i * s + j] = Swift.min(u, (Double(cell + 1) / Double(cells)).nextDown)
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

    /// Bose's orthogonal array OA(q², q + 1, q, 2): row i = a·q + b has symbols b, a, a + b,
    /// a + 2b, …, a + (q − 1)b (mod q) in columns 0, 1, …, q.
    static func boseSymbol(row: Int, column: Int, levels q: Int) -> Int {
        let a = row / q, b = row % q
        return column == 0 ? b : (a + (column - 1) * b) % q
    }
}
