import LinearAlgebra
import MonteCarloCore

/// The control-variate estimate as the intercept of an ordinary least-squares regression of
/// f on [1, C − E C], computed by two passes over values held in memory.
///
/// β̂ = S_gg⁻¹ s_gf with the sample-centred (co)variances S_gg, s_gf (the OLS slope, not the
/// CV-SW paper's shortcut with C centred at its known mean in the denominator); the estimate is
/// f̄ − β̂ᵀḡ, its variance s²[(AᵀA)⁻¹]₀₀ = s²(1/L + ḡᵀS_gg⁻¹ḡ) with s² = RSS/(L − p − 1).
struct InterceptRegression {
    var value: Double
    var variance: Double
    var degreesOfFreedom: Double
    /// β̂ for the controls that were kept (0 for dropped ones), in the order given.
    var coefficients: [Double]
    var rSquared: Double
    var reciprocalConditionNumber: Double
    var warnings: [String]

    /// - Parameters:
    ///   - values: f(θ_l), l = 0..<L.
    ///   - controls: each control's values C_j(θ_l) − E C_j (already centred at the known mean).
    ///   - names: names of the controls, for warnings.
    init(values f: [Double], controls: [[Double]], names: [String]) throws(MonteCarloError) {
        let count = f.count
        var warnings: [String] = []
        let fMean = f.reduce(0, +) / Double(count)
        var sff = 0.0
        for v in f { sff += (v - fMean) * (v - fMean) }

        // Drop controls that do not vary (e.g. the lower bound when the means coincide).
        var kept: [Int] = []
        var means: [Double] = []
        for (j, g) in controls.enumerated() {
            let m = g.reduce(0, +) / Double(count)
            var s = 0.0, scale = 0.0
            for v in g { s += (v - m) * (v - m); scale += v * v }
            if s > 1e-24 * max(scale, Double.leastNormalMagnitude) && s > 0 {
                kept.append(j)
                means.append(m)
            } else {
                warnings.append("The \(names[j]) control is constant over the directions drawn (zero variance); it was dropped.")
            }
        }

        var coefficients = [Double](repeating: 0, count: controls.count)
        var fit = try InterceptRegression.fit(f, fMean: fMean, sff: sff, controls: controls, kept: kept, means: means)
        while fit == nil {
            // Collinear controls: drop the last one and refit.
            let dropped = kept.removeLast()
            means.removeLast()
            warnings.append("The \(names[dropped]) control is collinear with the others; it was dropped.")
            fit = try InterceptRegression.fit(f, fMean: fMean, sff: sff, controls: controls, kept: kept, means: means)
        }
        let result = fit!
        for (k, j) in kept.enumerated() { coefficients[j] = result.beta[k] }
        if result.atFloor {
            warnings.append("The controls explain f to within rounding error (R² ≈ 1): the residual variance was raised to the rounding floor κ·ε·Σ(f − f̄)², so the error bar is an upper bound.")
        }
        if kept.isEmpty {
            warnings.append("No usable control: the estimate is plain Monte Carlo.")
        }
        value = result.value
        variance = result.variance
        degreesOfFreedom = Double(count - kept.count - 1)
        self.coefficients = coefficients
        rSquared = sff > 0 ? max(0, 1 - result.rss / sff) : 1
        reciprocalConditionNumber = result.rcond
        self.warnings = warnings
    }

    private struct Fit {
        var beta: [Double]
        var value: Double
        var variance: Double
        var rss: Double
        var rcond: Double
        var atFloor: Bool
    }

    /// The fit with the controls in `kept`, or `nil` when they are numerically collinear.
    private static func fit(_ f: [Double], fMean: Double, sff: Double, controls: [[Double]],
                            kept: [Int], means: [Double]) throws(MonteCarloError) -> Fit? {
        let count = f.count
        let p = kept.count
        guard count >= p + 3 else {
            throw .insufficientSamples(needed: p + 3, available: count,
                                       reason: "(directions) to fit \(p) control coefficients and a variance")
        }
        if p == 0 {
            let variance = sff / Double(count - 1) / Double(count)
            return Fit(beta: [], value: fMean, variance: variance, rss: sff, rcond: 1, atFloor: false)
        }
        // Centred cross-products.
        var gram = Matrix(rows: p, columns: p)
        var cross = [Double](repeating: 0, count: p)
        for a in 0..<p {
            let ga = controls[kept[a]], ma = means[a]
            var s = 0.0
            for l in 0..<count { s += (ga[l] - ma) * (f[l] - fMean) }
            cross[a] = s
            for b in a..<p {
                let gb = controls[kept[b]], mb = means[b]
                var t = 0.0
                for l in 0..<count { t += (ga[l] - ma) * (gb[l] - mb) }
                gram[a, b] = t
                gram[b, a] = t
            }
        }
        // Work with the correlation matrix so the singularity test does not depend on units.
        let scales = (0..<p).map { 1 / gram[$0, $0].squareRoot() }
        var correlation = gram
        for a in 0..<p { for b in 0..<p { correlation[a, b] *= scales[a] * scales[b] } }
        let factor: CholeskyFactorization
        do {
            factor = try correlation.choleskyFactorization()
        } catch {
            return nil
        }
        guard factor.jitter == 0, factor.reciprocalConditionNumber > 1e-12 else { return nil }
        func solve(_ v: [Double]) -> [Double] {
            let scaled = (0..<p).map { v[$0] * scales[$0] }
            return factor.solve(scaled).enumerated().map { $0.element * scales[$0.offset] }
        }
        let beta = solve(cross)
        var value = fMean
        for a in 0..<p { value -= beta[a] * means[a] }
        // RSS from the residuals themselves (no cancellation of co-moments).
        var rss = 0.0
        for l in 0..<count {
            var r = f[l] - fMean
            for a in 0..<p { r -= beta[a] * (controls[kept[a]][l] - means[a]) }
            rss += r * r
        }
        let floor = 16 * Double.ulpOfOne * Double(p + 1) * sff / factor.reciprocalConditionNumber
        let atFloor = rss < floor
        let s2 = max(rss, floor) / Double(count - p - 1)
        let leverage = zip(means, solve(means)).reduce(0) { $0 + $1.0 * $1.1 }
        return Fit(beta: beta, value: value, variance: s2 * (1 / Double(count) + leverage), rss: rss,
                   rcond: factor.reciprocalConditionNumber, atFloor: atFloor)
    }
}
