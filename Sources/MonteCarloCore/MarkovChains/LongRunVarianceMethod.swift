import Foundation

/// How to estimate the long-run variance σ²_∞ = Var(f)(1 + 2 Σₖ ρₖ) of a stationary series, and
/// from it the variance of the series' mean.
///
/// For draws x₁ … xₙ of an ergodic Markov chain, √n (f̄ − μ) → N(0, σ²_∞); the i.i.d. formula
/// s²/n is too small by the integrated autocorrelation time τ = σ²_∞ / Var(f).
///
/// ```swift
/// let result = try LongRunVarianceMethod.batchMeans().estimate(series, chainLengths: [series.count])
/// result.varianceOfMean        // σ̂²_∞ / n
/// result.effectiveSampleSize   // n s² / σ̂²_∞
/// ```
///
/// **Several chains.** Chains are stored one after another (`chainLengths`). Every method
/// centres all draws at the grand mean, never forms a batch or a lag product across a chain
/// boundary, and pools the per-chain sums with weights ∝ chain length; chains that disagree
/// (have not mixed) therefore inflate the estimate instead of hiding. The batch size (or
/// truncation) comes from the *shortest* chain's length, so that all batches have one size.
///
/// **Guards (every method).** The reported σ̂²_∞ is never negative or NaN:
/// 1. a lugsail estimate below the plain estimate of the same method and size is replaced by
///    the plain one (the lugsail correction exists to remove the downward O(1/b) bias, so an
///    estimate pushed *below* the plain one is noise);
/// 2. then σ̂²_∞ is raised to at least s² / max(1, log₁₀ n) — Stan's cap ESS ≤ n log₁₀ n. This
///    catches Tukey–Hanning windows and initial sequences that come out ≤ 0 on antithetic or
///    periodic series, and a zero batch-means spread of a non-constant series (ESS = ∞).
/// 3. A constant series (all draws equal) has σ̂²_∞ = s² = 0 and ESS = n.
public enum LongRunVarianceMethod: Sendable, Hashable, Codable {
    /// Non-overlapping batch means (Jones, Haran, Caffo & Neath 2006): σ̂² = b/(a−1) Σⱼ (Ȳⱼ − Ȳ)²
    /// over a batches of size b; Student-t interval with a − 1 degrees of freedom. With
    /// `lugsail`, 2σ̂²(b) − σ̂²(⌊b/3⌋) (Vats & Flegal 2022, r = 3, c = 1/2).
    ///
    /// ```swift
    /// let r = try LongRunVarianceMethod.batchMeans(.cubeRoot, lugsail: true).estimate(series)
    /// ```
    ///
    /// **Statistical properties.** For a geometrically ergodic chain with finite 2 + δ moments,
    /// BM is consistent when b → ∞ and a = n/b → ∞ (Jones et al. 2006; Flegal & Jones 2010).
    /// Bias −Γ/b + O(1/n), Γ = 2 Σₖ k γₖ (so it *underestimates* for positively correlated
    /// chains); variance ≈ 2σ⁴/a. b = ⌊√n⌋ balances neither exactly (the MSE-optimal b ∝ n^{1/3})
    /// but gives a intervals with enough degrees of freedom. Lugsail BM has bias +Γ/b (the
    /// first-order term changes sign: slightly conservative) and variance ≈ 6σ⁴/a; its degrees
    /// of freedom are Satterthwaite's ν = 2/Var(σ̂²_L/σ²) computed exactly for independent
    /// normal batch means, 2(a−1)(2/(a−1) − 1/(3a−1))² + 4a/(3a−1)² = 2/ν, ν ≈ a/3.
    case batchMeans(BatchSize = .squareRoot, lugsail: Bool = false)
    /// Overlapping batch means (Meketon & Schmeiser 1984): all n − b + 1 batches.
    ///
    /// σ̂² = n b / ((n − b)(n − b + 1)) Σⱼ (Ȳⱼ(b) − Ȳ)² for one chain (Flegal & Jones 2010);
    /// with several chains, b n/(n − b) times the mean squared deviation over all full windows.
    ///
    /// **Statistical properties.** Same bias −Γ/b as BM (OBM ≈ the Bartlett spectral estimator),
    /// variance ≈ (4/3)σ⁴ b/n, two thirds of BM's; consistent under the BM conditions. Degrees of
    /// freedom ν = (n − b)/(b ∫₋₁¹ w²) with the Bartlett window, ∫w² = 2/3 (lugsail: 46/27),
    /// Satterthwaite's match to that variance (Priestley 1981).
    case overlappingBatchMeans(BatchSize = .squareRoot, lugsail: Bool = false)
    /// Spectral variance Σ_{|k|<b} w(k/b) γ̂ₖ with a lag window and truncation b.
    ///
    /// With `lugsail` the window is w_L(x) = 2w(x) − w(3x), computed as 2 σ̂²(b) − σ̂²(⌊b/3⌋)
    /// (the truncation of the second term rounded down to an integer, at least 1).
    ///
    /// **Statistical properties.** Bias −(Σₖ |k| γₖ) w″-order terms: O(1/b) for Bartlett
    /// (−Γ/b), O(1/b²) for Tukey–Hanning (its window is flat at 0), plus O(b/n) from the
    /// divisor-n autocovariances; variance ≈ 2σ⁴ (b/n) ∫₋₁¹ w² (Parzen 1957; ∫w² = 2/3 Bartlett,
    /// 3/4 Tukey–Hanning). Consistent when b → ∞ and b/n → 0 (Damerdji 1991; Flegal & Jones
    /// 2010). The Tukey–Hanning window is not positive definite, so its estimate can be ≤ 0 (see
    /// the guards). Degrees of freedom ν = (n − b)/(b ∫w²) (Satterthwaite).
    case spectral(LagWindow = .bartlett, truncation: BatchSize = .squareRoot, lugsail: Bool = false)
    /// Geyer's (1992) initial positive or initial monotone sequence estimator.
    ///
    /// σ̂² = −γ̂₀ + 2 Σ_{m<M} Γₘ with pair sums Γₘ = γ̂₂ₘ + γ̂₂ₘ₊₁, M the first m with Γₘ ≤ 0
    /// (monotone: Γₘ replaced by min(Γₘ, Γₘ₋₁)). Normal interval (no degrees of freedom).
    ///
    /// **Statistical properties.** For a reversible chain the true pair sums are positive and
    /// decreasing (Geyer 1992), so truncating at the first non-positive estimate is a data-driven
    /// window; the estimator is consistent-from-above in the sense that it asymptotically does
    /// not underestimate (Geyer 1992, Theorem 3.2). No tuning constant; O(n) for fast-mixing
    /// chains (lags are computed in doubling ranges), O(n log n) otherwise. Not defined for
    /// vectors here.
    case initialSequence(InitialSequence = .monotone)
    /// The recommended default: lugsail overlapping batch means with b = ⌊√n⌋.
    ///
    /// ```swift
    /// let r = try LongRunVarianceMethod.auto.estimate(chains: [chain1, chain2, chain3, chain4])
    /// try r.meanEstimate.confidenceInterval(level: 0.95)
    /// ```
    ///
    /// AUTO_TABLE_PLACEHOLDER
    ///
    /// For vectors (``LongRunCovariance``) `.auto` is the same method.
    case auto

    /// A batch size (or spectral truncation) rule.
    public enum BatchSize: Sendable, Hashable, Codable {
        /// b = ⌊√n⌋ (R's `mcmcse` "sqroot").
        case squareRoot
        /// b = ⌊n^{1/3}⌋ (`mcmcse` "cuberoot").
        case cubeRoot
        /// An explicit size.
        case fixed(Int)
    }

    /// A lag window w(x), |x| ≤ 1.
    public enum LagWindow: Sendable, Hashable, Codable {
        /// w(x) = 1 − |x|.
        case bartlett
        /// w(x) = (1 + cos πx) / 2.
        case tukeyHanning
    }

    /// Which of Geyer's initial sequences truncates the autocovariance sum.
    public enum InitialSequence: Sendable, Hashable, Codable {
        /// Sum the pair sums Γₘ = γ̂₂ₘ + γ̂₂ₘ₊₁ while they are positive.
        case positive
        /// As `positive`, also forcing Γₘ ≤ Γₘ₋₁.
        case monotone
    }

    /// The concrete method `.auto` stands for (other methods are returned unchanged).
    public var resolved: LongRunVarianceMethod {
        if case .auto = self { return .overlappingBatchMeans(.squareRoot, lugsail: true) }
        return self
    }
}

extension LongRunVarianceMethod {
    /// The i.i.d. formula s²/n as a ``LongRunVariance`` (σ̂²_∞ = s², ESS = n, normal interval).
    /// - Throws: `MonteCarloError/insufficientSamples(needed:available:reason:)` for fewer than 2
    ///   values; `MonteCarloError/nonFinite(quantity:index:)` for a NaN or infinite value.
    public static func independent(_ series: [Double]) throws(MonteCarloError) -> LongRunVariance {
        guard series.count >= 2 else {
            throw .insufficientSamples(needed: 2, available: series.count, reason: "for a variance")
        }
        if let bad = series.firstIndex(where: { !$0.isFinite }) { throw .nonFinite(quantity: "series value", index: bad) }
        var moments = RunningMoments()
        moments.add(contentsOf: series)
        return LongRunVariance(mean: moments.mean, sampleCount: series.count, sampleVariance: moments.sampleVariance,
                               longRunVariance: moments.sampleVariance, degreesOfFreedom: nil, batchSize: nil,
                               method: "independent")
    }
}

extension LongRunVarianceMethod.BatchSize {
    /// The size for a chain of `length` draws: ⌊√length⌋, ⌊length^{1/3}⌋ (exact for perfect
    /// squares and cubes, whatever the rounding of `sqrt`/`cbrt`), or the fixed size.
    /// - Throws: `MonteCarloError/invalidParameter(name:value:requirement:)` for a fixed size below 1.
    public func resolve(length: Int) throws(MonteCarloError) -> Int {
        switch self {
        case .squareRoot: return max(1, Self.integerRoot(length, degree: 2))
        case .cubeRoot: return max(1, Self.integerRoot(length, degree: 3))
        case .fixed(let b):
            guard b >= 1 else { throw .invalidParameter(name: "batch size", value: Double(b), requirement: "at least 1") }
            return b
        }
    }

    /// The largest r ≥ 0 with r^degree ≤ n: the floating-point root corrected by integer checks
    /// (cbrt(1000) is 9.999… in some libms).
    static func integerRoot(_ n: Int, degree: Int) -> Int {
        guard n > 0 else { return 0 }
        func power(_ r: Int) -> Int {
            var result = 1
            for _ in 0..<degree {
                let (product, overflow) = result.multipliedReportingOverflow(by: r)
                if overflow { return Int.max }
                result = product
            }
            return result
        }
        var r = Int((degree == 2 ? Double(n).squareRoot() : Foundation.cbrt(Double(n))).rounded())
        while r > 0 && power(r) > n { r -= 1 }
        while power(r + 1) <= n { r += 1 }
        return r
    }
}
