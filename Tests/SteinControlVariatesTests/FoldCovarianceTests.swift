import Foundation
import MonteCarloCore
import StatisticalTesting
import Testing
@testable import SteinControlVariates

/// Zero-variance control variates on independent draws: the fold means are correlated through
/// the least-squares fits when the residuals are heteroscedastic, and `variance` includes that
/// covariance (`ZeroVarianceControlVariates.foldCovarianceTerm`). The default run (R = 100)
/// smoke-tests the closed-form check; `MONTECARLO_CALIBRATION=full` runs R = 2000.
@Suite("Zero-variance control variates: the fold means' covariance through the fits")
struct FoldCovarianceTests {
    /// The term against its definition on cases small enough to evaluate by hand: p = 1, two
    /// folds of 2 draws, g = (1, −1, 2, −2), so ḡ = 0, S = Σg²/3 = 10/3 and
    /// q = g²/S = (0.3, 0.3, 1.2, 1.2). Centred residuals r = (1, 1, −1, −1) give
    /// M̂ = Σ r g²/4 = −1.5, ‖W‖² = (M̂/S)² = 0.2025 and Σ r²q² = 3.06, so the U-statistic is
    /// (16 · 0.2025 − 3.06)/12 = 0.015; with w = 2/(4 · 2) = ¼ per fold the pairs weigh
    /// 2 · ¼ · ¼ = ⅛ and the term is 0.015/8. With r = (1, −1, 0.5, −0.5), M̂ = 0 and the
    /// U-statistic is negative (−0.9/12): no term.
    @Test("the term on a hand-computed case")
    func handComputed() throws {
        let g = [1.0, -1, 2, -2]
        let none = ZeroVarianceControlVariates.foldCovarianceTerm(controls: g, p: 1, centeredResiduals: [1, -1, 0.5, -0.5],
                                                                      foldSizes: [2, 2])
        #expect(none == 0)
        let term = try #require(ZeroVarianceControlVariates.foldCovarianceTerm(controls: g, p: 1, centeredResiduals: [1, 1, -1, -1],
                                                                      foldSizes: [2, 2]))
        #expect(abs(term - 0.015 / 8) < 1e-15, "\(term)")
        // A constant control: S = 0 does not factor, and there is no term (the estimator warns).
        #expect(ZeroVarianceControlVariates.foldCovarianceTerm(controls: [1, 1, 1, 1], p: 1, centeredResiduals: [1, 1, -1, -1],
                                                               foldSizes: [2, 2]) == nil)
    }

    /// The term against its population value where that has a closed form: f = x² under
    /// N(0, 1) with the degree-1 control g = −x. The population slope is 0, so ε = x² − 1,
    /// S = Var(x) = 1, M = E[(x² − 1)x²] = 2 and T = (M/S)² = 4; with K = 2 folds of n/2 the
    /// term is 2T/n² = 8/n². (A direct simulation of the fold means, 10⁵ data sets at
    /// n = 20, 40, 80 in NumPy, gave Cov(ē₁, ē₂) = 4/m² with m = n/2 to within 3%.) The mean of
    /// the reported term over R data sets at n = 1600 must be within 5 of its standard errors
    /// of 8/n², plus 5% for what a first-order term leaves out (the fitted slopes inside the
    /// residuals, the estimated S; relative O(p/n): measured −6% at n = 400 and −1.6% at
    /// n = 1600 over 2000 data sets). A missing term, a factor 2 in the fold weights or the
    /// plug-in tr(S⁻¹M̂S⁻¹M̂) at small n (+19.5/n relative bias here, from E[r²q²] = 78) fail.
    @Test("the term's mean matches the closed form for f = x², degree 1 (smoke test by default)",
          .tags(.calibration))
    func closedForm() throws {
        let n = 1600
        let replications = CalibrationScale.current.replications(fast: 100, full: 2000)
        let normal = try StandardNormalVector(dimension: 1)
        var generator = Xoshiro256PlusPlus(seed: 4200)
        var terms = RunningMoments()
        for _ in 0..<replications {
            let sample = try SteinSample(drawing: n, from: normal, using: &generator)
            var values: [Double] = []
            for i in 0..<n { values.append(sample.point(i)[0] * sample.point(i)[0]) }
            let estimate = try ZeroVarianceControlVariates(degree: 1).estimate(sample: sample, values: values)
            terms.add(try #require(estimate.diagnostics.figures["foldCovarianceTerm"]) * Double(n * n) / 8)
        }
        let standardError = (terms.sampleVariance / Double(replications)).squareRoot()
        #expect(abs(terms.mean - 1) <= 5 * standardError + 0.05,
                "mean term × n²/8 = \(terms.mean) ± \(standardError) over \(replications) data sets")
    }
}
