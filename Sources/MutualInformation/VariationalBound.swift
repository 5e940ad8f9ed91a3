import Foundation
import MonteCarloCore

/// A variational (critic-based) estimator of the mutual information I(X; Y), evaluated on a
/// ``ScoreMatrix`` S[i, j] = T(xᵢ, yⱼ).
///
/// With D = (1/B) Σᵢ Sᵢᵢ (the joint term) and means over the B(B − 1) off-diagonal pairs:
/// - ``nwj``: D − e⁻¹ · mean_{i≠j} e^{Sᵢⱼ} (Nguyen–Wainwright–Jordan 2010). Tight at S = 1 + log r.
/// - ``donskerVaradhan``: D − log mean_{i≠j} e^{Sᵢⱼ} (DV; the MINE value, Belghazi et al. 2018),
///   computed with a max-shifted log-sum-exp. Invariant under S → S + c; tight at S = log r + c.
/// - ``infoNCE``: log B + (1/B) Σᵢ [Sᵢᵢ − log Σⱼ e^{Sᵢⱼ}] (van den Oord et al. 2018). Each bracket
///   is ≤ 0, so the value never exceeds log B. Rows are normalised (over yⱼ for fixed xᵢ).
/// - ``jensenShannon(_:)``: the value to report for a critic trained on the Jensen–Shannon
///   objective, whose optimum is T = log r: NWJ at S + 1 (`.nwjShifted`) or DV at S
///   (`.donskerVaradhan`). NWJ at S itself would be low by e⁻¹ at the JS optimum (Poole et al.
///   2019; Song & Ermon 2020). The JS objective −E_P softplus(−T) − E_Q softplus(T) is reported in
///   `diagnostics.figures["jensenShannonObjective"]`.
/// - ``smile(tau:)``: D − log mean_{i≠j} clip(e^{Sᵢⱼ}, e^{−τ}, e^{τ}) (Song & Ermon 2020); the
///   diagonal term is not clipped. τ = ∞ is DV.
///
/// ```swift
/// let scores = try ScoreMatrix(x: xs, y: ys, critic: critic)
/// let estimate = try VariationalBound.smile(tau: 5).estimate(from: scores)
/// print(estimate)  // 1.98 ± 0.11 (n = 64, ESS = 40)
/// ```
public enum VariationalBound: Sendable, Hashable, Codable {
    /// How to turn a critic trained on the Jensen–Shannon objective (optimum T = log r) into an
    /// MI value.
    public enum JensenShannonEvaluation: String, Sendable, Hashable, Codable {
        /// NWJ evaluated at S + 1 (tight at the JS optimum).
        case nwjShifted
        /// DV evaluated at S (shift-invariant, so the JS optimum is also a DV optimum).
        case donskerVaradhan
    }

    /// Nguyen–Wainwright–Jordan: D − e⁻¹ mean_{i≠j} e^{Sᵢⱼ}; a lower bound, tight at S = 1 + log r.
    case nwj
    /// Donsker–Varadhan (the MINE value): D − log mean_{i≠j} e^{Sᵢⱼ}.
    case donskerVaradhan
    /// InfoNCE / CPC: log B + mean_i[Sᵢᵢ − log Σⱼ e^{Sᵢⱼ}] ≤ log B.
    case infoNCE
    /// The MI value of a critic trained on the Jensen–Shannon objective.
    case jensenShannon(JensenShannonEvaluation)
    /// SMILE: DV with the partition terms clipped to [e^{−τ}, e^{τ}]; τ > 0 (∞ gives DV).
    case smile(tau: Double)

    /// A short name used in diagnostics.
    public var name: String {
        switch self {
        case .nwj: "nwj"
        case .donskerVaradhan: "dv"
        case .infoNCE: "infonce"
        case .jensenShannon(.nwjShifted): "js-nwj(S+1)"
        case .jensenShannon(.donskerVaradhan): "js-dv"
        case .smile(let tau): "smile(tau=\(tau))"
        }
    }

    func validate() throws(MonteCarloError) {
        if case .smile(let tau) = self, !(tau > 0) {
            throw .invalidParameter(name: "tau", value: tau, requirement: "positive (use .infinity for DV)")
        }
    }

    /// The bound's value on one batch, without a variance.
    ///
    /// - Throws: `MonteCarloError/invalidParameter(name:value:requirement:)` for τ ≤ 0;
    ///   `MonteCarloError/nonFinite(quantity:index:)` if the NWJ partition term overflows.
    /// - Complexity: O(B²) exponentials.
    public func value(of scores: ScoreMatrix) throws(MonteCarloError) -> Double {
        try validate()
        switch self {
        case .infoNCE: return InfoNCEComputation(scores).value
        default: return try PartitionComputation(self, scores, withVariance: false).value
        }
    }

    /// The bound on one batch with a variance that keeps the row, column and pair terms of the
    /// score matrix.
    ///
    /// - Parameter scores: B ≥ 4 pairs (the variance estimator needs two disjoint off-diagonal pairs).
    /// - Returns: An `Estimate` whose `sampleCount` is B. `diagnostics.figures` holds
    ///   `batchSize`, `logBatchSize` (InfoNCE's ceiling), `jointTerm` (D), `logPartition`
    ///   (log of the off-diagonal mean, for the partition bounds), `maxNegativeShare`,
    ///   `negativeWeightESS` and `paretoK` (the tail of the off-diagonal e^S terms),
    ///   `linearisedVariance` and `nonlinearityCorrection` (the two parts of the variance of the
    ///   partition bounds, see below), and for ``jensenShannon(_:)`` the JS objective
    ///   `jensenShannonObjective`.
    /// - Throws: `MonteCarloError/insufficientSamples(needed:available:reason:)` for B < 4,
    ///   and the errors of ``value(of:)``.
    /// - Complexity: O(B²) time, split over all cores in a fixed number of work items merged in a
    ///   fixed order (the result does not depend on the thread count); O(B) extra memory per
    ///   work item, plus the tail diagnostic's M = min(B(B − 1)/5, 3√(B(B − 1)), 949) values.
    ///   InfoNCE makes a second pass over the matrix for its pair sums. The B² exponentials use a
    ///   branch-free, vectorisable e^x accurate to 2.2 ulp, so the last bits can differ from an
    ///   evaluation with the C library's `exp`.
    ///
    /// **Statistical properties.** `variance` estimates the variance of this batch's value over
    /// repeated batches of B i.i.d. pairs zᵢ = (xᵢ, yᵢ) with the critic held fixed (a critic
    /// fitted on the same batch is not covered: fit it on a separate split). Every entry Sᵢⱼ
    /// depends on two pairs, so the value is (to first order) a U-statistic of order 2 in the zᵢ;
    /// its variance (4(B − 2)ζ₁ + 2ζ₂)/(B(B − 1)) has a row/column part ζ₁ and a pair part ζ₂,
    /// and both are estimated. The only independence assumed is between distinct pairs zᵢ, zⱼ.
    /// - NWJ and JS at S + 1 (linear in the partition mean Ẑ = mean_{i≠j} φ(Sᵢⱼ), φ = e^{S−1} or
    ///   e^S): the exact U-statistic with kernel h(zᵢ, zⱼ) = (Sᵢᵢ + Sⱼⱼ)/2 − (φᵢⱼ + φⱼᵢ)/2, and
    ///   `variance` is its unbiased variance estimate: U² minus the U-statistic of order 4 for
    ///   θ² over disjoint pairs-of-pairs, computed in O(B²) from row and column sums. The ζ₂ term
    ///   matters: at the optimal critic E_y e^{T(x, y)} = 1 for every x, so ζ₁ of the partition
    ///   term vanishes and its variance is 2 Var_Q(r)/(B(B − 1)) = 2(e^{2I} − 1)/(B(B − 1)) for
    ///   correlated Gaussians. Unbiased (no approximation).
    /// - DV, JS at S (DV) and SMILE (D − log Ẑ, φ = e^S or its clip): the same unbiased estimate
    ///   for the linearisation D − Ẑ/Ẑ_batch, plus half the excess of the delete-one jackknife
    ///   over the pair index (deleting pair k removes row k, column k and Sₖₖ; the deleted
    ///   values are exact, from row and column sums) over the jackknife of the linearisation.
    ///   The linearisation misses the curvature of log Ẑ, which dominates when a few large e^{Sᵢⱼ}
    ///   carry Ẑ (for DV with d = 20, B = 64 below, it alone gave 0.67 of the empirical variance
    ///   at I = 6 and 0.37 at I = 10); the jackknife sees it but, by the Efron–Stein inequality, counts a
    ///   pair-level term once per index of the pair, so about twice: half its excess is the
    ///   correction. The linear part is unbiased; the correction is a first-order device whose
    ///   accuracy was measured, not proved.
    /// - InfoNCE: linearised in the row means Ẑᵢ = (1/B)Σⱼ e^{Sᵢⱼ}, the value is
    ///   mean_i aᵢ − (1/B)Σ_{i≠j} pᵢⱼ (pᵢⱼ the row softmax, aᵢ = log pᵢᵢ − pᵢᵢ), a U-statistic
    ///   with kernel (aᵢ + aⱼ)/2 − (B − 1)(pᵢⱼ + pⱼᵢ)/2 whose variance is estimated without bias
    ///   as above. (The first-order influence function alone, Σₖ IFₖ²/(B(B − 1)), was 0.5–0.9 of
    ///   the truth: it drops ζ₂.)
    /// - If the estimate is not positive (its own noise can exceed a tiny true variance), the
    ///   delete-one jackknife of the linearised kernel, conservative by Efron–Stein, is used and a
    ///   warning says so.
    /// - Calibration measured (mean reported over empirical variance of R independent batches,
    ///   exact critic, d independent correlated Gaussian pairs): 0.97–1.11 for every bound at
    ///   I = 2, 4, 6, 8, 10 with d = 20, B = 64, R = 2000 (the full run of
    ///   `BoundVarianceCalibrationTests`, which checks χ² bounds over 200 batches at I = 2, 6, 10 by
    ///   default); 0.91–1.07 in a numpy replication with R = 1000 at d = 50, B = 64 and d = 20,
    ///   B = 128. NWJ's e^S have no finite fourth moment there, so its empirical variance is itself
    ///   unstable (0.89–1.03 across seeds at I ≥ 6). In the extreme d = 5, B = 32 (2 nats per
    ///   coordinate pair at I = 10), DV's and SMILE's are conservative by up to 1.45× at I ≥ 8,
    ///   where DV overshoots I by 2–7 nats anyway.
    /// - Bias: NWJ is unbiased for its bound E_P T − E_Q e^{T−1} ≤ I; at S = 1 + log r it is
    ///   unbiased for I. DV and SMILE are biased upward at finite B (E[−log Ẑ] ≥ −log E Ẑ,
    ///   about Var(Ẑ)/(2Ẑ²)), which is declared. SMILE is not a bound; clipping trades bias for
    ///   a variance ≤ (e^τ − e^{−τ})²/(4·#negatives). InfoNCE ≤ log B always and its expectation
    ///   is below I; a warning is added within 1 nat of log B.
    /// - Heavy tails: Var_Q(e^T) ≥ e^I − 1 at the optimal critic, and its sample estimate is
    ///   unreliable; a warning is added when the largest off-diagonal e^S is more than 10% of
    ///   their sum or the Pareto k̂ of those terms is ≥ 0.7. The variance estimate and the spread
    ///   of the values then miss the same rare pairs, so they agree with each other while both
    ///   fall short of the truth; trust batch-to-batch spread (``VariationalBoundAccumulator``)
    ///   over many batches, or use SMILE/InfoNCE.
    /// - ESS: Var̂(Sᵢᵢ) / `variance`, the number of joint draws with which a plain mean of the
    ///   critic on joint pairs (the D term alone) would be as precise; ESS ≪ B means the
    ///   partition term dominates the error.
    public func estimate(from scores: ScoreMatrix) throws(MonteCarloError) -> Estimate {
        try validate()
        guard scores.batchSize >= 4 else {
            throw .insufficientSamples(needed: 4, available: scores.batchSize,
                                       reason: "in a batch to estimate a bound's variance")
        }
        let evaluation: BatchEvaluation
        switch self {
        case .infoNCE: evaluation = InfoNCEComputation(scores).evaluation
        default: evaluation = try PartitionComputation(self, scores, withVariance: true).evaluation
        }
        return evaluation.estimate(method: name)
    }
}

// MARK: - Shared per-batch result

struct BatchEvaluation: Sendable {
    var value: Double
    var variance: Double
    var batchSize: Int
    var diagonalVariance: Double
    var figures: [String: Double]
    var warnings: [String]
    var declaredBias: String?
    var heavyTail: Bool

    func estimate(method: String) -> Estimate {
        let ess = variance > 0 ? diagonalVariance / variance : Double(batchSize)
        return Estimate(value: value, variance: variance, sampleCount: batchSize, effectiveSampleSize: ess,
                        diagnostics: Diagnostics(method: method, declaredBias: declaredBias, figures: figures,
                                                 warnings: warnings))
    }
}

func sampleVariance(_ values: UnsafeBufferPointer<Double>) -> Double {
    var moments = RunningMoments()
    moments.add(contentsOf: values)
    return moments.sampleVariance
}

/// The Jensen–Shannon objective −E_P softplus(−T) − E_Q softplus(T) of a batch, from the
/// diagonal scores and the sum of softplus(Sᵢⱼ) over the B(B − 1) off-diagonal entries.
func jensenShannonObjective(diagonal: [Double], offDiagonalSoftplusSum: Double) -> Double {
    let b = diagonal.count
    let joint = diagonal.reduce(0) { $0 + VectorMath.softplus(-$1) }
    return -joint / Double(b) - offDiagonalSoftplusSum / Double(b * (b - 1))
}

// MARK: - NWJ, DV, JS, SMILE

/// D + c₀ − g(Ẑ) with Ẑ the off-diagonal mean of φ(S) and g linear or logarithmic.
struct PartitionComputation {
    let value: Double
    let evaluation: BatchEvaluation
    /// The largest off-diagonal φ(S) as a share of their sum.
    let maxNegativeShare: Double

    init(_ bound: VariationalBound, _ scores: ScoreMatrix, withVariance: Bool) throws(MonteCarloError) {
        let b = scores.batchSize
        let offDiagonalCount = Double(b * (b - 1))
        // log φ(S) = S + logShift, clamped to [−τ, τ] for SMILE.
        var logShift = 0.0, constant = 0.0, logarithmic = true
        var clip = Double.infinity
        switch bound {
        case .nwj: logShift = -1; logarithmic = false
        case .jensenShannon(.nwjShifted): constant = 1; logarithmic = false
        case .jensenShannon(.donskerVaradhan), .donskerVaradhan: break
        case .smile(let tau): clip = tau
        case .infoNCE: preconditionFailure("InfoNCE is not a partition bound")
        }
        var diagonal = [Double](repeating: 0, count: b)
        // The off-diagonal maximum, by rows in a fixed number of parallel chunks (a maximum is
        // exact, so the result does not depend on the split).
        let chunks = min(b, 32)
        var partialMaxima = [Double](repeating: -.infinity, count: chunks)
        // PSIS tail size for the negatives, capped at that of 10⁵ draws (M = 949): the k̂ fit costs
        // O(M^1.5) logarithms, and M ≈ 950 order statistics pin k̂ to sd ≈ (1 + k)/√M ≈ 0.05.
        let tailCapacity = withVariance
            ? max(ParetoTailDiagnostic.tailSize(sampleCount: min(b * (b - 1), 100_000)) + 1, 1) : 1
        // The subsample for the tail floor is copied by the same pass.
        let floorSample = withVariance ? TailFloorSample(batchSize: b, target: 4 * tailCapacity) : nil
        var sample = [Double](repeating: 0, count: floorSample?.count ?? 0)
        let sampleOffsets = floorSample == nil ? [] : (0..<chunks).map {
            TailFloorSample.entries(beforeRow: $0 * b / chunks, batchSize: b)
        }
        scores.values.withUnsafeBufferPointer { values in
            diagonal.withUnsafeMutableBufferPointer { diagonalBuffer in
                partialMaxima.withUnsafeMutableBufferPointer { maximaBuffer in
                    sample.withUnsafeMutableBufferPointer { sampleBuffer in
                        let s = SharedPointer(values.baseAddress!), d = SharedPointer(diagonalBuffer.baseAddress!)
                        let out = SharedPointer(maximaBuffer.baseAddress!)
                        let sampled = SharedPointer(floorSample == nil ? nil : sampleBuffer.baseAddress)
                        ParallelLoop.run(iterations: chunks) { chunk in
                            out.pointer[chunk] = ShimKernels.offDiagonalMaximum(
                                s.pointer, batchSize: b, rows: (chunk * b / chunks)..<((chunk + 1) * b / chunks),
                                diagonal: d.pointer, sampleStride: sampled.pointer == nil ? 0 : TailFloorSample.stride,
                                sample: sampled.pointer.map { $0 + sampleOffsets[chunk] })
                        }
                    }
                }
            }
        }
        var maximum = partialMaxima.max()!
        maximum = min(max(maximum + logShift, -clip), clip)  // log φ is monotone in S
        let jointTerm = diagonal.reduce(0, +) / Double(b)
        @inline(__always) func weight(_ score: Double) -> Double { exp(min(max(score + logShift, -clip), clip) - maximum) }

        // One pass over the pairs i < j in cache-sized tiles: w = φ/φ_max ∈ (0, 1].
        // Σ over pairs of (Wᵢⱼ − K)², Wᵢⱼ = (wᵢⱼ + wⱼᵢ)/2, K a provisional centre (row 0's mean).
        var pairShift = 0.0
        scores.values.withUnsafeBufferPointer { s in
            for j in 1..<b { pairShift += 0.5 * (weight(s[j]) + weight(s[j * b])) }
        }
        pairShift /= Double(b - 1)
        let tailFloor = floorSample?.floor(&sample, logShift: logShift, clip: clip, maximum: maximum) ?? -.infinity
        // The Jensen–Shannon objective (a diagnostic) needs Σ softplus(Sᵢⱼ): summed in the same pass.
        let wantsSoftplus: Bool
        if case .jensenShannon = bound { wantsSoftplus = withVariance } else { wantsSoftplus = false }
        let sums = PartitionSums(scores, logShift: logShift, clip: clip, maximum: maximum, pairShift: pairShift,
                                 tailCapacity: tailCapacity, keepTail: withVariance, tailFloor: tailFloor,
                                 softplus: wantsSoftplus)
        let rowSums = sums.rowSums, columnSums = sums.columnSums
        let squares = sums.squares, pairSquares = sums.pairSquares
        let tail = sums.tail
        // The largest weight is e^0 = 1 exactly (the maximum's own weight).
        let largest = 1.0
        let total = rowSums.reduce(0, +)
        let meanWeight = total / offDiagonalCount
        let logPartition = maximum + log(meanWeight)
        let partitionTerm: Double
        let kernelScale: Double  // g′(Ẑ)·φ = kernelScale · w
        if logarithmic {
            partitionTerm = logPartition
            kernelScale = 1 / meanWeight
        } else {
            partitionTerm = exp(logPartition)
            kernelScale = exp(maximum)
            guard partitionTerm.isFinite, kernelScale.isFinite else {
                throw .nonFinite(quantity: "NWJ partition term mean e^(S − 1) (a score above ~710)", index: 0)
            }
        }
        value = jointTerm + constant - partitionTerm
        maxNegativeShare = largest / total
        guard withVariance else {
            evaluation = BatchEvaluation(value: value, variance: .nan, batchSize: b, diagonalVariance: .nan,
                                         figures: [:], warnings: [], heavyTail: false)
            return
        }

        // Linearised U-statistic over the B pairs with kernel h = (aᵢ + aⱼ)/2 − s·Wᵢⱼ.
        let kernel = PairKernelVariance(
            diagonal: diagonal, rowSums: rowSums, columnSums: columnSums, meanWeight: meanWeight,
            pairSquares: pairSquares, pairShift: pairShift, kernelScale: kernelScale)
        var variance = kernel.variance
        var warnings: [String] = []
        var figures: [String: Double] = ["linearisedVariance": kernel.variance]
        if logarithmic {
            // The log of the partition mean is not linear: add half the delete-one jackknife's
            // excess over the jackknife of its own linearisation (see the doc comment).
            let correction = PartitionComputation.jackknifeNonlinearity(
                diagonal: diagonal, jointTerm: jointTerm, rowSums: rowSums, columnSums: columnSums, total: total)
            figures["nonlinearityCorrection"] = correction
            if correction.isFinite {
                variance += correction
            } else {
                warnings.append("Deleting one pair leaves no partition weight: the log-partition term rests on "
                    + "one pair, and its nonlinearity is not in the variance.")
            }
        }
        if !(variance > 0) {
            variance = kernel.jackknifeVariance
            warnings.append("The unbiased U-statistic variance estimate was not positive; the conservative "
                + "delete-one jackknife variance is reported instead.")
        }

        let maxShare = maxNegativeShare
        let weightESS = total * total / squares
        let paretoK = tail.count >= 6 ? ParetoTailDiagnostic.shape(largestFirst: tail) : nil
        figures.merge([
            "batchSize": Double(b), "logBatchSize": log(Double(b)), "jointTerm": jointTerm,
            "logPartition": logPartition, "maxNegativeShare": maxShare,
            "negativeWeightESS": weightESS, "negativePairs": offDiagonalCount,
        ]) { $1 }
        if wantsSoftplus {
            figures["jensenShannonObjective"] = jensenShannonObjective(diagonal: diagonal, offDiagonalSoftplusSum: sums.softplusSum)
        }
        if let paretoK { figures["paretoK"] = paretoK }
        let heavy = maxShare > 0.1 || (paretoK ?? 0) >= ParetoTailDiagnostic.unreliableShape
        if heavy {
            warnings.append(String(
                format: "Heavy-tailed partition term: the largest off-diagonal e^S is %.1f%% of their sum "
                    + "(weight ESS %.3g of %.0f negatives, Pareto k̂ %@). The variance (≥ (e^I − 1)/#negatives at the "
                    + "optimal critic) is likely underestimated; average many batches or use SMILE/InfoNCE.",
                100 * maxShare, weightESS, offDiagonalCount, paretoK.map { String(format: "%.2f", $0) } ?? "n/a"))
        }
        let bias: String? = switch bound {
        case .nwj, .jensenShannon(.nwjShifted):
            nil
        case .smile(let tau) where tau.isFinite:
            "Not a bound: clipping e^S to [e^−τ, e^τ] biases the partition term (either direction); "
                + "also biased upward by about Var(Ẑ)/(2Ẑ²) from the logarithm of a mean."
        default:
            "Biased upward at finite B by about Var(Ẑ)/(2Ẑ²) (E[−log Ẑ] ≥ −log E[Ẑ]); unbiased as B → ∞."
        }
        evaluation = BatchEvaluation(
            value: value, variance: variance, batchSize: b,
            diagonalVariance: diagonal.withUnsafeBufferPointer { sampleVariance($0) },
            figures: figures, warnings: warnings, declaredBias: bias, heavyTail: heavy)
    }

    /// Half the excess of the delete-one jackknife variance of D − log Ẑ over that of its
    /// linearisation D − (Ẑ − Ẑ_full)/Ẑ_full, deleting pair k (row k, column k and Sₖₖ).
    ///
    /// With uₖ = Ẑ₍₋ₖ₎/Ẑ − 1, the deleted values are Lₖ + Nₖ with Lₖ = D₍₋ₖ₎ − uₖ (linear) and
    /// Nₖ = uₖ − log(1 + uₖ) ≥ 0, so the excess is ((B − 1)/B)[Σ(Nₖ − N̄)² + 2Σ(Lₖ − L̄)(Nₖ − N̄)],
    /// computed without the cancellation of two large jackknife variances. Infinite when a
    /// deletion leaves no weight (uₖ = −1).
    static func jackknifeNonlinearity(diagonal: [Double], jointTerm: Double, rowSums: [Double], columnSums: [Double],
                                      total: Double) -> Double {
        let b = diagonal.count
        let reducedCount = Double((b - 1) * (b - 2)), fullCount = Double(b * (b - 1))
        var linear = [Double](repeating: 0, count: b), nonlinear = linear
        var linearMean = 0.0, nonlinearMean = 0.0
        for k in 0..<b {
            let remaining = total - rowSums[k] - columnSums[k]
            guard remaining > 0 else { return .infinity }
            let u = (remaining * fullCount - total * reducedCount) / (total * reducedCount)
            linear[k] = (Double(b) * jointTerm - diagonal[k]) / Double(b - 1) - u
            nonlinear[k] = u - log1p(u)
            linearMean += linear[k] / Double(b)
            nonlinearMean += nonlinear[k] / Double(b)
        }
        var excess = 0.0
        for k in 0..<b {
            let n = nonlinear[k] - nonlinearMean
            excess += n * n + 2 * (linear[k] - linearMean) * n
        }
        return 0.5 * Double(b - 1) / Double(b) * excess
    }
}

// MARK: - InfoNCE

struct InfoNCEComputation {
    let value: Double
    let scores: ScoreMatrix

    let rowTerms: [Double]
    let columnSoftmaxSums: [Double]

    init(_ scores: ScoreMatrix) {
        let b = scores.batchSize
        // Rows in a fixed number of chunks (whatever the thread count), each with its own
        // column sums, merged in chunk order: deterministic.
        let chunks = min(b, 32)
        var rowTerms = [Double](repeating: 0, count: b)
        var partialColumnSums = [Double](repeating: 0, count: chunks * b)
        rowTerms.withUnsafeMutableBufferPointer { termsBuffer in
            partialColumnSums.withUnsafeMutableBufferPointer { columnsBuffer in
                scores.values.withUnsafeBufferPointer { values in
                    let terms = SharedPointer(termsBuffer.baseAddress!), columns = SharedPointer(columnsBuffer.baseAddress!)
                    let s = SharedPointer(values.baseAddress!)
                    ParallelLoop.run(iterations: chunks) { chunk in
                        let rows = (chunk * b / chunks)..<((chunk + 1) * b / chunks)
                        let scratch = UnsafeMutablePointer<Double>.allocate(capacity: b + 2 * rows.count)
                        defer { scratch.deallocate() }
                        let maxima = scratch + b - rows.lowerBound, sums = maxima + rows.count  // indexed by row
                        ShimKernels.infoNCERows(s.pointer, batchSize: b, rows: rows, rowMaximum: maxima, rowSum: sums,
                                                columnSums: columns.pointer + chunk * b, buffer: scratch)
                        for i in rows { terms.pointer[i] = s.pointer[i * b + i] - (maxima[i] + log(sums[i])) }
                    }
                }
            }
        }
        var columnSums = [Double](repeating: 0, count: b)
        for chunk in 0..<chunks { for j in 0..<b { columnSums[j] += partialColumnSums[chunk * b + j] } }
        self.scores = scores
        self.rowTerms = rowTerms
        self.columnSoftmaxSums = columnSums
        value = log(Double(b)) + rowTerms.reduce(0, +) / Double(b)
    }

    var evaluation: BatchEvaluation {
        let b = scores.batchSize
        // Linearised in the row means Ẑᵢ = (1/B) Σⱼ e^{Sᵢⱼ}: value ≈ mean_i aᵢ − (1/B) Σ_{i≠j} pᵢⱼ
        // with pᵢⱼ the row softmax and aᵢ = gᵢ − pᵢᵢ, a U-statistic with kernel
        // (aᵢ + aⱼ)/2 − (B − 1)(pᵢⱼ + pⱼᵢ)/2.
        var rowShifts = [Double](repeating: 0, count: b)  // −log Σⱼ e^{Sᵢⱼ}, so e^{Sᵢⱼ + shift} = pᵢⱼ
        var diagonalTerms = [Double](repeating: 0, count: b)
        var diagonalSoftmax = 0.0
        for i in 0..<b {
            rowShifts[i] = rowTerms[i] - scores[i, i]
            let p = exp(rowTerms[i])
            diagonalTerms[i] = rowTerms[i] - p
            diagonalSoftmax += p
        }
        let offDiagonalCount = Double(b * (b - 1))
        let centre = (Double(b) - diagonalSoftmax) / offDiagonalCount  // mean off-diagonal pᵢⱼ
        let sums = rowShifts.withUnsafeBufferPointer {
            PartitionSums(scores, logShift: 0, clip: .infinity, maximum: 0, pairShift: centre, tailCapacity: 0,
                          keepTail: false, rowShift: $0.baseAddress)
        }
        let kernel = PairKernelVariance(
            diagonal: diagonalTerms, rowSums: sums.rowSums, columnSums: sums.columnSums,
            meanWeight: sums.rowSums.reduce(0, +) / offDiagonalCount, pairSquares: sums.pairSquares,
            pairShift: centre, kernelScale: Double(b - 1))
        var variance = kernel.variance
        var warnings: [String] = []
        if !(variance > 0) {
            variance = kernel.jackknifeVariance
            warnings.append("The unbiased U-statistic variance estimate was not positive; the conservative "
                + "delete-one jackknife variance is reported instead.")
        }
        let ceiling = log(Double(b))
        if ceiling - value < 1 {
            warnings.append(String(
                format: "InfoNCE estimate %.3g is within 1 nat of its ceiling log B = %.3g: the true MI may be much "
                    + "larger; a tight estimate needs B ≳ e^I.", value, ceiling))
        }
        let diagonal = (0..<b).map { scores[$0, $0] }
        return BatchEvaluation(
            value: value, variance: variance, batchSize: b,
            diagonalVariance: diagonal.withUnsafeBufferPointer { sampleVariance($0) },
            figures: ["batchSize": Double(b), "logBatchSize": ceiling, "ceiling": ceiling,
                      "jointTerm": diagonal.reduce(0, +) / Double(b)],
            warnings: warnings,
            declaredBias: "A lower bound: the value is ≤ log B = \(String(format: "%.4g", ceiling)) always, and its "
                + "expectation is below I (well below once I approaches log B).",
            heavyTail: false)
    }
}
