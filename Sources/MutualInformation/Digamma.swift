import Foundation

/// The digamma function ψ(x) = d/dx log Γ(x) for x > 0 (internal: MonteCarloCore's GSL digamma is
/// not public).
///
/// Used by the Kraskov–Stögbauer–Grassberger estimators and by the exact bias of the plug-in
/// Gaussian estimator. Computed with the recurrence ψ(x) = ψ(x + 1) − 1/x until x ≥ 10, then
/// the asymptotic series ψ(x) = log x − 1/(2x) − Σ B₂ₖ/(2k x²ᵏ) with six terms.
///
/// - Parameter x: A positive, finite argument.
/// - Returns: ψ(x); NaN for x ≤ 0 or NaN, +∞ for +∞.
///
/// **Accuracy.** For x ≥ 10 the truncation error is below the first omitted term
/// B₁₄/(14 x¹⁴) ≈ 8·10⁻¹⁶; the recurrence adds a few ulps per step. Tests check ψ(1) = −γ and
/// ψ(n + 1) = Hₙ − γ to 10⁻¹³.
func digamma(_ x: Double) -> Double {
    guard x > 0, !x.isNaN else { return .nan }
    guard x.isFinite else { return .infinity }
    var x = x
    var result = 0.0
    while x < 10 {
        result -= 1 / x
        x += 1
    }
    let inverse = 1 / x
    let inverseSquared = inverse * inverse
    // Bernoulli terms: B2/2 = 1/12, B4/4 = −1/120, B6/6 = 1/252, B8/8 = −1/240, B10/10 = 1/132, B12/12 = −691/32760.
    var series = -691.0 / 32760
    series = series * inverseSquared + 1.0 / 132
    series = series * inverseSquared - 1.0 / 240
    series = series * inverseSquared + 1.0 / 252
    series = series * inverseSquared - 1.0 / 120
    series = series * inverseSquared + 1.0 / 12
    return result + log(x) - 0.5 * inverse - series * inverseSquared
}
