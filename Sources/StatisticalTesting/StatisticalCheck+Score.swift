import MonteCarloCore

extension StatisticalCheck {
    /// Checks a score function ∇ log π against central differences of the log-density.
    ///
    /// Stein control variates, kernel Stein discrepancies and Langevin samplers trust the score
    /// they are given: a wrong sign or a missing term biases their estimates without any error.
    /// Check the score where it matters before estimating with it:
    ///
    /// ```swift
    /// let check = try StatisticalCheck.scoreConsistency(
    ///     score: banana.score, logDensity: banana.logDensity, at: [[0.3, -0.7], [-1.9, 2.4]])
    /// #expect(check.passed, "\(check)")
    /// ```
    ///
    /// - Parameters:
    ///   - score: The score under test: ∇ log π(x), one entry per coordinate.
    ///   - logDensity: log π(x) up to an additive constant.
    ///   - points: The points to check at, all of one dimension d ≥ 1.
    ///   - step: The difference step h; coordinate c moves by h·max(1, |x_c|). 10⁻⁵ by default.
    ///   - tolerance: The accepted discrepancy, relative to max(1, |difference quotient|);
    ///     10⁻⁶ by default.
    /// - Returns: A check whose ``statistic`` is the largest discrepancy
    ///   |score − quotient| / max(1, |quotient|) over every point and coordinate, accepted in
    ///   [0, `tolerance`]; the quotient is (log π(x + h e_c) − log π(x − h e_c)) divided by the
    ///   step as represented, (x_c + h) − (x_c − h).
    /// - Throws: `MonteCarloError/insufficientSamples(needed:available:reason:)` for no points,
    ///   `MonteCarloError/dimensionMismatch(what:expected:actual:)` for points of different
    ///   dimensions or of dimension 0, `MonteCarloError/invalidParameter(name:value:requirement:)`
    ///   for a step or tolerance that is not finite and positive.
    ///
    /// **Statistical properties.** Deterministic: the false-alarm probability is 0 up to the
    /// difference quotient's own error, h²|∂³ log π|/6 (truncation) plus about ε|log π|/h
    /// (rounding, ε = 2.2 × 10⁻¹⁶), which the defaults keep near 10⁻¹⁰ for log-densities whose
    /// third derivatives and values are of order 1–10⁴ in units of max(1, |x_c|). A score of the
    /// wrong length, or a non-finite score or quotient, fails the check.
    public static func scoreConsistency(
        score: ([Double]) -> [Double], logDensity: ([Double]) -> Double, at points: [[Double]],
        step: Double = 1e-5, tolerance: Double = 1e-6
    ) throws(MonteCarloError) -> StatisticalCheck {
        try Require.count(points.count, atLeast: 1, "points to check the score at")
        try Require.positive(step, "step")
        try Require.positive(tolerance, "tolerance")
        let d = points[0].count
        guard d >= 1 else { throw .dimensionMismatch(what: "point", expected: 1, actual: 0) }
        for point in points where point.count != d {
            throw .dimensionMismatch(what: "point", expected: d, actual: point.count)
        }
        let name = "score consistency"
        var worst = 0.0, worstDetail = ""
        for point in points {
            let analytic = score(point)
            guard analytic.count == d else {
                return StatisticalCheck(
                    name: name, passed: false, statistic: .nan, lowerBound: 0, upperBound: tolerance,
                    falseAlarmProbability: 0,
                    detail: "the score at \(point) has \(analytic.count) entries for a point of dimension \(d)")
            }
            for c in 0..<d {
                let h = step * max(1, abs(point[c]))
                var up = point, down = point
                up[c] += h
                down[c] -= h
                let quotient = (logDensity(up) - logDensity(down)) / (up[c] - down[c])
                let discrepancy = abs(analytic[c] - quotient) / max(1, abs(quotient))
                guard discrepancy.isFinite else {
                    return StatisticalCheck(
                        name: name, passed: false, statistic: .nan, lowerBound: 0, upperBound: tolerance,
                        falseAlarmProbability: 0,
                        detail: "∂\(c) at \(point): score \(Format.value(analytic[c])), difference quotient \(Format.value(quotient)) (not finite)")
                }
                if discrepancy >= worst {
                    worst = discrepancy
                    worstDetail = "∂\(c) at \(point): score \(Format.value(analytic[c])), difference quotient \(Format.value(quotient))"
                }
            }
        }
        return StatisticalCheck(
            name: name, statistic: worst, lowerBound: 0, upperBound: tolerance, falseAlarmProbability: 0,
            detail: "largest relative discrepancy \(Format.short(worst)) over \(points.count) points × \(d) coordinates "
                + "(\(worstDetail)); accepted ≤ \(Format.short(tolerance))")
    }
}
