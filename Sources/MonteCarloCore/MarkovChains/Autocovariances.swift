/// Sample autocovariances of a series, by FFT for long lag ranges and directly for short ones.
///
/// ```swift
/// let gamma = try Autocovariances.estimate([1, 3, 2, 5, 4], maxLag: 2)
/// gamma[0]   // the variance with divisor n: 2.0
/// ```
///
/// The estimator is γ̂ₖ = (1/n) Σₜ₌₁ⁿ⁻ᵏ (xₜ − x̄)(xₜ₊ₖ − x̄), divisor n at every lag (not n − k):
/// the sequence is then positive semi-definite, as Geyer's initial sequences and Stan's ESS
/// assume, and its bias is O(k/n).
public enum Autocovariances {
    /// γ̂₀ … γ̂_maxLag of `series` (maxLag clamped to n − 1; all lags when `nil`).
    /// - Throws: `MonteCarloError/insufficientSamples(needed:available:reason:)` for fewer than 2
    ///   values; `MonteCarloError/nonFinite(quantity:index:)` naming the first NaN or infinite value;
    ///   `MonteCarloError/invalidParameter(name:value:requirement:)` for a negative maxLag.
    /// - Complexity: O(n log n) by a zero-padded real FFT (GSL), or O(n · maxLag) directly when
    ///   maxLag < 32, whichever is cheaper.
    public static func estimate(_ series: [Double], maxLag: Int? = nil) throws(MonteCarloError) -> [Double] {
        guard series.count >= 2 else {
            throw .insufficientSamples(needed: 2, available: series.count, reason: "for autocovariances")
        }
        if let bad = series.firstIndex(where: { !$0.isFinite }) { throw .nonFinite(quantity: "series value", index: bad) }
        let n = series.count
        let lags = min(maxLag ?? (n - 1), n - 1)
        guard lags >= 0 else { throw .invalidParameter(name: "maxLag", value: Double(lags), requirement: "non-negative") }
        let mean = series.reduce(0, +) / Double(n)
        let centred = series.map { $0 - mean }
        return try centred.withUnsafeBufferPointer { buffer throws(MonteCarloError) in
            try centredEstimate(buffer, maxLag: lags)
        }
    }

    /// γ̂₀ … γ̂_maxLag of a series already centred at its mean (maxLag ≤ n − 1, n ≥ 1, finite).
    static func centredEstimate(_ centred: UnsafeBufferPointer<Double>, maxLag: Int) throws(MonteCarloError) -> [Double] {
        let n = centred.count
        let sums: [Double]
        if maxLag < 32 {
            sums = (0...maxLag).map { k in
                var s = 0.0
                for t in 0..<(n - k) { s += centred[t] * centred[t + k] }
                return s
            }
        } else {
            sums = try GSL.laggedProductSums(centred: centred, maxLag: maxLag)
        }
        return sums.map { $0 / Double(n) }
    }
}
