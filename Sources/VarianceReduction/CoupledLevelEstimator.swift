import MonteCarloCore

/// Plain Monte Carlo on the coupled differences of one level: the driver's unit of work inside
/// ``MultilevelMonteCarlo``.
struct CoupledLevelEstimator<S: CoupledLevelSampler>: MonteCarloEstimator {
    let sampler: S
    let level: Int
    let blockSize: Int

    var preferredBlockSize: Int { blockSize }

    func makeState() -> CoupledLevelMoments { CoupledLevelMoments() }

    /// Draws in chunks of 512 coupled samples and adds each chunk's moments in one shifted-sum
    /// pass (no per-sample division); a chunk with a NaN or ∞ names its first bad sample.
    func accumulate(_ count: Int, firstIndex: Int, into state: inout CoupledLevelMoments,
                    using generator: inout Xoshiro256PlusPlus) throws(MonteCarloError) {
        let chunk = Swift.min(count, 512)
        var differences = [Double](repeating: 0, count: chunk), fine = [Double](repeating: 0, count: chunk)
        var done = 0
        while done < count {
            let size = Swift.min(chunk, count - done)
            for i in 0..<size {
                let pair = sampler.sample(level: level, using: &generator)
                differences[i] = pair.difference
                fine[i] = pair.fine
            }
            try differences.withUnsafeBufferPointer { (d) throws(MonteCarloError) in
                try fine.withUnsafeBufferPointer { (f) throws(MonteCarloError) in
                    let d = UnsafeBufferPointer(rebasing: d[0..<size]), f = UnsafeBufferPointer(rebasing: f[0..<size])
                    if let bad = d.firstIndex(where: { !$0.isFinite }) {
                        throw .nonFinite(quantity: level == 0 ? "level 0 value P_0" : "level \(level) difference P_\(level) − P_\(level - 1)",
                                         index: firstIndex + done + bad)
                    }
                    if let bad = f.firstIndex(where: { !$0.isFinite }) {
                        throw .nonFinite(quantity: "level \(level) fine value P_\(level)", index: firstIndex + done + bad)
                    }
                    _ = state.differences.addIfAllFinite(contentsOf: d)
                    _ = state.fineValues.addIfAllFinite(contentsOf: f)
                }
            }
            done += size
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
