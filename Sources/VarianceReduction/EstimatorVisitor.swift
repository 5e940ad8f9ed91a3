import MonteCarloCore

/// Something done with an estimator whose concrete type is known only at run time.
///
/// A recipe that chooses its estimator from options (sliced Wasserstein's direction schemes and
/// controls, a command-line `--method`) hands it to a visitor, which can then run it, compute
/// some of its blocks for a shard, or finalize merged block states, with the full static type.
public protocol EstimatorVisitor {
    /// What the visit produces.
    associatedtype Result
    /// Does the work with `estimator`.
    func visit<E: MonteCarloEstimator>(_ estimator: E) throws -> Result where E.Output == Estimate
}
