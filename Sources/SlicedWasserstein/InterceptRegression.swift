import MonteCarloCore
import VarianceReduction

/// The control-variate estimate as the intercept of an ordinary least-squares regression of
/// f on [1, C − E C], computed by two passes over values held in memory: the co-moments go to
/// `RegressionControlVariateFit` (OLS mode, constant and collinear controls dropped with a
/// warning), and the residual sum of squares is summed from the residuals themselves.
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
        let p = controls.count
        guard count >= 3 else {
            throw .insufficientSamples(needed: p + 3, available: count,
                                       reason: "(directions) to fit \(p) control coefficients and a variance")
        }
        let fit = try RegressionControlVariateFit(columns: [f] + controls, controlNames: names, collinearity: .dropWithWarning)
        let kept = fit.keptControls.count
        guard count >= kept + 3 else {
            throw .insufficientSamples(needed: kept + 3, available: count,
                                       reason: "(directions) to fit \(kept) control coefficients and a variance")
        }
        var warnings = fit.warnings
        // RSS from the residuals themselves (no cancellation of co-moments), with the engine's floor.
        let (fMean, sff) = (fit.means[0], fit.comoments[0])
        let g = Array(fit.means[1...])
        var rss = 0.0
        for l in 0..<count {
            var r = f[l] - fMean
            for j in fit.keptControls { r -= fit.coefficients[j] * (controls[j][l] - g[j]) }
            rss += r * r
        }
        let floor = fit.roundingFloor(total: sff)
        if kept > 0 && rss < floor {
            warnings.append(RegressionControlVariateFit.roundingFloorWarning)
        }
        if kept == 0 {
            warnings.append("No usable control: the estimate is plain Monte Carlo.")
        }
        let s2 = (kept > 0 ? max(rss, floor) : rss) / Double(count - kept - 1)
        let leverage = zip(g, fit.solveControls(g)).reduce(0) { $0 + $1.0 * $1.1 }
        value = fit.intercept()
        variance = s2 * (1 / Double(count) + leverage)
        degreesOfFreedom = Double(count - kept - 1)
        coefficients = fit.coefficients
        rSquared = sff > 0 ? max(0, 1 - rss / sff) : 1
        reciprocalConditionNumber = fit.reciprocalConditionNumber
        self.warnings = warnings
    }
}
