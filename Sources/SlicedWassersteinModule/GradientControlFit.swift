import MonteCarloCore
import VarianceReduction

/// The least-squares fit of one gradient coordinate on its own Gaussian-bound controls.
///
/// For coordinate (i, k) and direction θ_l the design row is A_l = [1, c¹, …, c^q] with
/// c^r = (θ_lᵀu^r_i)θ_{l,k} − u^r_{i,k}/d (centred at its known mean); the fit is computed from
/// the sums over directions only: G = AᵀA (q + 1 ≤ 3) and b = Aᵀg. The sums are centred and
/// handed to `RegressionControlVariateFit` (constant and collinear controls dropped, the
/// latter when collinear with the controls before them, so from the last).
struct GradientControlFit {
    /// (AᵀA)⁻¹ restricted to the kept controls, zero-padded to (q + 1)², row-major.
    var inverseGram: [Double]
    /// The OLS coefficients [intercept, slopes…], zero for dropped controls.
    var coefficients: [Double]
    /// gᵀg − bᵀ(AᵀA)⁻¹b, raised to the engine's rounding floor for sums of magnitude gᵀg.
    var residualSumOfSquares: Double
    /// Whether it was raised.
    var atFloor: Bool
    /// The reciprocal condition number of the kept controls' correlation matrix (1 for none).
    var reciprocalConditionNumber: Double
    /// The number of controls kept.
    var kept: Int

    /// - Parameters:
    ///   - gram: AᵀA, (q + 1) × (q + 1), row-major.
    ///   - moments: Aᵀg (q + 1).
    ///   - squares: gᵀg.
    init(gram: [Double], moments: [Double], squares: Double) {
        let size = moments.count, q = size - 1
        let l = gram[0]
        // Centred co-moments of (g, c¹ … c^q) from the uncentred sums.
        var means = [Double](repeating: 0, count: size)
        means[0] = moments[0] / l
        for r in 0..<q { means[r + 1] = gram[r + 1] / l }
        var comoments = [Double](repeating: 0, count: size * size)
        comoments[0] = squares - l * means[0] * means[0]
        for r in 0..<q {
            let cross = moments[r + 1] - l * means[r + 1] * means[0]
            comoments[r + 1] = cross
            comoments[(r + 1) * size] = cross
            for t in 0..<q {
                comoments[(r + 1) * size + t + 1] = gram[(r + 1) * size + t + 1] - l * means[r + 1] * means[t + 1]
            }
        }
        let fit: RegressionControlVariateFit
        do {
            fit = try RegressionControlVariateFit(count: Int(l.rounded()), means: means, comoments: comoments,
                                                  collinearity: .dropWithWarning)
        } catch {
            preconditionFailure("dropping collinear controls never throws: \(error)")
        }
        // (AᵀA)⁻¹ by blocks: [[1/L + c̄ᵀM⁻¹c̄, −(M⁻¹c̄)ᵀ], [−M⁻¹c̄, M⁻¹]], M the centred Gram.
        let cBar = Array(means[1...])
        let solvedMean = fit.solveControls(cBar)
        var inverseGram = [Double](repeating: 0, count: size * size)
        inverseGram[0] = 1 / l + zip(cBar, solvedMean).reduce(0) { $0 + $1.0 * $1.1 }
        for r in 0..<q {
            inverseGram[r + 1] = -solvedMean[r]
            inverseGram[(r + 1) * size] = -solvedMean[r]
            var unit = [Double](repeating: 0, count: q)
            unit[r] = 1
            for (t, x) in fit.solveControls(unit).enumerated() { inverseGram[(r + 1) * size + t + 1] = x }
        }
        self.inverseGram = inverseGram
        coefficients = [fit.intercept()] + fit.coefficients
        (residualSumOfSquares, atFloor) = fit.residualSumOfSquares(scale: squares)
        reciprocalConditionNumber = fit.reciprocalConditionNumber
        kept = fit.keptControls.count
    }
}
