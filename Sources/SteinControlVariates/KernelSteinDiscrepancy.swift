import Foundation
import MonteCarloCore

/// The kernel Stein discrepancy between a sample and a target known through its score, with
/// error bars, and a wild-bootstrap goodness-of-fit test.
///
/// With the Langevin Stein kernel k0 of a base kernel k (``LangevinSteinKernel``), the squared
/// discrepancy of a law q from the target p is KSD² = E_{X,X′∼q} k0(X, X′); it is zero exactly
/// when q = p (under conditions on k and p), and with the inverse multiquadric base kernel
/// (c² + |x − y|²)^β, β ∈ (−1, 0), it controls weak convergence to p (Gorham & Mackey 2017).
/// Only the draws and the scores ∇log p at the draws are needed, never p's normalising constant.
///
/// ```swift
/// let ksd = KernelSteinDiscrepancy()                      // IMQ, c = 1, β = −½
/// let result = try ksd.estimate(sample)
/// print(result.unbiased)                                   // KSD² ± SE
/// let test = try ksd.test(sample, bootstrap: 1000, seed: 7)
/// if test.rejects(at: 0.05) { print("the draws do not look like p: p =", test.pValue) }
/// ```
///
/// **Statistical properties.** Write H[i, j] = k0(xᵢ, xⱼ), gᵢ = (1/(n−1)) Σ_{j≠i} H[i, j] and
/// Dᵢ = H[i, i].
/// - U-statistic U = mean of gᵢ: unbiased for KSD² with independent draws. Its variance is
///   Hoeffding's 4(n−2)ζ₁/(n(n−1)) + 2ζ₂/(n(n−1)), ζ₁ = Var E[h(X, X′) | X], ζ₂ = Var h(X, X′).
///   ζ₂ is estimated by the variance of the off-diagonal entries; since Var(gᵢ) ≈ ζ₁ + (ζ₂ − ζ₁)/(n−1),
///   the sample variance s²_g of the gᵢ corrected for that noise estimates ζ₁, which gives
///   `variance` = 4s²_g/n − 2ζ̂₂/(n(n−1)), floored at 2ζ̂₂/(n(n−1)) (the ζ₁ = 0 value).
///   For Markov chains s²_g is replaced by the long-run variance of the series gᵢ (the
///   sample's `SampleDependence` method), the usual projection argument for U-statistics of
///   mixing sequences; the ζ₂ term, O(1/n²), keeps its i.i.d. form.
///   The normal interval is valid when the statistic is non-degenerate (ζ₁ > 0: the draws do
///   not come from p). **Under the null (draws from p) the U-statistic is degenerate**: ζ₁ = 0,
///   n·U converges to a weighted sum of centred χ²₁ variables, and the normal interval is not
///   valid; ``SteinDiscrepancyEstimate/looksDegenerate`` flags it, and
///   ``test(_:bootstrap:multipliers:seed:)`` uses the bootstrap instead.
/// - V-statistic V = (1/n²) Σᵢⱼ H[i, j] = ((n−1)/n)U + D̄/n ≥ 0: biased upward by
///   (E D − KSD²)/n, estimated by (D̄ − U)/n and reported as the declared bias (figure
///   `bias`). Its variance is the delta-method variance of its influence terms
///   ψᵢ = 2((n−1)/n)gᵢ + Dᵢ/n: s²_ψ/n (long-run for chains) minus the same noise correction,
///   floored likewise.
/// - Effective sample size: 4s²_g / `variance` for U and s²_ψ / `variance` for V (the number
///   of independent draws whose projection alone would give this variance); below n for
///   chains, about n for independent draws.
///
/// Diagnostics figures: `lengthScale`, `zeta1`, `zeta2`, `meanDiagonal`, and for V `bias`.
///
/// - Complexity: about n²/2 Stein-kernel evaluations of O(d) each, on all cores for n ≥ 256;
///   O(n·256) memory.
public struct KernelSteinDiscrepancy: Sendable, Hashable, Codable {
    /// The base kernel, its length-scale rule and the Stein operator's order (first by default).
    public var kernel: KernelSpecification

    /// Creates the discrepancy.
    /// - Parameter kernel: the base kernel; by default the inverse multiquadric with c = 1 and
    ///   β = −½ (Gorham & Mackey 2017). `.inverseMultiquadric()` uses the median heuristic
    ///   instead, which makes the discrepancy invariant to rescaling the draws.
    public init(kernel: KernelSpecification = .inverseMultiquadric(scale: .fixed(1))) {
        self.kernel = kernel
    }

    // MARK: - Estimates

    /// KSD² of `sample` as a U- and a V-statistic with their variances (see the type's
    /// statistical properties).
    /// - Throws: `MonteCarloError/insufficientSamples(needed:available:reason:)` for fewer than
    ///   3 draws; `MonteCarloError/invalidArgument(_:)` when the median heuristic meets draws
    ///   that all coincide (length-scale 0); the errors of ``RadialKernel/init(_:lengthScale:)``
    ///   and of the sample's long-run variance method for chains.
    public func estimate(_ sample: SteinSample) throws(MonteCarloError) -> SteinDiscrepancyEstimate {
        let stein = try steinKernel(for: sample)
        return try Self.estimates(SteinKernelSums(kernel: stein, sample: sample), sample: sample,
                                  lengthScale: stein.base.lengthScale)
    }

    /// A goodness-of-fit test of "the draws come from p" by the wild bootstrap of n·V
    /// (Chwialkowski, Strathmann & Gretton 2016).
    ///
    /// Each of the B replicates is Bᵦ = (1/n) wᵦᵀ H wᵦ with multipliers wᵦ from `multipliers`;
    /// the p-value is (1 + #{b : Bᵦ ≥ n·V}) / (1 + B). Under the null and for independent draws
    /// with Rademacher signs (or chains with the autocorrelated process), the test has
    /// asymptotically the nominal level; with a fixed alternative its power tends to 1.
    /// - Parameters:
    ///   - sample: the draws and their scores.
    ///   - bootstrap: B ≥ 1 (1000 by default).
    ///   - multipliers: the multiplier process; ``WildBootstrap/automatic`` by default.
    ///   - seed: the seed of the multipliers.
    /// - Throws: the errors of ``estimate(_:)``; `MonteCarloError/invalidParameter(name:value:requirement:)`
    ///   for B below 1 or a bad flip probability.
    /// - Complexity: O(n²d) kernel evaluations plus O(n²B) for the bootstrap (BLAS), O(nB) memory.
    public func test(_ sample: SteinSample, bootstrap: Int = 1000, multipliers: WildBootstrap = .automatic,
                     seed: UInt64) throws(MonteCarloError) -> SteinGoodnessOfFitTest {
        guard bootstrap >= 1 else {
            throw .invalidParameter(name: "bootstrap", value: Double(bootstrap), requirement: "at least 1")
        }
        let a = try multipliers.flipProbability(for: sample)
        let stein = try steinKernel(for: sample)
        let w = try WildBootstrap.multipliers(count: bootstrap, draws: sample.count, dependence: sample.dependence,
                                              flipProbability: a, seed: seed)
        let sums = SteinKernelSums(kernel: stein, sample: sample, multipliers: w)
        let result = try Self.estimates(sums, sample: sample, lengthScale: stein.base.lengthScale)
        let n = Double(sample.count)
        let statistic = n * result.biased.value
        let exceed = sums.quadraticForms.reduce(0) { $0 + ($1 / n >= statistic ? 1 : 0) }
        return SteinGoodnessOfFitTest(statistic: statistic, pValue: Double(1 + exceed) / Double(1 + bootstrap),
                                      bootstrapCount: bootstrap, flipProbability: a, seed: seed, discrepancy: result)
    }

    // MARK: - Internals

    /// The first-order Stein kernel at the resolved length-scale, after checking the sample.
    func steinKernel(for sample: SteinSample) throws(MonteCarloError) -> LangevinSteinKernel {
        guard sample.count >= 3 else {
            throw .insufficientSamples(needed: 3, available: sample.count, reason: "for a kernel Stein discrepancy with a variance")
        }
        if kernel.lengthScale == .medianHeuristic, Self.allCoincide(sample) {
            throw .invalidArgument("All draws coincide: the median-heuristic length-scale would be 0. Give a fixed length-scale or more varied draws.")
        }
        return try kernel.steinKernel(lengthScale: kernel.baseLengthScale(on: sample))
    }

    static func allCoincide(_ sample: SteinSample) -> Bool {
        let d = sample.dimension
        for i in 1..<sample.count {
            for c in 0..<d where sample.points[i * d + c] != sample.points[c] { return false }
        }
        return true
    }

    /// The sample variance of `series` (independent draws) or its long-run variance (chains).
    static func seriesVariance(_ series: [Double], dependence: SampleDependence) throws(MonteCarloError) -> Double {
        if case .chains(let lengths, let method) = dependence {
            return try method.estimate(series, chainLengths: lengths).longRunVariance
        }
        var moments = RunningMoments()
        for x in series { moments.add(x) }
        return moments.sampleVariance
    }

    /// The U- and V-statistics and their variances from one pass's sums.
    static func estimates(_ sums: SteinKernelSums, sample: SteinSample, lengthScale: Double) throws(MonteCarloError)
        -> SteinDiscrepancyEstimate
    {
        let count = sample.count
        let n = Double(count)
        let pairs = n * (n - 1)
        let g = sums.rowSums.map { $0 / (n - 1) }
        let u = sums.rowSums.reduce(0, +) / pairs
        let meanDiagonal = sums.diagonal.reduce(0, +) / n
        let v = ((n - 1) / n) * u + meanDiagonal / n
        let zeta2 = max(0, sums.offDiagonalSquares / pairs - u * u)
        let floorU = 2 * zeta2 / pairs
        let spreadG = try seriesVariance(g, dependence: sample.dependence)
        let zeta1 = max(0, (spreadG - zeta2 / (n - 1)) * (n - 1) / (n - 2))
        let varianceU = max(4 * spreadG / n - floorU, floorU)
        let c = (n - 1) / n
        var psi = [Double](repeating: 0, count: count)
        for i in 0..<count { psi[i] = 2 * c * g[i] + sums.diagonal[i] / n }
        let spreadPsi = try seriesVariance(psi, dependence: sample.dependence)
        let varianceV = max(spreadPsi / n - c * c * floorU, c * c * floorU)
        let degenerate = 4 * spreadG / n - floorU <= floorU
        let warnings = degenerate
            ? ["The U-statistic looks degenerate (ζ₁ ≈ 0, as when the draws come from the target): its normal interval is not valid; use the wild-bootstrap test."]
            : []
        let figures = ["lengthScale": lengthScale, "zeta1": zeta1, "zeta2": zeta2, "meanDiagonal": meanDiagonal]
        let unbiased = Estimate(
            value: u, variance: varianceU, sampleCount: count,
            effectiveSampleSize: Estimate.effectiveSampleSize(perDrawVariance: 4 * spreadG, estimatorVariance: varianceU, evaluations: count),
            diagnostics: Diagnostics(method: "kernel Stein discrepancy² (U-statistic)", figures: figures, warnings: warnings))
        let bias = (meanDiagonal - u) / n
        var biasedFigures = figures
        biasedFigures["bias"] = bias
        let biased = Estimate(
            value: v, variance: varianceV, sampleCount: count,
            effectiveSampleSize: Estimate.effectiveSampleSize(perDrawVariance: spreadPsi, estimatorVariance: varianceV, evaluations: count),
            diagnostics: Diagnostics(method: "kernel Stein discrepancy² (V-statistic)",
                                     declaredBias: "upward by (E k0(X, X) − KSD²)/n, estimated as \(bias)",
                                     figures: biasedFigures, warnings: warnings))
        return SteinDiscrepancyEstimate(unbiased: unbiased, biased: biased, lengthScale: lengthScale, looksDegenerate: degenerate)
    }
}
