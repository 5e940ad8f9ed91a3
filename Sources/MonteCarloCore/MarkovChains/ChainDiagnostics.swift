import Foundation

/// Convergence and precision diagnostics of several Markov chains: rank-normalized split-R̂,
/// bulk and tail effective sample sizes, and the Monte Carlo standard error of the mean, as
/// Stan and ArviZ define them (Vehtari, Gelman, Simpson, Carpenter & Bürkner 2021).
///
/// Every function takes the draws of one quantity as `chains[c][i]`, draw i of chain c, all
/// chains of the same length (at least 4 draws):
///
/// ```swift
/// let chains: [[Double]] = …                      // 4 chains × 1000 draws of one parameter
/// let rHat = try ChainDiagnostics.rankNormalizedSplitRHat(chains)   // want ≤ 1.01
/// let bulk = try ChainDiagnostics.bulkEffectiveSampleSize(chains)   // want ≥ 100 per chain
/// let mcse = try ChainDiagnostics.meanStandardError(chains)         // error bar of the mean
/// ```
///
/// ``ChainSummary`` computes all of them for one column and adds the warnings.
///
/// **Conventions (those of ArviZ, which these functions reproduce to rounding).**
/// *Split chains*: each chain of n draws becomes two of ⌊n/2⌋, its first and its last ⌊n/2⌋
/// draws (the middle draw of an odd chain is left out); first halves come first.
/// *Multi-chain ESS*: with M chains of N draws, autocovariances γ̂_{t,m} (divisor N), W the
/// mean of the chains' variances s²_m = N γ̂_{0,m}/(N − 1), and var⁺ = (N − 1)/N · W +
/// B/N (B/N the variance of the chain means, divisor M − 1; 0 for one chain), the
/// autocorrelation is ρ̂_t = 1 − (W − mean_m γ̂_{t,m})/var⁺ (ρ̂₀ = 1). Pairs ρ̂_{t} + ρ̂_{t+1}
/// (t = 0, 2, 4, …) are kept while positive (Geyer's 1992 initial positive sequence, looked
/// at up to lag N − 2), then made non-increasing (initial monotone sequence);
/// τ̂ = −1 + 2 Σ_{t ≤ T} ρ̂_t + ρ̂_{T+1}, where T ends the last positive pair and ρ̂_{T+1} is the
/// next even-lag term when it is positive; τ̂ is floored at 1/log₁₀(MN), and ESS = MN/τ̂.
/// When all draws are equal (range below 10⁻¹⁵), the ESS is MN.
public enum ChainDiagnostics {
    // MARK: - R̂

    /// The rank-normalized split-R̂: the larger of the split-R̂ of the normal scores of the
    /// draws and that of the normal scores of the folded draws |θ − median|.
    ///
    /// ```swift
    /// let rHat = try ChainDiagnostics.rankNormalizedSplitRHat([chain1, chain2, chain3, chain4])
    /// if rHat > 1.01 { print("not converged") }
    /// ```
    ///
    /// - Parameter chains: `chains[c][i]` is draw i of chain c; at least 2 chains of equal length.
    /// - Returns: R̂ ≥ about 1 (NaN when all draws are equal, as in ArviZ).
    /// - Throws: `MonteCarloError/insufficientSamples(needed:available:reason:)` for fewer than
    ///   2 chains or fewer than 4 draws per chain; `MonteCarloError/dimensionMismatch(what:expected:actual:)`
    ///   for chains of unequal length; `MonteCarloError/nonFinite(quantity:index:)` naming the
    ///   chain and draw of a NaN or infinite value.
    /// - Complexity: O(S log S) for S draws in all (two rank transforms).
    /// - Statistical properties: split-R̂ = √(var⁺/W) with W the mean within-(split)-chain
    ///   variance and var⁺ = (N − 1)/N · W + B/N; it tends to 1 as the chains converge to the
    ///   same distribution, and exceeds 1 when the chains (or their halves) disagree in location
    ///   (bulk) or in scale (folded). Working on normal scores of ranks makes it defined without
    ///   finite moments and invariant under monotone maps. Vehtari et al. (2021) recommend
    ///   trusting results only when it is below 1.01 (with bulk and tail ESS above 100 per chain).
    ///   The fold is about the median of the split chains' draws (as `arviz.rhat`; for chains of
    ///   odd length `arviz.summary` folds about the median of all draws instead).
    public static func rankNormalizedSplitRHat(_ chains: [[Double]]) throws(MonteCarloError) -> Double {
        try validate(chains, minimumChains: 2)
        let split = splitChains(chains)
        let bulk = rHat(ofChains: normalScores(split))
        let median = median(of: split.flatMap { $0 })
        let folded = split.map { $0.map { abs($0 - median) } }
        let tail = rHat(ofChains: normalScores(folded))
        // Like Python's max: a NaN bulk value (all draws equal) is returned as is.
        return tail > bulk ? tail : bulk
    }

    /// The classic split-R̂ (Gelman et al. 2013) on the raw draws, without rank normalization
    /// (ArviZ's `method="split"`).
    ///
    /// ```swift
    /// let rHat = try ChainDiagnostics.splitRHat(chains)
    /// ```
    ///
    /// - Throws: as ``rankNormalizedSplitRHat(_:)``.
    /// - Complexity: O(S) for S draws in all.
    /// - Statistical properties: needs a finite variance to be meaningful, and is blind to chains
    ///   that differ only in scale; prefer ``rankNormalizedSplitRHat(_:)``.
    public static func splitRHat(_ chains: [[Double]]) throws(MonteCarloError) -> Double {
        try validate(chains, minimumChains: 2)
        return rHat(ofChains: splitChains(chains))
    }

    // MARK: - Effective sample sizes

    /// The bulk effective sample size: the multi-chain ESS of the normal scores of the ranks of
    /// the split chains.
    ///
    /// ```swift
    /// let bulk = try ChainDiagnostics.bulkEffectiveSampleSize(chains)
    /// ```
    ///
    /// - Parameter chains: `chains[c][i]` is draw i of chain c; at least one chain, all of the
    ///   same length, at least 4 draws each.
    /// - Throws: `MonteCarloError/insufficientSamples(needed:available:reason:)` for no chains
    ///   or fewer than 4 draws per chain; `MonteCarloError/dimensionMismatch(what:expected:actual:)`
    ///   for chains of unequal length; `MonteCarloError/nonFinite(quantity:index:)` naming the
    ///   chain and draw of a NaN or infinite value.
    /// - Complexity: O(S log S) for S draws in all (ranks and FFT autocovariances).
    /// - Statistical properties: measures how well the centre of the distribution is explored
    ///   (the ESS of the mean of the normal scores); defined without finite moments. For
    ///   independent draws it is about S (sampling error of order S · 2√(K/S) when Geyer's
    ///   sequence keeps K lags); for a stationary chain it estimates S/τ of the scores.
    public static func bulkEffectiveSampleSize(_ chains: [[Double]]) throws(MonteCarloError) -> Double {
        try validate(chains, minimumChains: 1)
        return try effectiveSampleSize(ofValidChains: normalScores(splitChains(chains)))
    }

    /// The tail effective sample size: the smaller of the ESS of the indicators 1{θ ≤ q_lower}
    /// and 1{θ ≤ q_upper} (split chains), the quantiles taken over all draws.
    ///
    /// ```swift
    /// let tail = try ChainDiagnostics.tailEffectiveSampleSize(chains)   // 5% and 95% quantiles
    /// ```
    ///
    /// - Parameters:
    ///   - chains: as ``bulkEffectiveSampleSize(_:)``.
    ///   - lower: the lower tail probability (default 0.05).
    ///   - upper: the upper tail probability (default 0.95).
    /// - Throws: as ``bulkEffectiveSampleSize(_:)``;
    ///   `MonteCarloError/invalidParameter(name:value:requirement:)` for a probability outside [0, 1].
    /// - Complexity: O(S log S) for S draws in all.
    /// - Statistical properties: the ESS relevant to the 5% and 95% quantiles (the ends of a
    ///   90% interval). The quantiles are R's type 7 (linear interpolation between order
    ///   statistics, `scipy.stats.mstats.mquantiles` with α = β = 1), as in ArviZ.
    public static func tailEffectiveSampleSize(
        _ chains: [[Double]], lower: Double = 0.05, upper: Double = 0.95
    ) throws(MonteCarloError) -> Double {
        try validate(chains, minimumChains: 1)
        for (name, p) in [("lower", lower), ("upper", upper)] where !(p >= 0 && p <= 1) {
            throw .invalidParameter(name: name, value: p, requirement: "a probability in [0, 1]")
        }
        let all = chains.flatMap { $0 }
        let sorted = all.sorted()
        var essOfTail: [Double] = []
        for p in [lower, upper] {
            let q = quantileType7(sorted: sorted, probability: p)
            let indicators = chains.map { $0.map { $0 <= q ? 1.0 : 0.0 } }
            essOfTail.append(try effectiveSampleSize(ofValidChains: splitChains(indicators)))
        }
        // Python's min: the second only when it is smaller (a NaN first value is kept).
        let result = essOfTail[1] < essOfTail[0] ? essOfTail[1] : essOfTail[0]
        return result
    }

    /// The effective sample size of the mean: the multi-chain ESS of the raw split chains.
    ///
    /// ```swift
    /// let essMean = try ChainDiagnostics.meanEffectiveSampleSize(chains)
    /// ```
    ///
    /// - Throws: as ``bulkEffectiveSampleSize(_:)``.
    /// - Complexity: O(S log S) for S draws in all.
    /// - Statistical properties: estimates S · Var(θ)/σ²_∞, S times the ratio of the variance
    ///   to the long-run variance, so that Var(θ̄) ≈ Var(θ)/ESS; needs a finite variance. For
    ///   a Gaussian AR(1) chain with coefficient ρ it tends to S(1 − ρ)/(1 + ρ).
    public static func meanEffectiveSampleSize(_ chains: [[Double]]) throws(MonteCarloError) -> Double {
        try validate(chains, minimumChains: 1)
        return try effectiveSampleSize(ofValidChains: splitChains(chains))
    }

    /// The Monte Carlo standard error of the mean of all draws: sd/√ESS_mean, sd the standard
    /// deviation of all draws pooled (divisor S − 1).
    ///
    /// ```swift
    /// let mcse = try ChainDiagnostics.meanStandardError(chains)
    /// print("\(mean) ± \(mcse)")
    /// ```
    ///
    /// - Throws: as ``bulkEffectiveSampleSize(_:)``.
    /// - Complexity: O(S log S) for S draws in all.
    /// - Statistical properties: an estimate of √Var(θ̄) for the pooled mean θ̄; consistent as
    ///   the chains grow when they are geometrically ergodic and θ has more than two moments.
    ///   Only trustworthy when R̂ ≤ 1.01: chains that have not mixed make it too small.
    public static func meanStandardError(_ chains: [[Double]]) throws(MonteCarloError) -> Double {
        try validate(chains, minimumChains: 1)
        let ess = try effectiveSampleSize(ofValidChains: splitChains(chains))
        return pooledStandardDeviation(chains) / ess.squareRoot()
    }

    /// The multi-chain ESS of the chains as given (not split, not rank-normalized; ArviZ's
    /// `method="identity"`).
    ///
    /// ```swift
    /// let ess = try ChainDiagnostics.effectiveSampleSize(chains)
    /// ```
    ///
    /// - Throws: as ``bulkEffectiveSampleSize(_:)``.
    /// - Complexity: O(S log S) for S draws in all (FFT autocovariances of each chain).
    /// - Statistical properties: as ``meanEffectiveSampleSize(_:)``, but blind to a trend
    ///   within a chain, which splitting turns into between-chain variance.
    public static func effectiveSampleSize(_ chains: [[Double]]) throws(MonteCarloError) -> Double {
        try validate(chains, minimumChains: 1)
        return try effectiveSampleSize(ofValidChains: chains)
    }

    // MARK: - Validation

    /// Checks the shape and the values: `minimumChains` chains or more, all of the same length,
    /// at least 4 draws each, every value finite.
    static func validate(_ chains: [[Double]], minimumChains: Int) throws(MonteCarloError) {
        guard chains.count >= max(1, minimumChains) else {
            throw .insufficientSamples(needed: max(1, minimumChains), available: chains.count,
                                       reason: minimumChains > 1 ? "chains for R̂ (chains, not draws)" : "chains (chains, not draws)")
        }
        let length = chains[0].count
        for (c, chain) in chains.enumerated() where chain.count != length {
            throw .dimensionMismatch(what: "draws of chain \(c) (every chain needs as many draws as chain 0)",
                                     expected: length, actual: chain.count)
        }
        guard length >= 4 else {
            throw .insufficientSamples(needed: 4, available: length, reason: "draws per chain for split-chain diagnostics")
        }
        for (c, chain) in chains.enumerated() {
            if let bad = chain.firstIndex(where: { !$0.isFinite }) {
                throw .nonFinite(quantity: "value of chain \(c)", index: bad)
            }
        }
    }

    // MARK: - Building blocks (validated input)

    /// Each chain's first ⌊n/2⌋ draws, then each chain's last ⌊n/2⌋ draws.
    static func splitChains(_ chains: [[Double]]) -> [[Double]] {
        let half = chains[0].count / 2
        return chains.map { Array($0[0..<half]) } + chains.map { Array($0[($0.count - half)...]) }
    }

    /// The normal scores of the ranks among all draws of all chains, in the same layout.
    static func normalScores(_ chains: [[Double]]) -> [[Double]] {
        let scores = RankNormalization.normalScores(chains.flatMap { $0 })
        let length = chains[0].count
        return chains.indices.map { c in Array(scores[(c * length)..<((c + 1) * length)]) }
    }

    /// √((B/W + N − 1)/N), B = N × the variance of the chain means, W the mean chain variance.
    static func rHat(ofChains chains: [[Double]]) -> Double {
        let n = Double(chains[0].count)
        let means = chains.map(mean)
        let within = chains.map(sampleVariance).reduce(0, +) / Double(chains.count)
        let between = n * sampleVariance(means)
        return ((between / within + n - 1) / n).squareRoot()
    }

    /// The multi-chain ESS (Geyer's initial monotone sequence on the multi-chain
    /// autocorrelation); see the type's discussion for the exact rules.
    static func effectiveSampleSize(ofValidChains chains: [[Double]]) throws(MonteCarloError) -> Double {
        let chainCount = chains.count, n = chains[0].count
        let total = Double(chainCount * n)
        var low = Double.infinity, high = -Double.infinity
        for chain in chains { for x in chain { low = min(low, x); high = max(high, x) } }
        if high - low < 1e-15 { return total }

        var autocovariances: [[Double]] = []
        autocovariances.reserveCapacity(chainCount)
        for chain in chains { autocovariances.append(try Autocovariances.estimate(chain)) }
        func meanAutocovariance(_ t: Int) -> Double {
            autocovariances.reduce(0) { $0 + $1[t] } / Double(chainCount)
        }
        let nd = Double(n)
        let meanVariance = meanAutocovariance(0) * nd / (nd - 1)
        var varPlus = meanVariance * (nd - 1) / nd
        if chainCount > 1 { varPlus += sampleVariance(chains.map(mean)) }
        func rho(_ t: Int) -> Double { 1 - (meanVariance - meanAutocovariance(t)) / varPlus }

        var rhoHat = [Double](repeating: 0, count: n)
        var even = 1.0
        var odd = rho(1)
        rhoHat[0] = even
        rhoHat[1] = odd
        // Initial positive sequence: pairs (t + 1, t + 2), t = 1, 3, …, kept while the previous
        // pair's sum is positive; a negative pair is computed but not stored.
        var t = 1
        while t < n - 3, even + odd > 0 {
            even = rho(t + 1)
            odd = rho(t + 2)
            if even + odd >= 0 {
                rhoHat[t + 1] = even
                rhoHat[t + 2] = odd
            }
            t += 2
        }
        let maxT = t - 2
        if even > 0 { rhoHat[maxT + 1] = even }
        // Initial monotone sequence.
        t = 1
        while t <= maxT - 2 {
            let previous = rhoHat[t - 1] + rhoHat[t]
            if rhoHat[t + 1] + rhoHat[t + 2] > previous {
                rhoHat[t + 1] = previous / 2
                rhoHat[t + 2] = rhoHat[t + 1]
            }
            t += 2
        }
        var sum = 0.0
        if maxT >= 0 { for k in 0...maxT { sum += rhoHat[k] } }
        var tau = -1 + 2 * sum + rhoHat[maxT + 1]
        tau = max(tau, 1 / log10(total))
        if rhoHat.contains(where: \.isNaN) { return .nan }
        return total / tau
    }

    /// The p-quantile of sorted values by linear interpolation between order statistics
    /// (R's type 7), written as `mquantiles(alphap=1, betap=1)` evaluates it.
    static func quantileType7(sorted x: [Double], probability p: Double) -> Double {
        let n = x.count
        if n == 1 { return x[0] }
        let aleph = Double(n) * p + (1 + p * (1 - 1 - 1))
        let k = Int(Swift.min(Swift.max(aleph, 1), Double(n - 1)).rounded(.down))
        let gamma = Swift.min(Swift.max(aleph - Double(k), 0), 1)
        return (1 - gamma) * x[k - 1] + gamma * x[k]
    }

    /// The median (mean of the two middle values for an even count).
    static func median(of values: [Double]) -> Double {
        let sorted = values.sorted()
        let n = sorted.count
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2
    }

    static func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(values.count) }

    /// The sample variance (divisor count − 1) about the mean.
    static func sampleVariance(_ values: [Double]) -> Double {
        let m = mean(values)
        return values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(values.count - 1)
    }

    /// The standard deviation of all draws pooled (divisor S − 1).
    static func pooledStandardDeviation(_ chains: [[Double]]) -> Double {
        sampleVariance(chains.flatMap { $0 }).squareRoot()
    }
}
