import MonteCarloCore

/// A sampler of random point sets: every point of a set is distributed as π, points within a
/// set may depend on each other, and sets drawn from a generator are independent.
///
/// Examples: a Haar-random orthogonal basis (d directions that are each uniform on the
/// sphere), a randomized lattice or Sobol set, a stratified set. ``PointSetMonteCarlo``
/// averages an integrand over each set and treats the set means as i.i.d. samples; a sampler
/// with one point per set is plain Monte Carlo.
public protocol PointSetSampler: Sendable {
    /// What one point is.
    associatedtype Point
    /// The number of points in every set (at least 1).
    var pointsPerSet: Int { get }
    /// Draws one set of ``pointsPerSet`` points and appends it to `points`.
    func appendSet(to points: inout [Point], using generator: inout Xoshiro256PlusPlus)
}
