import Foundation
import MonteCarloCore

/// The Kozachenko–Leonenko k-nearest-neighbour estimator of the differential entropy
/// H(X) = −E log f(X) in nats (Kozachenko & Leonenko 1987, in the form of Kraskov, Stögbauer &
/// Grassberger 2004), with the weighted version of Berrett, Samworth & Yuan (2019) in d ≥ 4.
///
/// With ρᵢ,ⱼ the max-norm distance from xᵢ to its j-th nearest neighbour among the other N − 1
/// points (ties ordered by index; the max-norm ball of radius ρ has volume (2ρ)ᵈ),
///
///     Ĥ = ψ(N) + (1/N) Σᵢ Σⱼ wⱼ [d log(2ρᵢ,ⱼ) − ψ(j)],
///
/// with the weights of ``weights(dimension:)``: wₖ = 1 (the plain estimator) unless d ≥ 4 and
/// `weighting` is ``Weighting/automatic``.
///
/// ```swift
/// let entropy = try KozachenkoLeonenkoEntropy(neighbors: 3, seed: 7).estimate(points)  // [[Double]]
/// print(entropy)  // H in nats ± its standard error
/// ```
///
/// **Statistical properties.** Consistent for densities with a finite moment of some order
/// (Kozachenko & Leonenko 1987). Bias: for a smooth density the plain estimator's leading bias
/// is of order (k/N)^(2/d) (and of order k/N · log N in d = 1, 2), which is not o(N^(−1/2)) in
/// d ≥ 4; the weights cancel the terms of order N^(−2ℓ/d), ℓ ≤ ⌊d/4⌋, so the weighted
/// estimator's smooth-density bias is o(N^(−1/2)) (Berrett, Samworth & Yuan 2019). Slowly
/// decaying tails and boundaries add bias the expansion does not cover. The bias is not
/// estimated. Measured on standard Gaussians with k = 3 (mean over 500 data sets − H, ± its
/// standard error): d = 1: −0.004 ± 0.002 at N = 500, −0.001 ± 0.001 at N = 2000; d = 3:
/// −0.049 ± 0.003 and −0.031 ± 0.001; d = 5 (weighted): −0.060 ± 0.008 and −0.027 ± 0.004. The
/// estimator underestimates H slightly there; the plain estimator in d = 5 is biased more
/// (−0.075 at N = 2000, k = 10, in a numpy replication).
///
/// *Variance.* `variance` estimates Var(Ĥ_N). The delete-one jackknife J_N is computed exactly
/// from one neighbour search of k + 1 neighbours: removing xⱼ drops its own term, changes ψ(N)
/// to ψ(N − 1), and in the terms of the points that have xⱼ among their k nearest shifts every
/// neighbour rank from xⱼ's onwards by one (ρᵢ,ᵣ → ρᵢ,ᵣ₊₁). The jackknife overestimates
/// Var(Ĥ) by a factor measured at 1.4–2.3 (largest in d = 1), so it is rescaled by that factor
/// measured on `subsampleBlocks` = m disjoint random blocks (`seed`): `variance` = J_N · s²/J̄_b,
/// s² the sample variance of the block estimates and J̄_b their mean jackknife
/// (`BlockRescaledJackknife`, as in ``KSGEstimator``). The interval is Student-t with m − 1
/// degrees of freedom. Measured reported/empirical variance over 500 Gaussian data sets per cell
/// (`EntropyCalibrationTests` with `MONTECARLO_CALIBRATION=full`): 0.96–1.06 for d ∈ {1, 3, 5},
/// N ∈ {500, 2000}, inside the χ² band 0.81–1.22; the unrescaled jackknife gives 1.4–2.3.
/// `figures`: `"jackknifeVariance"` (J_N), `"jackknifeOverestimation"` (J̄_b/s²),
/// `"subsampleMeanShift"` (mean block estimate − Ĥ: a bias self-check, since blocks of N/m
/// points have a larger bias of the same sign), `"pointTermVariance"` (sample variance of the
/// per-point terms / N). ESS = the sample variance of the per-point terms divided by `variance`.
///
/// - Complexity: one k-d tree search of k + 1 neighbours per point (O(N log N) expected in
///   low dimension), plus the same on each block, O(N k) for the jackknife. Points are
///   processed in 64 fixed chunks on all cores and summed in index order, so the result does
///   not depend on the thread count.
public struct KozachenkoLeonenkoEntropy: Sendable, Hashable, Codable {
    /// Which neighbour ranks enter the estimate.
    public enum Weighting: String, Sendable, Hashable, Codable {
        /// The weighted estimator of Berrett, Samworth & Yuan (2019) in d ≥ 4, the plain k-th
        /// neighbour estimator in d ≤ 3.
        case automatic
        /// The plain estimator on the k-th neighbour distances in every dimension.
        case unweighted
    }

    /// k, the number of neighbours (≥ 1; in d ≥ 4 with weights, large enough that the ranks
    /// ⌊ik/d⌋ take ⌊d/4⌋ + 1 distinct values).
    public var neighbors: Int
    /// Weighted (d ≥ 4) or plain.
    public var weighting: Weighting
    /// m, the number of disjoint blocks on which the jackknife's overestimation is measured (≥ 2).
    public var subsampleBlocks: Int
    /// Fixes the random blocks.
    public var seed: UInt64

    public init(neighbors: Int = 3, weighting: Weighting = .automatic, subsampleBlocks: Int = 8, seed: UInt64 = 0) {
        self.neighbors = neighbors
        self.weighting = weighting
        self.subsampleBlocks = subsampleBlocks
        self.seed = seed
    }

    /// Ĥ on all N points, without a variance.
    /// - Throws: `MonteCarloError/dimensionMismatch(what:expected:actual:)` for ragged rows;
    ///   `MonteCarloError/nonFinite(quantity:index:)` for NaN or ∞;
    ///   `MonteCarloError/invalidArgument(_:)` for a constant column or tied points with a zero
    ///   neighbour distance (log 0); `MonteCarloError/invalidParameter(name:value:requirement:)`
    ///   for a bad k; `MonteCarloError/insufficientSamples(needed:available:reason:)` for N ≤ k.
    public func value(_ sample: [[Double]]) throws(MonteCarloError) -> Double {
        try value(NeighborSample(sample, name: "the sample"))
    }

    /// One-dimensional convenience for ``value(_:)-([[Double]])``.
    public func value(_ sample: [Double]) throws(MonteCarloError) -> Double {
        try value(NeighborSample(line: sample, name: "the sample"))
    }

    /// Ĥ with its variance (the jackknife rescaled on blocks; see the type's discussion).
    /// - Throws: As ``value(_:)-([[Double]])``, and `insufficientSamples` when the blocks would
    ///   have fewer than k + 2 points (N < m(k + 2)).
    public func estimate(_ sample: [[Double]]) throws(MonteCarloError) -> Estimate {
        try estimate(NeighborSample(sample, name: "the sample"))
    }

    /// One-dimensional convenience for ``estimate(_:)-([[Double]])``.
    public func estimate(_ sample: [Double]) throws(MonteCarloError) -> Estimate {
        try estimate(NeighborSample(line: sample, name: "the sample"))
    }

    // MARK: - Implementation

    func value(_ sample: NeighborSample) throws(MonteCarloError) -> Double {
        let w = try weights(dimension: sample.dimension)
        return try Self.evaluate(sample, weights: w, jackknife: false).value
    }

    func estimate(_ sample: NeighborSample) throws(MonteCarloError) -> Estimate {
        let n = sample.count, k = neighbors, m = subsampleBlocks
        guard m >= 2 else { throw .invalidParameter(name: "subsampleBlocks", value: Double(m), requirement: "at least 2") }
        let w = try weights(dimension: sample.dimension)
        let blockSize = n / m
        guard blockSize >= k + 2 else {
            throw .insufficientSamples(needed: m * (k + 2), available: n,
                                       reason: "for \(m) subsample blocks of at least k + 2 = \(k + 2) points")
        }
        let full = try Self.evaluate(sample, weights: w, jackknife: true)
        let permutation = BlockRescaledJackknife.permutation(n, seed: seed, stream: 2)
        let rescaled = try BlockRescaledJackknife(jackknife: full.jackknife, blocks: m) { b throws(MonteCarloError) in
            let block = sample.subset(permutation[(b * blockSize)..<((b + 1) * blockSize)])
            let result = try Self.evaluate(block, weights: w, jackknife: true, chunks: 1)
            return (result.value, result.jackknife)
        }
        let weighted = w.last != 1
        return rescaled.estimate(
            value: full.value, pointTermVariance: full.pointTermVariance, sampleCount: n,
            method: weighted ? "kozachenko-leonenko-weighted" : "kozachenko-leonenko", coefficients: w,
            declaredBias: "Consistent; smooth-density bias of order (k/N)^(2/d) for the plain estimator"
                + (weighted ? ", cancelled to o(N^(−1/2)) by the weights" : "")
                + "; heavy tails and boundaries add more. On Gaussians it underestimates H slightly (not corrected).",
            figures: ["neighbors": Double(k), "dimension": Double(sample.dimension), "blockSize": Double(blockSize)])
    }

    /// The value, per-point term variance and (if asked) jackknife of Ĥ on one sample.
    struct Evaluation {
        var value: Double
        var pointTermVariance: Double
        var jackknife: Double
    }

    static func evaluate(_ sample: NeighborSample, weights w: [Double], jackknife wantsJackknife: Bool,
                         chunks: Int = 64) throws(MonteCarloError) -> Evaluation {
        let n = sample.count, d = Double(sample.dimension), k = w.count
        let search = wantsJackknife ? k + 1 : k
        guard n > search else {
            throw .insufficientSamples(needed: search + 1, available: n,
                                       reason: "for k = \(k) neighbours" + (wantsJackknife ? " and the jackknife" : ""))
        }
        let table = sample.neighbors(k: search, chunks: chunks)
        let lowest = w.firstIndex { $0 != 0 }! + 1
        let zeros = table.zeroDistances(atRank: lowest)
        guard zeros == 0 else {
            throw .invalidArgument("\(zeros) of \(n) points have a zero distance to their neighbour of rank \(lowest) (tied "
                + "points): log 0 = −∞, so the entropy estimate is meaningless; remove duplicates or add tie-breaking noise.")
        }
        // log ρ for every neighbour, and the per-point terms.
        var logDistance = [Double](repeating: 0, count: n * search)
        for t in 0..<(n * search) { logDistance[t] = log(table.distances[t]) }
        var rankConstant = 0.0
        for j in 1...k where w[j - 1] != 0 { rankConstant += w[j - 1] * (d * log(2.0) - digamma(Double(j))) }
        var terms = [Double](repeating: 0, count: n)
        for i in 0..<n {
            var term = digamma(Double(n)) + rankConstant
            for j in 1...k where w[j - 1] != 0 { term += w[j - 1] * d * logDistance[i * search + j - 1] }
            terms[i] = term
        }
        var moments = RunningMoments()
        moments.add(contentsOf: terms)
        var evaluation = Evaluation(value: moments.mean, pointTermVariance: moments.sampleVariance, jackknife: 0)
        guard wantsJackknife else { return evaluation }
        // Leave xⱼ out: Σ_{i≠j} tᵢ − (N − 1)(ψ(N) − ψ(N − 1)) + Σ over the i with xⱼ at rank s ≤ k of
        // Cᵢ(s) = Σ_{r ≥ s} w_r d (log ρᵢ,ᵣ₊₁ − log ρᵢ,ᵣ), all divided by N − 1.
        let total = moments.mean * Double(n)
        let shift = Double(n - 1) * (digamma(Double(n)) - digamma(Double(n - 1)))
        var leaveOneOut = [Double](repeating: 0, count: n)
        for j in 0..<n { leaveOneOut[j] = total - terms[j] - shift }
        for i in 0..<n {
            var tail = 0.0
            for s in stride(from: k, through: 1, by: -1) {
                let r = i * search + s - 1
                if w[s - 1] != 0 { tail += w[s - 1] * d * (logDistance[r + 1] - logDistance[r]) }
                leaveOneOut[table.indices[r]] += tail
            }
        }
        for j in 0..<n { leaveOneOut[j] /= Double(n - 1) }
        evaluation.jackknife = BlockRescaledJackknife.jackknife(leaveOneOut)
        return evaluation
    }
}
