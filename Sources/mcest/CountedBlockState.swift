import MonteCarlo

/// A block state whose samples can be counted, so that `mcest merge` can check each block of a
/// shard file against the run's layout (an edited count would otherwise give an impossible
/// estimate, or trap in the merge).
protocol CountedBlockState {
    /// The samples (in the estimator's unit) the state holds, or `nil` when its counts disagree
    /// with each other (`evaluationsPerSample` integrand values per sample).
    func sampleCount(evaluationsPerSample: Int) -> Int?
}

extension SampleMeanState: CountedBlockState {
    func sampleCount(evaluationsPerSample: Int) -> Int? {
        let (evaluationCount, overflow) = samples.count.multipliedReportingOverflow(by: evaluationsPerSample)
        guard evaluations.count == 0 || (!overflow && evaluations.count == evaluationCount) else { return nil }
        return samples.count + skipped
    }
}

extension FoldedMoments: CountedBlockState {
    func sampleCount(evaluationsPerSample: Int) -> Int? {
        groups.reduce(0) { $0 + $1.count }
    }
}
