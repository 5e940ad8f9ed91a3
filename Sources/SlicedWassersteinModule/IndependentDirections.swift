import MonteCarloCore
import VarianceReduction

/// I.i.d. uniform directions θ = ε/|ε|, ε ~ N(0, I_d): sets of one direction (plain Monte Carlo).
///
/// Also a `Sampler` of single directions, for the control-variate estimators. Directions are
/// drawn as `SlicingDirections/uniform(dimension:count:seed:)` draws them, so a run whose
/// blocks hold 64 directions uses the same directions for every method built on this scheme.
public struct IndependentDirections: SlicingDirectionSampler, Sampler, Hashable {
    /// The dimension d.
    public let dimension: Int

    /// Directions in dimension `dimension` (at least 1).
    public init(dimension: Int) throws(MonteCarloError) {
        guard dimension >= 1 else {
            throw .invalidParameter(name: "dimension", value: Double(dimension), requirement: "at least 1")
        }
        self.dimension = dimension
    }

    public var pointsPerSet: Int { 1 }
    public var name: String { "mc" }

    public func appendSet(to points: inout [[Double]], using generator: inout Xoshiro256PlusPlus) {
        points.append(draw(using: &generator))
    }

    /// One uniform unit vector; redraws the (probability-zero) all-zero Gaussian vector.
    public func draw<G: RandomNumberGenerator>(using generator: inout G) -> [Double] {
        var theta = [Double](repeating: 0, count: dimension)
        theta.withUnsafeMutableBufferPointer {
            SlicingDirections.fillUniformDirection($0.baseAddress!, dimension: dimension, using: &generator)
        }
        return theta
    }
}
