import MonteCarloCore
import VarianceReduction

/// A scheme for drawing the directions of a sliced-Wasserstein estimate, in independent sets.
///
/// Every direction of a set must be uniform on the sphere S^{d−1} (directions within a set may
/// depend on each other; sets drawn from a generator are independent), so the mean of
/// f(θ) = W_p^p(θ#μ, θ#ν) over a set is unbiased for SW_p^p and `PointSetMonteCarlo` applies.
/// A point is a vector of d coordinates; the integrand uses its direction p/|p|, so a scheme may
/// hand out unit vectors or, like i.i.d. directions, any vector whose direction is uniform.
///
/// **Adding a scheme** is writing one conforming type in one file: its `pointsPerSet`,
/// `appendSet(to:using:)` (append one set of directions drawn from the generator) and a `name`.
/// Then ``SlicedWasserstein/estimate(directions:sets:seed:)`` runs it on all cores with the
/// driver, and ``SlicedWasserstein/Recipe`` shards it.
///
/// ```swift
/// struct AxisDirections: SlicingDirectionSampler {  // ±e_k with a random sign and axis: NOT uniform, for illustration only
///     let dimension: Int
///     var pointsPerSet: Int { 1 }
///     var name: String { "axes" }
///     func appendSet(to points: inout [[Double]], using generator: inout Xoshiro256PlusPlus) { … }
/// }
/// ```
public protocol SlicingDirectionSampler: PointSetSampler where Point == [Double] {
    /// The scheme's name in the estimate's method, `sliced-wasserstein-<name>`.
    var name: String { get }
    /// Figures the estimate reports about a run of `sets` sets (e.g. `"blocks"`).
    func figures(sets: Int) -> [String: Double]
}

extension SlicingDirectionSampler {
    public func figures(sets: Int) -> [String: Double] { [:] }
}
