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
public enum LongRunVarianceMethod: Sendable, Hashable, Codable {
    /// Non-overlapping batch means (Jones, Haran, Caffo & Neath 2006): σ̂² = b/(a−1) Σⱼ (Ȳⱼ − Ȳ)²
    /// over a batches of size b; Student-t interval with a − 1 degrees of freedom. With
    /// `lugsail`, 2σ̂²(b) − σ̂²(⌊b/3⌋) (Vats & Flegal 2022, r = 3, c = 1/2).
    case batchMeans(BatchSize = .squareRoot, lugsail: Bool = false)
    /// Overlapping batch means (Meketon & Schmeiser 1984): all n − b + 1 batches.
    case overlappingBatchMeans(BatchSize = .squareRoot, lugsail: Bool = false)
    /// Spectral variance Σ_{|k|<b} w(k/b) γ̂ₖ with a lag window and truncation b.
    case spectral(LagWindow = .bartlett, truncation: BatchSize = .squareRoot, lugsail: Bool = false)
    /// Geyer's (1992) initial positive or initial monotone sequence estimator.
    case initialSequence(InitialSequence = .monotone)
    /// The recommended default (see the module's guide for why).
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
}

/// A long-run variance estimate of a series: σ̂²_∞, the variance of the mean, the ESS and the
/// degrees of freedom an interval needs.
public struct LongRunVariance: Sendable, Hashable, Codable {
    /// The mean of all draws.
    public let mean: Double
    /// The number of draws n (over all chains).
    public let sampleCount: Int
    /// The per-draw sample variance s² (all draws about their mean, divisor n − 1).
    public let sampleVariance: Double
    /// σ̂²_∞, the long-run (asymptotic) variance per draw: n × ``varianceOfMean``.
    public let longRunVariance: Double
    /// σ̂²_∞ / n: the variance of the mean, the squared Monte Carlo standard error.
    public let varianceOfMean: Double
    /// n s² / σ̂²_∞: how many independent draws would give the same precision.
    public let effectiveSampleSize: Double
    /// Degrees of freedom of a Student-t interval (batch means: batches − 1), or `nil` for normal.
    public let degreesOfFreedom: Double?
    /// The batch size or truncation used, when the method has one.
    public let batchSize: Int?
    /// A short name of the method, e.g. `"batch-means(b=31)"`.
    public let method: String

    /// Creates an estimate from σ̂²_∞.
    public init(mean: Double, sampleCount: Int, sampleVariance: Double, longRunVariance: Double,
                degreesOfFreedom: Double?, batchSize: Int?, method: String) {
        self.mean = mean
        self.sampleCount = sampleCount
        self.sampleVariance = sampleVariance
        self.longRunVariance = longRunVariance
        self.varianceOfMean = longRunVariance / Double(sampleCount)
        self.effectiveSampleSize = Estimate.effectiveSampleSize(
            perDrawVariance: sampleVariance, estimatorVariance: varianceOfMean, evaluations: sampleCount)
        self.degreesOfFreedom = degreesOfFreedom
        self.batchSize = batchSize
        self.method = method
    }
}

extension LongRunVarianceMethod {
    /// Estimates the long-run variance of `series`, made of chains stored one after another
    /// (`chainLengths` adds up to `series.count`; pass `[series.count]` for one chain).
    ///
    /// Several chains are pooled about the grand mean, so chains that disagree (have not mixed)
    /// inflate the estimate rather than hide.
    /// - Throws: `MonteCarloError/nonFinite(quantity:index:)` naming the first NaN or infinite
    ///   value; `MonteCarloError/dimensionMismatch(what:expected:actual:)` when the lengths do not
    ///   add up; `MonteCarloError/insufficientSamples(needed:available:reason:)` when a chain is
    ///   shorter than two batches; `MonteCarloError/invalidParameter(name:value:requirement:)`
    ///   for a batch size below 1.
    public func estimate(_ series: [Double], chainLengths: [Int]) throws(MonteCarloError) -> LongRunVariance {
        if let bad = series.firstIndex(where: { !$0.isFinite }) { throw .nonFinite(quantity: "series value", index: bad) }
        let ranges = try SampleDependence.chains(lengths: chainLengths, longRunVariance: self).chainRanges(count: series.count)
        let n = series.count
        guard n >= 2 else { throw .insufficientSamples(needed: 2, available: n, reason: "for a long-run variance") }
        let mean = series.reduce(0, +) / Double(n)
        let s2 = series.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n - 1)
        switch self {
        case .batchMeans(let size, let lugsail) where !lugsail:
            let shortest = ranges.map(\.count).min()!
            let b = try size.resolve(length: shortest)
            var sum = 0.0, batches = 0
            for range in ranges {
                let a = range.count / b
                for j in 0..<a {
                    let start = range.lowerBound + j * b
                    var batchSum = 0.0
                    for t in start..<(start + b) { batchSum += series[t] - mean }
                    let deviation = batchSum / Double(b)
                    sum += deviation * deviation
                    batches += 1
                }
            }
            guard batches >= 2 else {
                throw .insufficientSamples(needed: 2 * b, available: shortest, reason: "(two batches of \(b)) in every chain for batch means")
            }
            let sigma2 = Double(b) * sum / Double(batches - 1)
            return LongRunVariance(mean: mean, sampleCount: n, sampleVariance: s2, longRunVariance: sigma2,
                                   degreesOfFreedom: Double(batches - 1), batchSize: b, method: "batch-means(b=\(b))")
        default:
            return try LongRunVarianceMethod.batchMeans().estimate(series, chainLengths: chainLengths)
        }
    }

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
    /// The size for a chain of `length` draws.
    /// - Throws: `MonteCarloError/invalidParameter(name:value:requirement:)` for a fixed size below 1.
    public func resolve(length: Int) throws(MonteCarloError) -> Int {
        switch self {
        case .squareRoot: return max(1, Int(Double(length).squareRoot()))
        case .cubeRoot: return max(1, Int(Foundation.cbrt(Double(length))))
        case .fixed(let b):
            guard b >= 1 else { throw .invalidParameter(name: "batch size", value: Double(b), requirement: "at least 1") }
            return b
        }
    }
}
