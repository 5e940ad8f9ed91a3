import MonteCarloCore
import VarianceReduction

/// Randomized Sobol direction sets: a Sobol set with a random digital shift, mapped to N(0, I_d)
/// by the normal quantile, normalized, then turned by an independent Haar rotation (d ≤ 40).
///
/// Every direction is uniform on the sphere (the shift alone makes it so; the rotation removes
/// the axis alignment of the point set), so each set's mean is unbiased, and the low
/// discrepancy of the set lowers its variance in small d.
public struct SobolDirections: SlicingDirectionSampler, Hashable {
    /// The dimension d.
    public let dimension: Int
    /// The Sobol set randomized for every set.
    let pointSet: QuasiRandomPointSet

    /// Sets of `pointsPerSet` directions in dimension `dimension`.
    /// - Throws: `MonteCarloError/invalidParameter(name:value:requirement:)` for d > 40 (Sobol's
    ///   limit) or fewer than one point per set.
    public init(dimension: Int, pointsPerSet: Int) throws(MonteCarloError) {
        guard dimension <= QuasiRandomPointSet.Kind.sobol.maximumDimension else {
            throw .invalidParameter(name: "dimension", value: Double(dimension),
                                    requirement: "at most \(QuasiRandomPointSet.Kind.sobol.maximumDimension) for Sobol directions")
        }
        self.dimension = dimension
        pointSet = try QuasiRandomPointSet(.sobol, dimension: dimension, count: pointsPerSet)
    }

    public var pointsPerSet: Int { pointSet.count }
    public var name: String { "rqmc-sobol" }
    public func figures(sets: Int) -> [String: Double] {
        ["randomizations": Double(sets), "pointsPerRandomization": Double(pointsPerSet)]
    }

    public func appendSet(to points: inout [[Double]], using generator: inout Xoshiro256PlusPlus) {
        let d = dimension, n = pointSet.count
        var cube = [Double](repeating: 0, count: d * n)
        pointSet.randomize(into: &cube, using: &generator)
        var rotation = [Double](repeating: 0, count: d * d)
        rotation.withUnsafeMutableBufferPointer { SlicingDirections.fillHaarOrthogonal($0.baseAddress!, dimension: d, using: &generator) }
        var gaussian = [Double](repeating: 0, count: d)
        for i in 0..<n {
            var norm2 = 0.0
            for k in 0..<d {
                let z = NormalDistribution.standardQuantile(cube[i * d + k])
                gaussian[k] = z
                norm2 += z * z
            }
            let s = norm2 > 0 ? 1 / norm2.squareRoot() : 0
            var theta = [Double](repeating: 0, count: d)
            for a in 0..<d {
                var v = 0.0
                for k in 0..<d { v += rotation[a + k * d] * gaussian[k] }
                theta[a] = v * s
            }
            points.append(theta)
        }
    }
}
