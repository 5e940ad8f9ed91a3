import MonteCarloCore
import VarianceReduction

/// Blocks of d orthonormal directions: the columns of a Haar-random orthogonal matrix
/// (Rowland et al. 2019).
///
/// Each direction is uniform on the sphere and the d directions of a block are orthogonal,
/// which makes the block mean of f exact for an affine image (f(θ) = θᵀMθ sums to tr M over
/// an orthonormal basis). A block is the Q factor of a Gaussian matrix by Gram–Schmidt with a
/// positive diagonal of R, hence exactly Haar (Mezzadri 2007).
public struct OrthogonalDirections: SlicingDirectionSampler, Hashable {
    /// The dimension d.
    public let dimension: Int

    /// Orthogonal blocks in dimension `dimension` (at least 1).
    public init(dimension: Int) throws(MonteCarloError) {
        guard dimension >= 1 else {
            throw .invalidParameter(name: "dimension", value: Double(dimension), requirement: "at least 1")
        }
        self.dimension = dimension
    }

    public var pointsPerSet: Int { dimension }
    public var name: String { "orthogonal" }
    public func figures(sets: Int) -> [String: Double] { ["blocks": Double(sets)] }

    public func appendSet(to points: inout [[Double]], using generator: inout Xoshiro256PlusPlus) {
        let d = dimension
        var q = [Double](repeating: 0, count: d * d)
        q.withUnsafeMutableBufferPointer { SlicingDirections.fillHaarOrthogonal($0.baseAddress!, dimension: d, using: &generator) }
        for j in 0..<d { points.append(Array(q[(j * d)..<((j + 1) * d)])) }
    }
}
