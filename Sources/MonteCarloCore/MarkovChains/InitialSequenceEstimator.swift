/// Geyer's (1992) initial positive and initial monotone sequence estimators of σ²_∞ for one
/// scalar series made of one or several chains (the engine behind
/// ``LongRunVarianceMethod/initialSequence(_:)``).
///
/// Autocovariances are pooled over chains about the grand mean μ̂ with weights ∝ chain length,
/// γ̂ₖ = (1/n) Σ_c Σₜ (x_{c,t} − μ̂)(x_{c,t+k} − μ̂), so chains that disagree add a positive
/// constant to every lag and lengthen the positive sequence (the estimate grows rather than
/// hides the disagreement). Lags are computed in doubling ranges (31, 63, 127, …) until a pair
/// sum Γₘ = γ̂₂ₘ + γ̂₂ₘ₊₁ is not positive, so a fast-mixing series costs O(31 n) (the direct
/// path of ``Autocovariances``) and a slow one O(n log n) per doubling.
enum InitialSequenceEstimator {
    /// σ̂² = −γ̂₀ + 2 Σ_{m<M} Γₘ (may be ≤ 0 for an antithetic series: the caller guards it),
    /// and the number of lags used.
    static func estimate(_ centred: UnsafeBufferPointer<Double>, ranges: [Range<Int>],
                         kind: LongRunVarianceMethod.InitialSequence) throws(MonteCarloError) -> (value: Double, lags: Int) {
        let n = centred.count
        let longest = ranges.map(\.count).max()!
        let maximumLag = longest - 1
        var lags = min(31, maximumLag)
        while true {
            let gamma = try pooledAutocovariances(centred, ranges: ranges, maxLag: lags, total: n)
            var sum = 0.0
            var previous = Double.infinity
            var m = 0
            var stopped = false
            while 2 * m + 1 <= lags {
                var pair = gamma[2 * m] + gamma[2 * m + 1]
                if !(pair > 0) { stopped = true; break }
                if kind == .monotone { pair = min(pair, previous) }
                sum += pair
                previous = pair
                m += 1
            }
            if stopped || lags >= maximumLag {
                return (-gamma[0] + 2 * sum, 2 * m)
            }
            lags = min(2 * lags + 1, maximumLag)
        }
    }

    /// γ̂₀ … γ̂_maxLag pooled over chains (divisor n, the total number of draws).
    static func pooledAutocovariances(_ centred: UnsafeBufferPointer<Double>, ranges: [Range<Int>], maxLag: Int,
                                      total n: Int) throws(MonteCarloError) -> [Double] {
        var pooled = [Double](repeating: 0, count: maxLag + 1)
        for range in ranges where range.count >= 1 {
            let chain = UnsafeBufferPointer(rebasing: centred[range])
            let lags = min(maxLag, range.count - 1)
            let gamma = try Autocovariances.centredEstimate(chain, maxLag: lags)
            let weight = Double(range.count)   // back to lagged sums
            for k in 0...lags { pooled[k] += gamma[k] * weight }
        }
        return pooled.map { $0 / Double(n) }
    }
}
