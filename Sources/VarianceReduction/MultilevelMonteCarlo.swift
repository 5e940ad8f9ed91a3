import Foundation
import MonteCarloCore

/// Multilevel Monte Carlo (Giles 2008): lim E[P_ℓ] to a target root-mean-square error at the
/// smallest cost, from a hierarchy of coupled approximations.
///
/// The estimator is the telescoping sum Ŷ = Σ_{ℓ=0}^{L} (1/N_ℓ) Σ_i (P_ℓ − P_{ℓ−1})⁽ⁱ⁾ of
/// independent level means, each from coupled samples of a ``CoupledLevelSampler``. Given a
/// target ε it follows Giles' algorithm (2015, §2.1), splitting ε² evenly between variance and
/// squared bias:
///
/// 1. a pilot of N₀ samples on levels 0…L₀ estimates the per-level variances V_ℓ;
/// 2. the allocation N_ℓ = ⌈(2/ε²) √(V_ℓ/C_ℓ) Σ_k √(V_k C_k)⌉, which minimises the cost Σ N_ℓ C_ℓ
///    subject to Σ V_ℓ/N_ℓ ≤ ε²/2, is topped up level by level;
/// 3. once no level needs more than 1% more samples, the remaining bias is extrapolated from the
///    last three levels, |E[P − P_L]| ≈ max_j |m_{L−j}| 2^{−jα} / (2^α − 1); while it exceeds ε/√2 a
///    level is added (its variance first extrapolated as V_{L}2^{−β}) and step 2 repeats.
///
/// The rates α (weak order), β (variance decay) and γ (cost growth) are fitted by least squares
/// over levels ℓ ≥ 1 (``MultilevelRates``) unless given, with α, β floored at ½ and the level
/// means and variances floored at half the value the previous level and the rate predict, as in
/// Giles' code, so that a level whose few samples happen to be near zero is not starved.
///
/// ```swift
/// let sampler = try EuropeanCallLevelSampler(option: option, scheme: .milstein)
/// let report = try MultilevelMonteCarlo(sampler: sampler).run(rootMeanSquareError: 1e-2, seed: 7)
/// print(report.estimate, report.biasBound ?? .nan, report.stopReason)
/// ```
///
/// **Statistical properties.** Ŷ is unbiased for E[P_L], the finest level used; its bias for the
/// limit, E[P_L] − lim E[P_ℓ], is *not* in `variance`: it is declared in the diagnostics
/// (``MultilevelReport/biasBound``, figure `biasBound`) from the weak-error extrapolation,
/// which assumes the asymptotic rate α already holds on the last levels. `variance` is
/// Σ_ℓ V̂_ℓ/N_ℓ with V̂_ℓ the unbiased sample variance of level ℓ's differences (the levels are
/// independent); the interval is normal and does not include the bias. N_ℓ is chosen from the
/// same samples' variances, a dependence that Giles' analysis and practice treat as negligible
/// at these sample sizes. ESS is Var̂(P_L)/`variance`: the number of plain Monte Carlo draws of
/// the finest approximation P_L that give the same variance (plain Monte Carlo of P_L has the
/// same bias); `sampleCount` is Σ_ℓ N_ℓ coupled samples.
///
/// **Reproducibility.** Every draw at level ℓ comes from a stream of `RandomStreams(seed:)`
/// reserved for that level and that top-up, and the allocation uses declared costs, never
/// timings: the result depends on the seed only, not on ``threadCount``.
///
/// - Complexity: the expected cost to reach ε is O(ε⁻²) for β > γ, O(ε⁻²(log ε)²) for β = γ and
///   O(ε^{−2−(γ−β)/α}) for β < γ (Giles 2008, Theorem 3.1).
public struct MultilevelMonteCarlo<S: CoupledLevelSampler>: Sendable {
    /// The coupled level sampler.
    public let sampler: S
    /// Samples per level in the pilot, N₀.
    public let pilotSamples: Int
    /// The pilot's finest level, L₀ (levels 0…L₀ are piloted).
    public let minimumLevel: Int
    /// Rates to use instead of fitting them, if known.
    public let rates: MultilevelRates?
    /// The largest total cost Σ N_ℓ C_ℓ to spend (in the sampler's unit).
    public let maximumCost: Double
    /// Threads to use (the numbers do not depend on it).
    public let threadCount: Int

    /// The fewest samples any level gets, so that its variance is defined.
    static var minimumSamplesPerLevel: Int { 16 }

    /// Creates the estimator.
    /// - Parameters:
    ///   - sampler: the coupled levels.
    ///   - pilotSamples: N₀ ≥ 16 samples per pilot level (default 1000).
    ///   - minimumLevel: L₀, the pilot's finest level (default 2; at least 2 when `rates` is nil,
    ///     so that two levels ≥ 1 are there to fit them; capped at the sampler's finest level).
    ///   - rates: known α, β, γ, or nil to fit them.
    ///   - maximumCost: a cap on Σ N_ℓ C_ℓ (default none). When the next round would exceed it,
    ///     its top-ups are scaled down to fit and the run stops (`reachedCostCap`); a level not
    ///     yet started that would get fewer than 2 samples is left out, so the report covers the
    ///     levels below it.
    ///   - threadCount: threads to use (default: all active cores).
    /// - Throws: `MonteCarloError/invalidParameter(name:value:requirement:)` for a bad setting or
    ///   a sampler whose finest level is negative or above 255.
    public init(sampler: S, pilotSamples: Int = 1000, minimumLevel: Int = 2, rates: MultilevelRates? = nil,
                maximumCost: Double = .infinity, threadCount: Int = ProcessInfo.processInfo.activeProcessorCount)
        throws(MonteCarloError)
    {
        guard sampler.maximumLevel >= 0, sampler.maximumLevel < 256 else {
            throw .invalidParameter(name: "maximumLevel", value: Double(sampler.maximumLevel), requirement: "between 0 and 255")
        }
        guard pilotSamples >= Self.minimumSamplesPerLevel else {
            throw .invalidParameter(name: "pilotSamples", value: Double(pilotSamples), requirement: "at least \(Self.minimumSamplesPerLevel)")
        }
        let pilotLevel = min(minimumLevel, sampler.maximumLevel)
        guard pilotLevel >= (rates == nil ? 2 : 0) else {
            throw .invalidParameter(name: "minimumLevel", value: Double(minimumLevel),
                                    requirement: "at least 2 (and the sampler must offer level 2) when the rates are to be fitted")
        }
        guard maximumCost > 0, !maximumCost.isNaN else {
            throw .invalidParameter(name: "maximumCost", value: maximumCost, requirement: "positive")
        }
        guard threadCount >= 1 else {
            throw .invalidParameter(name: "threadCount", value: Double(threadCount), requirement: "at least 1")
        }
        self.sampler = sampler
        self.pilotSamples = pilotSamples
        self.minimumLevel = pilotLevel
        self.rates = rates
        self.maximumCost = maximumCost
        self.threadCount = threadCount
    }

    // MARK: - Runs

    /// Runs Giles' algorithm to the root-mean-square error `rootMeanSquareError`.
    /// - Parameters:
    ///   - epsilon: the target ε: variance ≤ ε²/2 and estimated bias ≤ ε/√2.
    ///   - seed: the seed of the random streams.
    /// - Throws: `MonteCarloError/invalidParameter(name:value:requirement:)` for a non-positive
    ///   target or a non-positive cost; `MonteCarloError/nonFinite(quantity:index:)` naming the
    ///   level when the sampler returns NaN or ∞;
    ///   `MonteCarloError/insufficientSamples(needed:available:reason:)` when ``maximumCost`` does
    ///   not allow 2 samples on level 0.
    public func run(rootMeanSquareError epsilon: Double, seed: UInt64) throws(MonteCarloError) -> MultilevelReport {
        guard epsilon > 0, epsilon.isFinite else {
            throw .invalidParameter(name: "rootMeanSquareError", value: epsilon, requirement: "finite and positive")
        }
        var run = try LevelRun(self, seed: seed)
        var additional = [Int](repeating: pilotSamples, count: minimumLevel + 1)
        var biasTargetMissed = false
        let varianceBudget = epsilon * epsilon / 2
        let biasTarget = epsilon / 2.squareRoot()
        while true {
            let planned = zip(additional, run.costs).reduce(0.0) { $0 + Double($1.0) * $1.1 }
            if run.spent + planned > maximumCost {
                let fraction = max(0, (maximumCost - run.spent) / planned)
                for l in additional.indices { additional[l] = Int((Double(additional[l]) * fraction).rounded(.down)) }
                // A level not yet started that the cap leaves with fewer than 2 samples (no
                // variance) is not started: the report covers the levels below it.
                while run.finestLevel > 0, run.counts[run.finestLevel] == 0, additional[run.finestLevel] < 2 {
                    run.removeFinestLevel()
                    additional.removeLast()
                }
                try run.draw(additional)
                return try run.report(.reachedCostCap, target: epsilon)
            }
            try run.draw(additional)
            let shape = run.shape()
            additional = run.topUp(shape, varianceBudget: varianceBudget)
            let nearlyDone = zip(additional, run.counts).allSatisfy { Double($0) <= 0.01 * Double($1) }
            if nearlyDone {
                // The variance is (nearly) on target: is the bias too?
                if let bias = shape.biasBound, bias <= biasTarget {
                    biasTargetMissed = false
                } else if shape.biasBound != nil, run.finestLevel < sampler.maximumLevel {
                    try run.addLevel()
                    additional = run.topUp(run.shape(), varianceBudget: varianceBudget)
                    continue
                } else {
                    biasTargetMissed = true
                }
            }
            if additional.allSatisfy({ $0 == 0 }) {
                return try run.report(biasTargetMissed ? .reachedMaximumLevel : .reachedTarget, target: epsilon)
            }
        }
    }

    /// Draws a fixed number of coupled samples on each level 0…(count − 1) and reports the
    /// level figures and fitted rates (for measuring a hierarchy's rates, or a fixed budget).
    /// - Parameters:
    ///   - samplesPerLevel: N_ℓ ≥ 2 for each level ℓ, at most the sampler's finest level + 1 entries.
    ///   - seed: the seed of the random streams.
    public func run(samplesPerLevel: [Int], seed: UInt64) throws(MonteCarloError) -> MultilevelReport {
        guard !samplesPerLevel.isEmpty, samplesPerLevel.count <= sampler.maximumLevel + 1 else {
            throw .invalidParameter(name: "samplesPerLevel.count", value: Double(samplesPerLevel.count),
                                    requirement: "between 1 and the sampler's finest level + 1 (\(sampler.maximumLevel + 1))")
        }
        for n in samplesPerLevel where n < 2 {
            throw .invalidParameter(name: "samplesPerLevel", value: Double(n), requirement: "at least 2 on every level")
        }
        var run = try LevelRun(self, seed: seed, levels: samplesPerLevel.count - 1)
        try run.draw(samplesPerLevel)
        return try run.report(.reachedSampleCounts, target: nil)
    }
}
