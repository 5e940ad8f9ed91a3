import Foundation
import MonteCarloCore

/// Randomized multilevel Monte Carlo (Rhee & Glynn 2015): i.i.d. replicates Z with E[Z] = lim E[P_ℓ]
/// exactly, from a coupled level hierarchy and a random level N.
///
/// With Δ_ℓ = P_ℓ − P_{ℓ−1} (Δ₀ = P₀) from a ``CoupledLevelSampler`` and N drawn from a
/// ``GeometricLevelDistribution`` p on 0…L:
/// - the **single-term** estimator is Z = Δ_N / p_N, one coupled sample at the random level;
/// - the **coupled-sum** estimator is Z = Σ_{ℓ=0}^{N} Δ_ℓ / P(N ≥ ℓ), all levels up to N from one
///   path (``CoupledLevelSampler/pathDifferences(throughLevel:into:using:)``; a sampler that does
///   not override it draws the levels independently: the *independent-sum* estimator).
///
/// Both have E[Z] = Σ_{ℓ≤L} E[Δ_ℓ] = E[P_L]. The estimate is the mean of n replicates, run by
/// ``MonteCarloDriver`` like any other ``MonteCarloEstimator`` (blocks, stopping rules, threads,
/// shards).
///
/// ```swift
/// let sampler = try EuropeanCallLevelSampler(option: option, scheme: .milstein)
/// let estimator = try RandomizedMultilevelMonteCarlo.calibrated(sampler: sampler, form: .singleTerm, seed: 1)
/// let estimate = try estimator.run(samples: 100_000, seed: 2)   // unbiased for Black–Scholes
/// ```
///
/// **Choosing p.** ``calibrated(sampler:form:pilotLevels:pilotSamples:seed:)`` measures β and γ
/// on a pilot (independent of the replicates, so the estimate stays unbiased) and takes
/// r = (β + γ)/2. The variance and the expected cost per replicate are finite as L → ∞ only when
/// β > γ; when the measured β does not exceed γ by two standard errors, every estimate carries a
/// warning: its variance (or cost) grows without bound with the truncation level L, and the
/// interval may be far too short.
///
/// **Statistical properties.** Unbiased for E[P_L], L the distribution's (and sampler's) finest
/// level; its bias for the limit, E[P] − E[P_L], is the weak error at 2^L steps, declared in the
/// diagnostics (for the reference problems, L = 20 makes it ~10⁻⁶ relative; an infinite L would
/// be exactly unbiased, as in Rhee & Glynn). `variance` is s²/n, the unbiased sample variance of
/// the n i.i.d. replicates over n; the interval is normal. ESS is n, the number of replicates
/// (there is no plain Monte Carlo estimator of the limit to compare with); the figure
/// `meanCostPerReplicate` gives the work per replicate in the sampler's cost unit.
public struct RandomizedMultilevelMonteCarlo<S: CoupledLevelSampler>: MonteCarloEstimator {
    /// Which unbiased estimator.
    public enum Form: String, Sendable, Hashable, Codable, CaseIterable {
        /// Z = Δ_N / p_N.
        case singleTerm
        /// Z = Σ_{ℓ≤N} Δ_ℓ / P(N ≥ ℓ).
        case coupledSum
    }

    /// The coupled level sampler.
    public let sampler: S
    /// The estimator's form.
    public let form: Form
    /// The distribution of the random level.
    public let levels: GeometricLevelDistribution
    /// The rates the distribution was chosen from, if known.
    public let rates: MultilevelRates?
    /// Warnings attached to every estimate (infinite variance or cost in the limit).
    public let warnings: [String]

    /// Creates the estimator with a given level distribution.
    /// - Parameters:
    ///   - sampler: the coupled levels.
    ///   - form: single-term or coupled-sum.
    ///   - levels: the distribution of the random level (its finest level at most the sampler's).
    ///   - rates: the decay rates behind `levels`, if known: they decide the warning.
    /// - Throws: `MonteCarloError/invalidParameter(name:value:requirement:)` when the
    ///   distribution's finest level exceeds the sampler's.
    public init(sampler: S, form: Form, levels: GeometricLevelDistribution, rates: MultilevelRates? = nil)
        throws(MonteCarloError)
    {
        guard levels.maximumLevel <= sampler.maximumLevel else {
            throw .invalidParameter(name: "levels.maximumLevel", value: Double(levels.maximumLevel),
                                    requirement: "at most the sampler's finest level \(sampler.maximumLevel)")
        }
        for l in 0...levels.maximumLevel {
            let cost = sampler.cost(level: l)
            guard cost.isFinite, cost > 0 else {
                throw .invalidParameter(name: "cost(level: \(l))", value: cost, requirement: "finite and positive")
            }
        }
        self.sampler = sampler
        self.form = form
        self.levels = levels
        self.rates = rates
        warnings = rates.flatMap(Self.infiniteVarianceWarning) ?? []
    }

    /// Creates the estimator with r = (β + γ)/2 from `rates`, over the sampler's levels.
    /// - Throws: as ``init(sampler:form:levels:rates:)``.
    public init(sampler: S, form: Form, rates: MultilevelRates) throws(MonteCarloError) {
        let rate = max((rates.beta + rates.gamma) / 2, 0.01)
        try self.init(sampler: sampler, form: form,
                      levels: try GeometricLevelDistribution(rate: rate, maximumLevel: sampler.maximumLevel), rates: rates)
    }

    /// Measures β and γ on a pilot of `pilotSamples` coupled samples on each of levels
    /// 0…`pilotLevels` (streams of `seed`, which the replicates must not reuse), then creates the
    /// estimator with r = (β + γ)/2.
    /// - Throws: the pilot's errors (``MultilevelMonteCarlo/run(samplesPerLevel:seed:)``), or
    ///   `MonteCarloError/insufficientSamples(needed:available:reason:)` when the pilot's level
    ///   variances are all zero.
    public static func calibrated(sampler: S, form: Form, pilotLevels: Int = 6, pilotSamples: Int = 2000,
                                  seed: UInt64) throws(MonteCarloError) -> Self {
        guard pilotLevels >= 2, pilotLevels <= sampler.maximumLevel else {
            throw .invalidParameter(name: "pilotLevels", value: Double(pilotLevels),
                                    requirement: "between 2 and the sampler's finest level \(sampler.maximumLevel)")
        }
        let pilot = try MultilevelMonteCarlo(sampler: sampler, pilotSamples: max(pilotSamples, 16))
            .run(samplesPerLevel: [Int](repeating: pilotSamples, count: pilotLevels + 1), seed: seed)
        let fitted = pilot.levels.dropFirst()
        // Second moments E[Δ²] = V + m² decide the single-term variance; their decay is β's.
        let rates = try MultilevelRates(levels: fitted.map(\.level), means: fitted.map(\.mean),
                                        variances: fitted.map { $0.variance + $0.mean * $0.mean },
                                        costs: fitted.map(\.cost))
        return try Self(sampler: sampler, form: form, rates: rates)
    }

    /// The warning for rates with β not clearly above γ, or nil.
    static func infiniteVarianceWarning(_ rates: MultilevelRates) -> [String]? {
        let margin = 2 * (rates.betaStandardError ?? 0)
        guard rates.beta - rates.gamma <= margin else { return nil }
        return ["Variance warning: the variance decay β = \(rates.beta) does not exceed the cost growth γ = \(rates.gamma)"
            + (margin > 0 ? " by two standard errors (\(margin))" : "")
            + ", so the randomized estimator's variance or expected cost is infinite in the limit of infinitely many "
            + "levels and grows with the finest level; the error bar may be far too small. Use MultilevelMonteCarlo, "
            + "or a scheme with a faster variance decay (e.g. Milstein)."]
    }

    // MARK: - MonteCarloEstimator

    public var preferredBlockSize: Int { 1024 }

    public func makeState() -> RandomizedMultilevelState { RandomizedMultilevelState() }

    public func accumulate(_ count: Int, firstIndex: Int, into state: inout RandomizedMultilevelState,
                           using generator: inout Xoshiro256PlusPlus) throws(MonteCarloError) {
        var differences = [Double](repeating: 0, count: levels.maximumLevel + 1)
        var cost = 0.0
        for i in 0..<count {
            let level = levels.sample(using: &generator)
            var z = 0.0
            switch form {
            case .singleTerm:
                z = sampler.sample(level: level, using: &generator).difference / levels.probability(level)
                cost += sampler.cost(level: level)
            case .coupledSum:
                sampler.pathDifferences(throughLevel: level, into: &differences, using: &generator)
                for l in 0...level {
                    z += differences[l] / levels.tailProbability(l)
                    cost += sampler.cost(level: l)
                }
            }
            guard z.isFinite else {
                throw .nonFinite(quantity: "randomized multilevel replicate (level \(level) difference)", index: firstIndex + i)
            }
            state.replicates.add(z)
            state.finestLevel = max(state.finestLevel, level)
        }
        state.cost += cost
    }

    public func estimate(from state: RandomizedMultilevelState) throws(MonteCarloError) -> Estimate {
        let z = state.replicates
        guard z.count >= 2 else {
            throw .insufficientSamples(needed: 2, available: z.count, reason: "to estimate a variance")
        }
        var figures: [String: Double] = [
            "levelRate": levels.rate, "maximumLevel": Double(levels.maximumLevel),
            "finestLevelDrawn": Double(state.finestLevel), "meanCostPerReplicate": state.cost / Double(z.count),
        ]
        if let rates {
            figures["beta"] = rates.beta
            figures["gamma"] = rates.gamma
        }
        return Estimate(
            value: z.mean, variance: z.varianceOfMean, sampleCount: z.count, effectiveSampleSize: Double(z.count),
            diagnostics: Diagnostics(
                method: form == .singleTerm ? "rmlmc-single-term" : "rmlmc-coupled-sum", varianceReductionFactor: 1,
                declaredBias: "Unbiased for E[P_\(levels.maximumLevel)]; the weak error of level \(levels.maximumLevel) "
                    + "relative to the limit is not included",
                figures: figures, warnings: warnings))
    }
}
