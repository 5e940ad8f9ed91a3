import MonteCarloCore

/// The state of ``ControlVariates``: moments of the group averages by fold, and of the single
/// evaluations.
///
/// `averages` holds the joint moments of (f̄, h̄ − θ) over the i.i.d. groups (pairs, randomized
/// point sets), group i in fold i mod K as for ``ControlVariateMonteCarlo``; `evaluations`
/// holds the joint moments of the single values (f, h − θ), from which the per-evaluation
/// variance σ²_plain of the effective sample size is estimated.
public struct StackedControlVariateState: MergeableState, Hashable {
    /// Moments of the group averages, one accumulator per fold.
    public internal(set) var averages: FoldedMoments
    /// Moments of the single evaluations.
    public internal(set) var evaluations: CovarianceMoments

    /// An empty state with `folds` folds for vectors (f, h₁ − θ₁, …, h_p − θ_p) of `dimension` components.
    init(averages: FoldedMoments, dimension: Int) {
        self.averages = averages
        evaluations = CovarianceMoments(validatedDimension: dimension)
    }

    public mutating func merge(_ other: StackedControlVariateState) throws(MonteCarloError) {
        try averages.merge(other.averages)
        try evaluations.merge(other.evaluations)
    }
}
