/// Geyer's (1992) initial positive and initial monotone sequence estimators of σ²_∞ for one
/// scalar series made of one or several chains (the engine behind
/// ``LongRunVarianceMethod/initialSequence(_:)``).
///
/// Autocovariances are pooled over chains about the grand mean μ̂ with weights ∝ chain length,
/// γ̂ₖ = (1/n) Σ_c Σₜ (x_{c,t} − μ̂)(x_{c,t+k} − μ̂), so chains that disagree add a positive
/// constant to every lag and lengthen the positive sequence (the estimate grows rather than
/// hides the disagreement). Lags are computed in doubling ranges until a pair sum
/// Γₘ = γ̂₂ₘ + γ̂₂ₘ₊₁ is not positive: lags 0…7, 8…15, 16…31, … up to 511 directly (SIMD, four
/// lags per pass, each range computed once), then all lags by one FFT per chain
/// (``Autocovariances``); so a series summed over L lags costs O(n L) for L < 512 (O(8 n) when
/// it mixes fast) and O(n log n) beyond.
enum InitialSequenceEstimator {
    /// σ̂² = −γ̂₀ + 2 Σ_{m<M} Γₘ (may be ≤ 0 for an antithetic series: the caller guards it),
    /// and the number of lags used.
    static func estimate(_ centred: UnsafeBufferPointer<Double>, ranges: [Range<Int>],
                         kind: LongRunVarianceMethod.InitialSequence) throws(MonteCarloError) -> (value: Double, lags: Int) {
        let n = centred.count
        let longest = ranges.map(\.count).max()!
        let maximumLag = longest - 1
        // Lagged sums Σ over chains, extended in place: directly up to `directLimit` lags, then
        // all lags by one FFT per chain.
        var sums: [Double] = []
        var lags = -1
        while true {
            let target = lags < 0 ? min(7, maximumLag) : (lags < directLimit ? min(2 * lags + 1, maximumLag) : maximumLag)
            if target <= directLimit {
                sums += [Double](repeating: 0, count: target - lags)
                for range in ranges where range.count > lags + 1 {
                    let chain = UnsafeBufferPointer(rebasing: centred[range])
                    let upper = min(target, range.count - 1)
                    let part = directLagSums(chain, from: lags + 1, through: upper)
                    for k in (lags + 1)...upper { sums[k] += part[k - lags - 1] }
                }
            } else {
                sums = [Double](repeating: 0, count: target + 1)
                for range in ranges {
                    let chain = UnsafeBufferPointer(rebasing: centred[range])
                    let upper = min(target, range.count - 1)
                    let gamma = try Autocovariances.centredEstimate(chain, maxLag: upper)
                    let weight = Double(range.count)   // back to lagged sums
                    for k in 0...upper { sums[k] += gamma[k] * weight }
                }
            }
            lags = target
            var sum = 0.0
            var previous = Double.infinity
            var m = 0
            var stopped = false
            while 2 * m + 1 <= lags {
                var pair = (sums[2 * m] + sums[2 * m + 1]) / Double(n)
                if !(pair > 0) { stopped = true; break }
                if kind == .monotone { pair = min(pair, previous) }
                sum += pair
                previous = pair
                m += 1
            }
            if stopped || lags >= maximumLag {
                return (-sums[0] / Double(n) + 2 * sum, 2 * m)
            }
        }
    }

    /// The largest lag computed directly: beyond it one FFT of every lag is cheaper (measured at
    /// n = 10⁶: 32 direct lags cost ~6 ms, GSL's radix-2 FFT ~160 ms).
    static let directLimit = 511

    /// Σₜ xₜ xₜ₊ₖ for k = first … maxLag (maxLag < n): four lags per pass with SIMD4 and two
    /// independent accumulators, then the last few products of each lag one by one.
    static func directLagSums(_ x: UnsafeBufferPointer<Double>, from first: Int, through maxLag: Int) -> [Double] {
        let n = x.count
        var sums = [Double](repeating: 0, count: maxLag + 1 - first)
        guard let base = x.baseAddress, first <= maxLag else { return sums }
        var k = first
        while k <= maxLag {
            let width = min(4, maxLag + 1 - k)
            // Full-width part: t + k + 3 < n for every lane.
            let full = width == 4 ? max(0, n - k - 3) : 0
            var even = SIMD4<Double>(repeating: 0), odd = SIMD4<Double>(repeating: 0)
            var t = 0
            while t + 1 < full {
                let a = UnsafeRawPointer(base + t + k).loadUnaligned(as: SIMD4<Double>.self)
                let b = UnsafeRawPointer(base + t + 1 + k).loadUnaligned(as: SIMD4<Double>.self)
                even += x[t] * a
                odd += x[t + 1] * b
                t += 2
            }
            if t < full {
                even += x[t] * UnsafeRawPointer(base + t + k).loadUnaligned(as: SIMD4<Double>.self)
                t += 1
            }
            let total = even + odd
            for lane in 0..<width {
                let lag = k + lane
                var s = width == 4 ? total[lane] : 0
                var u = width == 4 ? full : 0
                while u + lag < n {
                    s += x[u] * x[u + lag]
                    u += 1
                }
                sums[lag - first] = s
            }
            k += width
        }
        return sums
    }
}
