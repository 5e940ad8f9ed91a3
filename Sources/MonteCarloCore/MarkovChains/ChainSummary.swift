import Foundation

/// The summary of one quantity drawn by several Markov chains, as `arviz.summary` reports it:
/// mean ± MCSE, standard deviation, bulk and tail ESS, and rank-normalized split-R̂, with
/// warnings when the error bar cannot be trusted.
///
/// ```swift
/// let summary = try ChainSummary(name: "beta.1", chains: [chain1, chain2, chain3, chain4])
/// print(summary.estimate)            // mean ± MCSE, ESS of the mean
/// summary.rHat                       // want ≤ 1.01
/// summary.warnings                   // empty when R̂ ≤ 1.01 and both ESS ≥ 100 per chain
/// ```
///
/// **Statistical properties.** The MCSE is sd/√ESS_mean (``ChainDiagnostics/meanStandardError(_:)``),
/// valid for chains that have converged and mixed. Following Vehtari, Gelman, Simpson,
/// Carpenter & Bürkner (2021), the summary warns when R̂ exceeds 1.01 (the chains disagree, so
/// the MCSE understates the error) and when the bulk or tail ESS is below 100 per chain (R̂
/// and the MCSE themselves are then too noisy to rely on). R̂ needs at least two chains; with
/// one it is `nil` and a warning says so.
public struct ChainSummary: Sendable, Hashable, Codable {
    /// The quantity's name (a column name), or "" when none was given.
    public let name: String
    /// The number of chains M.
    public let chainCount: Int
    /// The number of draws N in each chain.
    public let drawsPerChain: Int
    /// The mean of all M N draws.
    public let mean: Double
    /// The standard deviation of all draws (divisor MN − 1), the spread of the quantity itself.
    public let standardDeviation: Double
    /// The Monte Carlo standard error of ``mean``: sd/√ESS_mean.
    public let meanStandardError: Double
    /// The ESS of the mean (raw split chains), which the MCSE uses.
    public let meanEffectiveSampleSize: Double
    /// The bulk ESS (rank-normalized split chains).
    public let bulkEffectiveSampleSize: Double
    /// The tail ESS (5% and 95% quantile indicators).
    public let tailEffectiveSampleSize: Double
    /// The rank-normalized split-R̂, `nil` for a single chain.
    public let rHat: Double?
    /// Why the error bar may not be trusted; empty when every check passed.
    public let warnings: [String]

    /// The R̂ threshold above which the summary warns (Vehtari et al. 2021).
    public static let rHatThreshold = 1.01
    /// The bulk and tail ESS per chain below which the summary warns (Vehtari et al. 2021).
    public static let effectiveSampleSizePerChainThreshold = 100.0

    /// Summarizes the draws `chains[c][i]` (draw i of chain c) of one quantity.
    ///
    /// ```swift
    /// let summary = try ChainSummary(name: "mu", chains: chains)
    /// ```
    ///
    /// - Parameters:
    ///   - name: the quantity's name, used in the warnings.
    ///   - chains: one or more chains of equal length, at least 4 draws each.
    /// - Throws: `MonteCarloError/insufficientSamples(needed:available:reason:)` for no chains
    ///   or fewer than 4 draws per chain; `MonteCarloError/dimensionMismatch(what:expected:actual:)`
    ///   for chains of unequal length; `MonteCarloError/nonFinite(quantity:index:)` naming the
    ///   chain and draw of a NaN or infinite value.
    /// - Complexity: O(S log S) for S draws in all (sorts and FFT autocovariances).
    public init(name: String = "", chains: [[Double]]) throws(MonteCarloError) {
        try ChainDiagnostics.validate(chains, minimumChains: 1)
        self.name = name
        chainCount = chains.count
        drawsPerChain = chains[0].count
        let all = chains.flatMap { $0 }
        mean = ChainDiagnostics.mean(all)
        standardDeviation = ChainDiagnostics.sampleVariance(all).squareRoot()
        meanEffectiveSampleSize = try ChainDiagnostics.meanEffectiveSampleSize(chains)
        meanStandardError = standardDeviation / meanEffectiveSampleSize.squareRoot()
        bulkEffectiveSampleSize = try ChainDiagnostics.bulkEffectiveSampleSize(chains)
        tailEffectiveSampleSize = try ChainDiagnostics.tailEffectiveSampleSize(chains)
        rHat = chains.count >= 2 ? try ChainDiagnostics.rankNormalizedSplitRHat(chains) : nil

        let label = name.isEmpty ? "" : "\(name): "
        var warnings: [String] = []
        if let rHat {
            if !(rHat <= Self.rHatThreshold) {
                warnings.append(label + "R̂ = \(Self.format(rHat, decimals: 3)) > \(Self.rHatThreshold): the chains have not mixed, "
                                + "so the error bar cannot be trusted; run longer chains or fix the sampler.")
            }
        } else {
            warnings.append(label + "R̂ needs at least 2 chains; convergence is not checked.")
        }
        let floor = Self.effectiveSampleSizePerChainThreshold * Double(chainCount)
        for (kind, ess) in [("bulk", bulkEffectiveSampleSize), ("tail", tailEffectiveSampleSize)] where !(ess >= floor) {
            warnings.append(label + "\(kind) ESS = \(Self.format(ess, decimals: 0)) < \(Int(floor)) (100 per chain): "
                            + "R̂ and the MCSE are unreliable; run longer chains.")
        }
        self.warnings = warnings
    }

    /// The mean as an ``Estimate``: variance MCSE², sample count MN, ESS the ESS of the mean,
    /// and the R̂ and ESS figures in its diagnostics.
    public var estimate: Estimate {
        var figures = ["bulkESS": bulkEffectiveSampleSize, "tailESS": tailEffectiveSampleSize,
                       "standardDeviation": standardDeviation]
        if let rHat { figures["rHat"] = rHat }
        return Estimate(value: mean, variance: meanStandardError * meanStandardError,
                        sampleCount: chainCount * drawsPerChain, effectiveSampleSize: meanEffectiveSampleSize,
                        diagnostics: Diagnostics(method: "mcmc-mean(chains=\(chainCount))", figures: figures,
                                                 warnings: warnings))
    }

    static func format(_ x: Double, decimals: Int) -> String {
        x.isFinite ? String(format: "%.\(decimals)f", x) : (x.isNaN ? "nan" : "inf")
    }
}
