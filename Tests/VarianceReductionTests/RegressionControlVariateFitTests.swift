import Testing
import MonteCarloCore
import StatisticalTesting
@testable import VarianceReduction

/// The regression engine against closed forms: exact recovery, a hand-computed OLS fit, the
/// collinearity policy, and unbiased, calibrated cross-fitting on a linear-Gaussian problem.
@Suite("Regression control-variate engine")
struct RegressionControlVariateFitTests {
    /// Co-moments of the rows (response first).
    func moments(_ rows: [[Double]]) throws -> CovarianceMoments {
        var state = try CovarianceMoments(dimension: rows[0].count)
        for row in rows { state.add(row) }
        return state
    }

    @Test("f an exact linear combination of two controls: β and the intercept are recovered to rounding")
    func exactRecovery() throws {
        var generator = Xoshiro256PlusPlus(seed: 11)
        var rows: [[Double]] = []
        for _ in 0..<50 {
            let g1 = generator.nextStandardNormal(), g2 = 3 * generator.nextStandardNormal() + 1
            rows.append([3 + 2 * g1 - 0.5 * g2, g1, g2])
        }
        let fit = try RegressionControlVariateFit(moments: moments(rows))
        #expect(abs(fit.coefficients[0] - 2) < 1e-12 && abs(fit.coefficients[1] + 0.5) < 1e-12, "\(fit.coefficients)")
        #expect(abs(fit.intercept() - 3) < 1e-12)
        #expect(fit.residualSumOfSquares().atFloor)
        #expect(fit.keptControls == [0, 1] && fit.warnings.isEmpty)
    }

    @Test("hand-computed OLS: x = 1…4, y = (2, 3, 5, 4) gives β = 0.8, intercept 1.5, RSS 1.8, R² 0.64")
    func handComputedLeastSquares() throws {
        // x̄ = 2.5, ȳ = 3.5, Sxx = 5, Sxy = 4, Syy = 5: β = 4/5, a = 3.5 − 0.8·2.5, RSS = 5 − 0.8·4.
        let fit = try RegressionControlVariateFit(moments: moments([[2, 1], [3, 2], [5, 3], [4, 4]]))
        #expect(abs(fit.coefficients[0] - 0.8) < 1e-14)
        #expect(abs(fit.intercept() - 1.5) < 1e-14)
        let rss = fit.residualSumOfSquares()
        #expect(abs(rss.value - 1.8) < 1e-13 && !rss.atFloor)
        #expect(abs(fit.rSquared() - 0.64) < 1e-14)
        // OLS mode on the same draws (control centred at a known mean 2.5): the intercept, with
        // variance s²(1/n + ḡ²/Sxx) = (1.8/2)(1/4 + 0) and n − 2 degrees of freedom.
        var state = FoldedMoments(folds: 1, dimension: 2)
        for (i, row) in [[2.0, 1], [3, 2], [5, 3], [4, 4]].enumerated() { state.add([row[0], row[1] - 2.5], index: i) }
        let estimate = try RegressionControlVariateFit.estimate(from: state, mode: .ordinaryLeastSquares)
        #expect(abs(estimate.value - 3.5) < 1e-14 && abs(estimate.variance - 0.225) < 1e-14)
        #expect(estimate.degreesOfFreedom == 2)
    }

    func collinearRows() -> [[Double]] {
        var generator = Xoshiro256PlusPlus(seed: 12)
        return (0..<40).map { _ in
            let g = generator.nextStandardNormal(), e = generator.nextStandardNormal()
            return [1 + g + e, g, 2 * g + 1]
        }
    }

    @Test("a collinear control is a typed error naming it under .fail")
    func collinearFails() throws {
        let state = try moments(collinearRows())
        #expect {
            try RegressionControlVariateFit(moments: state, controlNames: ["alpha", "beta"], collinearity: .fail)
        } throws: { error in
            guard case .singularControlCovariance(let detail) = error as? MonteCarloError else { return false }
            return detail.contains("beta") && detail.contains("collinear")
        }
    }

    @Test("a collinear control is dropped with a warning under .dropWithWarning; the rest is the one-control fit")
    func collinearDropped() throws {
        let rows = collinearRows()
        let fit = try RegressionControlVariateFit(moments: moments(rows), controlNames: ["alpha", "beta"],
                                                  collinearity: .dropWithWarning)
        let single = try RegressionControlVariateFit(moments: moments(rows.map { Array($0.prefix(2)) }))
        #expect(fit.keptControls == [0] && fit.coefficients[1] == 0)
        #expect(fit.coefficients[0] == single.coefficients[0] && fit.intercept() == single.intercept())
        #expect(fit.warnings.count == 1 && fit.warnings[0].contains("beta") && fit.warnings[0].contains("dropped"))
    }

    @Test("a constant control: typed error under .fail, dropped under .dropWithWarning")
    func constantControl() throws {
        let rows = collinearRows().map { [$0[0], $0[1], 7.0] }
        #expect(throws: MonteCarloError.singularControlCovariance(detail: "control 1 is constant over the draws (zero variance)")) {
            try RegressionControlVariateFit(moments: moments(rows))
        }
        let fit = try RegressionControlVariateFit(moments: moments(rows), collinearity: .dropWithWarning)
        #expect(fit.keptControls == [0] && fit.warnings[0].contains("constant"))
    }

    @Test("one fold definition: groups(drawCount:) agrees with fold(ofDraw:); default K = 2; K < 2 is an error")
    func folds() throws {
        let folds = try CrossFitFolds(3)
        for (k, group) in try folds.groups(drawCount: 10).enumerated() {
            #expect(group.allSatisfy { folds.fold(ofDraw: $0) == k })
        }
        #expect(try CrossFitFolds().count == CrossFitFolds.defaultCount && CrossFitFolds.defaultCount == 2)
        #expect(throws: MonteCarloError.invalidParameter(name: "folds", value: 1, requirement: "at least 2")) {
            try CrossFitFolds(1)
        }
    }

    /// f = 1 + 2x₀ + x₁ with x ~ N(0, I₂) and the control x₀ (mean 0): E f = 1, and the residual
    /// variance is Var x₁ = 1, so the cross-fitted variance is about 1/n.
    @Test("cross-fitted: unbiased on a linear-Gaussian problem, variance calibrated (t-test and χ² over 400 replications)")
    func crossFittedLinearGaussian() throws {
        let estimator = try ControlVariateMonteCarlo(
            sampler: StandardNormalVector(dimension: 2), integrand: Integrand { 1 + 2 * $0[0] + $0[1] },
            controls: VectorIntegrand(outputDimension: 1) { [$0[0]] }, controlMeans: [0], fitting: .crossFitted)
        let n = 200
        let estimates = try replicate(400, seed: 13) { _, generator in
            try estimator.run(samples: n, seed: generator.next())
        }
        let bias = try StatisticalCheck.meanBias(of: estimates, truth: 1)
        #expect(bias.passed, "\(bias)")
        let calibration = try StatisticalCheck.varianceCalibration(of: estimates)
        #expect(calibration.passed, "\(calibration)")
        // Closed form of the mean reported variance: each fold's β̂ comes from m = n/2 draws, which
        // raises its residual variance from 1 to 1 + E(β̂ − β)² ≈ 1 + 1/m = 1 + 2/n; so
        // n·E v = 1 + 2/n. One replication's v has n − 2 degrees of freedom (relative SD
        // √(2/(n − 2))); the mean of 400 is within 5 of its SDs.
        let meanReported = estimates.reduce(0) { $0 + $1.variance } / Double(estimates.count)
        let expected = 1 + 2 / Double(n)
        #expect(abs(meanReported * Double(n) - expected) < 5 * expected * (2 / (400 * Double(n - 2))).squareRoot(),
                "mean reported variance × n = \(meanReported * Double(n)), closed form \(expected)")
    }
}
