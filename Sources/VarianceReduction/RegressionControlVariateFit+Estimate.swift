import MonteCarloCore

extension RegressionControlVariateFit {
    /// The control-variate estimate of E f from per-group co-moments of (f, h − θ).
    ///
    /// `state` must have ``Mode/groupCount()`` groups (draw i in group i mod G, see
    /// ``CrossFitFolds``). For the statistical properties of each mode see
    /// ``ControlVariateMonteCarlo``; this is its whole estimation step, usable by any estimator
    /// whose state is a ``FoldedMoments`` of one response and p controls centred at their means.
    /// - Throws: `MonteCarloError/insufficientSamples(needed:available:reason:)` when a fit or a
    ///   fold is too small; `MonteCarloError/singularControlCovariance(detail:)` for a constant or
    ///   collinear control under ``CollinearityPolicy/fail``; the errors of ``Mode/groupCount()``.
    public static func estimate(from state: FoldedMoments, mode: Mode, controlNames: [String]? = nil,
                                collinearity: CollinearityPolicy = .fail) throws(MonteCarloError) -> Estimate {
        let groupCount = try mode.groupCount()
        guard state.groups.count == groupCount else {
            throw .incompatibleStates("\(state.groups.count) groups for a mode that needs \(groupCount)")
        }
        let all = try state.merged()
        let p = all.dimension - 1
        let n = all.count
        guard n >= p + 3 else {
            throw .insufficientSamples(needed: p + 3, available: n, reason: "to fit \(p) control coefficients and a variance")
        }
        let fullFit = try RegressionControlVariateFit(moments: all, controlNames: controlNames, collinearity: collinearity)
        let kept = fullFit.keptControls.count
        var value = 0.0, variance = 0.0
        var degreesOfFreedom: Double? = nil
        // Degrees of freedom of the variance estimate (for StatisticalCheck and users).
        var varianceDegreesOfFreedom = Double(n - kept - 1)
        var bias: String? = nil
        var atRoundingFloor = false
        var warnings = fullFit.warnings
        let method: String

        switch mode {
        case .ordinaryLeastSquares:
            method = "control-variates-ols"
            value = fullFit.intercept()
            let rss = fullFit.residualSumOfSquares()
            atRoundingFloor = rss.atFloor
            let s2 = rss.value / Double(n - kept - 1)
            let g = Array(all.mean[1...])
            let leverage = zip(g, fullFit.solveControls(g)).reduce(0) { $0 + $1.0 * $1.1 }
            variance = s2 * (1 / Double(n) + leverage)
            degreesOfFreedom = Double(n - kept - 1)
            bias = "O(1/n): β fitted on the same draws it is averaged over (zero when f and the controls are jointly normal)"
        case .crossFitted, .pilot:
            let isPilot: Bool
            if case .pilot = mode { isPilot = true } else { isPilot = false }
            method = isPilot ? "control-variates-pilot" : "control-variates-cross-fitted"
            let heldOut = try heldOutMoments(state, pilot: isPilot, responses: 1, controlNames: controlNames,
                                             collinearity: collinearity)
            value = heldOut.values[0]
            variance = heldOut.covariance[0]
            atRoundingFloor = heldOut.atFloor
            varianceDegreesOfFreedom = Double(heldOut.evaluatedCount - heldOut.evaluatedGroups)
            for line in heldOut.warnings where !warnings.contains(line) { warnings.append(line) }
        }
        let perDraw = all.sampleCovariance(0, 0)
        let ess = Estimate.effectiveSampleSize(perDrawVariance: perDraw, estimatorVariance: variance, evaluations: n)
        if atRoundingFloor { warnings.append(roundingFloorWarning) }
        return Estimate(
            value: value, variance: variance, sampleCount: n, effectiveSampleSize: ess,
            degreesOfFreedom: degreesOfFreedom,
            diagnostics: Diagnostics(method: method, coefficients: fullFit.coefficients,
                                     varianceReductionFactor: ess / Double(n), declaredBias: bias,
                                     figures: ["rSquared": fullFit.rSquared(),
                                               "reciprocalConditionNumber": fullFit.reciprocalConditionNumber,
                                               "varianceDegreesOfFreedom": varianceDegreesOfFreedom],
                                     warnings: warnings))
    }

    /// The held-out part of pilot and cross-fitted estimates, for k responses.
    struct HeldOut {
        /// Σ_g (n_g/N) r̄_g per response.
        var values: [Double]
        /// Σ_g (n_g/N)² C_g/n_g, k × k (C_g the residual covariance on group g at its fixed B).
        var covariance: [Double]
        var atFloor: Bool
        /// N, the draws averaged, and the number of groups they came in.
        var evaluatedCount: Int
        var evaluatedGroups: Int
        var warnings: [String]
    }

    /// Cross-fitting: every group is averaged with B fitted on the other groups. Pilot: group 0
    /// fits B and groups 1… are averaged with it.
    static func heldOutMoments(_ state: FoldedMoments, pilot: Bool, responses k: Int, controlNames: [String]?,
                               collinearity: CollinearityPolicy) throws(MonteCarloError) -> HeldOut {
        let groupCount = state.groups.count
        let p = state.groups[0].dimension - k
        let n = state.groups.reduce(0) { $0 + $1.count }
        let evaluated = pilot ? Array(1..<groupCount) : Array(0..<groupCount)
        var evaluatedCount = 0
        for g in evaluated { evaluatedCount += state.groups[g].count }
        var result = HeldOut(values: Array(repeating: 0, count: k), covariance: Array(repeating: 0, count: k * k),
                             atFloor: false, evaluatedCount: evaluatedCount, evaluatedGroups: evaluated.count, warnings: [])
        for g in evaluated {
            let group = state.groups[g]
            guard group.count >= 2 else {
                throw .insufficientSamples(needed: 2 * groupCount, available: n, reason: "(at least 2 per fold)")
            }
            let training = pilot ? state.groups[0] : try state.merged(excluding: g)
            guard training.count >= p + 2 else {
                throw .insufficientSamples(needed: (p + 2) * groupCount, available: n,
                                           reason: "so that every fit of \(p) coefficients has p + 2 draws")
            }
            let fit = try RegressionControlVariateFit(moments: training, responses: k, controlNames: controlNames,
                                                      collinearity: collinearity)
            for line in fit.warnings where !result.warnings.contains(line) { result.warnings.append(line) }
            let share = Double(group.count) / Double(evaluatedCount)
            let residual = fit.residualCovariance(of: group)
            result.atFloor = result.atFloor || residual.atFloor
            for a in 0..<k { result.values[a] += share * fit.residualMean(of: group, response: a) }
            for index in 0..<(k * k) { result.covariance[index] += share * share * residual.covariance[index] / Double(group.count) }
        }
        return result
    }
}
