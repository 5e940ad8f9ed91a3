import MonteCarloCore

/// Plain Monte Carlo on the coupled differences of one level: the driver's unit of work inside
/// ``MultilevelMonteCarlo``.
struct CoupledLevelEstimator<S: CoupledLevelSampler>: MonteCarloEstimator {
    let sampler: S
    let level: Int
    let blockSize: Int

    var preferredBlockSize: Int { blockSize }

    func makeState() -> CoupledLevelMoments { CoupledLevelMoments() }

    func accumulate(_ count: Int, firstIndex: Int, into state: inout CoupledLevelMoments,
                    using generator: inout Xoshiro256PlusPlus) throws(MonteCarloError) {
        for i in 0..<count {
            let pair = sampler.sample(level: level, using: &generator)
            guard pair.difference.isFinite else {
                throw .nonFinite(quantity: level == 0 ? "level 0 value P_0" : "level \(level) difference P_\(level) − P_\(level - 1)",
                                 index: firstIndex + i)
            }
            guard pair.fine.isFinite else {
                throw .nonFinite(quantity: "level \(level) fine value P_\(level)", index: firstIndex + i)
            }
            state.differences.add(pair.difference)
            state.fineValues.add(pair.fine)
        }
    }

    /// The plain estimate of E[P_ℓ − P_{ℓ−1}] (variance NaN below two samples: a top-up may draw
    /// a single sample; ``MultilevelMonteCarlo`` judges the merged level, not the top-up).
    func estimate(from state: CoupledLevelMoments) -> Estimate {
        let moments = state.differences
        return Estimate(value: moments.mean, variance: moments.count >= 2 ? moments.varianceOfMean : .nan,
                        sampleCount: moments.count, effectiveSampleSize: Double(moments.count),
                        diagnostics: Diagnostics(method: "mlmc-level-\(level)"))
    }
}
