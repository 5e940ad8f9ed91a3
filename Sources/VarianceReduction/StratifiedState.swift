import MonteCarloCore

/// The state of stratified and post-stratified estimators: the moments of f within each stratum.
///
/// Stratum h keeps the count n_h, mean ȳ_h and sum of squared deviations of the values of f at
/// the draws that fell in it. Merging adds the strata one by one, so blocks, threads and shards
/// combine exactly as for a single stream of draws.
public struct StratifiedState: MergeableState, Hashable {
    /// Moments of f within each stratum, indexed by stratum.
    public internal(set) var strata: [RunningMoments]

    /// An empty state for `count` strata.
    public init(strata count: Int) {
        strata = Array(repeating: RunningMoments(), count: count)
    }

    public mutating func merge(_ other: StratifiedState) throws(MonteCarloError) {
        guard other.strata.count == strata.count else {
            throw .incompatibleStates("stratified states with \(strata.count) and \(other.strata.count) strata")
        }
        for h in strata.indices { strata[h].merge(other.strata[h]) }
    }

    /// The number of values in all strata.
    public var count: Int { strata.reduce(0) { $0 + $1.count } }

    /// The stratified estimate with equal stratum weights 1/H.
    ///
    /// Value Σ w_h ȳ_h; variance Σ w_h² s_h²/n_h with s_h² the unbiased sample variance within
    /// stratum h; Satterthwaite's degrees of freedom (Σ v_h)² / Σ v_h²/(n_h − 1), v_h = w_h² s_h²/n_h,
    /// for a Student-t interval; σ²_plain estimated by Σ w_h s_h² + Σ w_h (ȳ_h − ȳ)², the law of
    /// total variance with plug-in terms, and ESS = σ²_plain / variance.
    /// - Throws: `MonteCarloError/insufficientSamples(needed:available:reason:)` naming the first
    ///   stratum with fewer than 2 values.
    func estimate(method: String, declaredBias: String? = nil, figures: [String: Double] = [:]) throws(MonteCarloError) -> Estimate {
        guard !strata.isEmpty else {
            throw .insufficientSamples(needed: 1, available: 0, reason: "strata in the state")
        }
        let weight = 1 / Double(strata.count)
        for (h, moments) in strata.enumerated() where moments.count < 2 {
            throw .insufficientSamples(needed: 2, available: moments.count,
                                       reason: "in stratum \(h) of \(strata.count) to estimate its variance")
        }
        var value = 0.0, variance = 0.0, fourth = 0.0, within = 0.0
        for moments in strata {
            value += weight * moments.mean
            let v = weight * weight * moments.varianceOfMean
            variance += v
            fourth += v * v / Double(moments.count - 1)
            within += weight * moments.sampleVariance
        }
        var between = 0.0
        for moments in strata { between += weight * (moments.mean - value) * (moments.mean - value) }
        let evaluations = count
        let ess = Estimate.effectiveSampleSize(perDrawVariance: within + between, estimatorVariance: variance,
                                               evaluations: evaluations)
        // Satterthwaite's degrees of freedom; all strata constant leaves no spread to judge.
        let degreesOfFreedom = fourth > 0 ? variance * variance / fourth : Double(evaluations - strata.count)
        var allFigures = figures
        allFigures["strata"] = Double(strata.count)
        allFigures["smallestStratumCount"] = Double(strata.map(\.count).min() ?? 0)
        allFigures["varianceDegreesOfFreedom"] = degreesOfFreedom
        return Estimate(
            value: value, variance: variance, sampleCount: evaluations, effectiveSampleSize: ess,
            degreesOfFreedom: degreesOfFreedom,
            diagnostics: Diagnostics(method: method, varianceReductionFactor: ess / Double(evaluations),
                                     declaredBias: declaredBias, figures: allFigures))
    }
}
