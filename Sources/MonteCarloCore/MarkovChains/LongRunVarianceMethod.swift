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
///
/// **Short chains.** The plain batch-means, overlapping batch-means and Bartlett spectral
/// estimators underestimate by about Γ/b (see each case), which shows on short, slowly mixing
/// chains. Measured in notebook 05's full run (`calibration-table-full.md`, R = 1000): on AR(1)
/// ρ = 0.8 and MALA chains of 4 × 250 draws (b = ⌊√250⌋ = 15 per chain, τ ≈ 9 on the AR(1)),
/// the three reported 0.75–0.84 of the empirical variance of the mean and covered 90.7–92.3% at
/// nominal 95%; their lugsail forms reported 1.03–1.18 and Geyer's sequences (`auto`) 0.95–1.04,
/// all covering 93.4–96.5%. On one chain of 1000 all passed (0.86–1.10). Prefer `auto` or a
/// lugsail form when the chains are short.
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
    /// vectors here. Its premise is positive pair sums: for a series where some true Γₘ < 0
    /// (not a reversible chain; e.g. an MA(2) with γ₂ < 0) the sequence stops there and the
    /// estimate converges to the truncated sum, not σ²_∞.
    case initialSequence(InitialSequence = .monotone)
    /// The recommended default: Geyer's initial monotone sequence for a scalar series, lugsail
    /// overlapping batch means (b = ⌊√n⌋) for vectors.
    ///
    /// ```swift
    /// let r = try LongRunVarianceMethod.auto.estimate(chains: [chain1, chain2, chain3, chain4])
    /// try r.meanEstimate.confidenceInterval(level: 0.95)
    /// ```
    ///
    /// Measured coverage (%) of the 95% interval of the mean (each method with its own degrees
    /// of freedom) on AR(1) chains x_t = ρx_{t−1} + √(1−ρ²)e_t started in stationarity, n draws
    /// in total as 1 chain or 4 chains of n/4, 2000 replications per cell (binomial standard
    /// error ≈ 0.5 points), measured with `swift build -c release --product chainbench &&
    /// .build/release/chainbench --coverage 2000`:
    ///
    /// | ρ | n | chains | BM √n | BM ∛n | lugsail BM | OBM | lugsail OBM | SV Bartlett | lugsail Bartlett | SV Tukey–Hanning | lugsail TH | Geyer positive | Geyer monotone |
    /// |---|---|---|---|---|---|---|---|---|---|---|---|---|---|
    /// | 0.0 | 250 | 1 | 94.3 | 94.5 | 97.9 | 94.3 | 96.5 | 93.2 | 95.8 | 93.5 | 96.0 | 94.4 | 94.3 |
    /// | 0.0 | 250 | 4 | 94.3 | 94.3 | 96.2 | 94.3 | 95.5 | 93.9 | 94.9 | 93.9 | 95.1 | 94.7 | 94.7 |
    /// | 0.0 | 1000 | 1 | 95.7 | 95.7 | 96.9 | 95.3 | 96.5 | 95.1 | 96.0 | 95.1 | 96.2 | 96.0 | 95.8 |
    /// | 0.0 | 1000 | 4 | 95.8 | 95.8 | 96.7 | 95.6 | 96.0 | 95.6 | 96.1 | 95.6 | 96.1 | 96.0 | 95.8 |
    /// | 0.0 | 10000 | 1 | 95.1 | 95.0 | 96.1 | 95.2 | 95.7 | 95.0 | 95.7 | 95.0 | 95.7 | 95.3 | 95.2 |
    /// | 0.0 | 10000 | 4 | 95.2 | 95.0 | 95.8 | 95.2 | 95.3 | 95.2 | 95.3 | 95.1 | 95.3 | 95.3 | 95.2 |
    /// | 0.5 | 250 | 1 | 93.2 | 90.8 | 97.8 | 92.8 | 96.2 | 91.9 | 95.2 | 93.0 | 96.5 | 93.7 | 93.2 |
    /// | 0.5 | 250 | 4 | 92.2 | 86.7 | 97.0 | 91.3 | 95.9 | 90.6 | 95.5 | 91.7 | 96.8 | 93.6 | 93.2 |
    /// | 0.5 | 1000 | 1 | 95.2 | 93.8 | 96.5 | 94.8 | 96.2 | 94.5 | 95.8 | 95.0 | 96.3 | 95.9 | 95.7 |
    /// | 0.5 | 1000 | 4 | 94.8 | 92.5 | 97.0 | 94.7 | 96.5 | 94.5 | 96.3 | 95.0 | 96.7 | 95.9 | 95.8 |
    /// | 0.5 | 10000 | 1 | 94.8 | 94.3 | 96.0 | 95.0 | 95.8 | 94.8 | 95.7 | 94.9 | 95.8 | 95.3 | 95.3 |
    /// | 0.5 | 10000 | 4 | 95.0 | 93.8 | 95.8 | 94.8 | 95.5 | 94.5 | 95.3 | 95.0 | 95.5 | 95.3 | 95.2 |
    /// | 0.8 | 250 | 1 | 89.3 | 79.5 | 97.4 | 88.5 | 95.4 | 87.5 | 94.3 | 88.5 | 96.2 | 90.7 | 90.4 |
    /// | 0.8 | 250 | 4 | 83.5 | 69.7 | 94.1 | 82.7 | 92.0 | 81.9 | 91.2 | 82.8 | 92.7 | 91.2 | 90.8 |
    /// | 0.8 | 1000 | 1 | 93.5 | 87.8 | 96.8 | 93.6 | 96.5 | 93.2 | 95.8 | 94.0 | 97.2 | 94.7 | 94.4 |
    /// | 0.8 | 1000 | 4 | 91.2 | 82.2 | 96.9 | 90.8 | 96.3 | 90.5 | 96.2 | 91.7 | 96.7 | 94.8 | 94.5 |
    /// | 0.8 | 10000 | 1 | 94.5 | 91.5 | 96.2 | 94.8 | 96.2 | 94.5 | 95.9 | 94.9 | 96.0 | 95.1 | 95.0 |
    /// | 0.8 | 10000 | 4 | 93.9 | 88.6 | 96.3 | 93.7 | 96.2 | 93.7 | 96.2 | 94.5 | 96.8 | 95.2 | 95.0 |
    /// | 0.9 | 250 | 1 | 83.0 | 66.3 | 94.5 | 81.3 | 91.5 | 80.1 | 90.1 | 81.3 | 91.6 | 87.3 | 86.8 |
    /// | 0.9 | 250 | 4 | 73.0 | 55.1 | 86.7 | 72.5 | 84.3 | 70.8 | 83.2 | 71.8 | 83.8 | 88.5 | 88.2 |
    /// | 0.9 | 1000 | 1 | 91.0 | 78.1 | 96.7 | 90.5 | 95.7 | 90.2 | 95.3 | 91.2 | 96.3 | 93.6 | 93.3 |
    /// | 0.9 | 1000 | 4 | 84.6 | 68.5 | 93.5 | 84.3 | 93.0 | 84.0 | 92.3 | 84.8 | 93.3 | 93.9 | 93.7 |
    /// | 0.9 | 10000 | 1 | 93.7 | 87.0 | 96.4 | 93.7 | 96.3 | 93.5 | 96.2 | 94.5 | 96.7 | 95.2 | 94.9 |
    /// | 0.9 | 10000 | 4 | 91.8 | 82.3 | 96.5 | 91.8 | 96.4 | 91.8 | 96.3 | 92.7 | 97.1 | 95.3 | 95.0 |
    ///
    /// Mean |coverage − 95| over the cells with n ≥ 1000 (all cells), lowest coverage at
    /// n = 1000: Geyer monotone 0.51 (1.52), 93.3%; Geyer positive 0.55 (1.45), 93.6%; lugsail
    /// Bartlett 0.99 (1.61), 92.3%; lugsail OBM 1.13 (1.66), 93.0%; lugsail TH 1.32 (1.82),
    /// 93.3%; lugsail BM 1.44 (1.84), 93.5%; plain BM/OBM/SV 1.4–2.0 (3.6–4.2), 84–85%; BM with
    /// b = ⌊n^{1/3}⌋ 6.3 (9.3), 68.5%.
    ///
    /// **Why this default.** Geyer's initial monotone sequence is closest to 95% where it
    /// matters (n ≥ 1000: within 1.7 points everywhere, ≥ 93.3% at n = 1000 and ρ = 0.9,
    /// 94.4–94.7% at ρ = 0.8), has no tuning constant, and is the estimator Stan and ArviZ use, so
    /// results agree with theirs. Plain batch means and spectral windows undercover by 5–10 points
    /// at ρ = 0.9 (their −Γ/b bias); the lugsail versions fix that but overcover by 1–2 points
    /// almost everywhere. The initial *monotone* sequence is preferred over the positive one
    /// (the same coverage within noise) because it is never larger and less variable (Geyer
    /// 1992). At n = 250 with ρ = 0.9 every method undercovers (Geyer 87–88%; lugsail BM 87–95%):
    /// such chains hold only ~13 effective draws.
    ///
    /// For vectors (``LongRunCovariance``; initial sequences are scalar) `.auto` is lugsail
    /// overlapping batch means with b = ⌊√n⌋: the vector-capable method whose lowest coverage
    /// at n = 1000 is highest (93.0%), mean deviation 1.13 at n ≥ 1000.
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

    /// The concrete method `.auto` stands for with a scalar series (other methods are
    /// returned unchanged): `.initialSequence(.monotone)`.
    public var resolved: LongRunVarianceMethod {
        if case .auto = self { return .initialSequence(.monotone) }
        return self
    }

    /// The concrete method `.auto` stands for with vectors (other methods are returned
    /// unchanged): `.overlappingBatchMeans(.squareRoot, lugsail: true)`.
    public var resolvedForVectors: LongRunVarianceMethod {
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
