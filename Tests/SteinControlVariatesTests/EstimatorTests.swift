import Foundation
import LinearAlgebra
import MonteCarloCore
import StatisticalTesting
import Testing
@testable import SteinControlVariates

/// Zero-variance control variates: exactness and unbiasedness.
@Suite("Zero-variance control variates")
struct ZeroVarianceTests {
    /// T3 (ZVCV's `zvcv` example): under N((−1.5, 1.5), [[1, .5], [.5, 2]]), ZV of degree 2
    /// integrates x₁, x₂, (x₁ − μ₁)², (x₂ − μ₂)², (x₁ − μ₁)(x₂ − μ₂) exactly (truths −1.5, 1.5,
    /// 1, 2, 0.5), and degree 1 integrates x₁, x₂ exactly, from N = 30 draws. "Exactly" means to
    /// rounding: the error must be below 10⁻⁹ (the values are O(1); rounding in the least-squares
    /// fit is ~κε with κ the design's condition number, well below 10⁻⁶ here).
    @Test("ZV exactness for polynomials under a correlated Gaussian")
    func exactness() throws {
        let target = try TestProblems.correlatedGaussian()
        let mu = TestProblems.correlatedMean
        let integrands: [(([Double]) -> Double, Double, Int)] = [
            ({ $0[0] }, -1.5, 1), ({ $0[1] }, 1.5, 1),
            ({ ($0[0] - mu[0]) * ($0[0] - mu[0]) }, 1, 2), ({ ($0[1] - mu[1]) * ($0[1] - mu[1]) }, 2, 2),
            ({ ($0[0] - mu[0]) * ($0[1] - mu[1]) }, 0.5, 2),
        ]
        for (index, (f, truth, minimumDegree)) in integrands.enumerated() {
            let (sample, values) = try TestProblems.draw(target, count: 30, seed: 11, integrand: f)
            for degree in minimumDegree...2 {
                let estimate = try ZeroVarianceControlVariates(degree: degree).estimate(sample: sample, values: values)
                #expect(abs(estimate.value - truth) < 1e-9, "integrand \(index), degree \(degree): \(estimate)")
                #expect(estimate.standardError < 1e-8, "integrand \(index), degree \(degree): \(estimate)")
            }
        }
    }

    /// On T5 (not a polynomial) ZV is an unbiased estimator with an honest error bar: the estimate
    /// lies within 5 standard errors of the truth 2 (false-alarm probability 5.7e−7 if honest),
    /// and degree 2 removes the quadratic trend (reference efficiency ≈ 15; required ≥ 3).
    @Test("ZV on a smooth non-polynomial integrand", arguments: [1, 2])
    func southOneD(degree: Int) throws {
        let target = try StandardNormalVector(dimension: 1)
        let (sample, values) = try TestProblems.draw(target, count: 2000, seed: 5, integrand: TestProblems.southOneD)
        let estimate = try ZeroVarianceControlVariates(degree: degree, folds: 2).estimate(sample: sample, values: values)
        #expect(StatisticalCheck.consistency(of: estimate, with: 2).passed, "\(estimate)")
        if degree == 2 { #expect(estimate.effectiveSampleSize > 3 * 2000, "\(estimate)") }
    }

    @Test("ZV control columns have mean zero and the documented count")
    func controls() throws {
        let zv = ZeroVarianceControlVariates(degree: 2)
        #expect(try zv.controlCount(dimension: 3) == 9)  // C(5, 3) − 1
        #expect(try ZeroVarianceControlVariates(degree: 1).controlCount(dimension: 3) == 3)
        let (sample, _) = try TestProblems.draw(try TestProblems.correlatedGaussian(), count: 20_000, seed: 8) { _ in 0 }
        let g = try zv.controls(for: sample)
        let p = try zv.controlCount(dimension: 2)
        for j in 0..<p {
            var moments = RunningMoments()
            for i in 0..<sample.count { moments.add(g[i * p + j]) }
            // |mean| ≤ 5 standard errors (each control has mean zero under π).
            #expect(abs(moments.mean) <= 5 * moments.varianceOfMean.squareRoot(), "control \(j): mean \(moments.mean)")
        }
    }

    /// Only degrees 1 and 2 are built: any other degree is refused by every entry point rather
    /// than silently giving the degree-2 controls.
    @Test("ZV refuses degrees other than 1 and 2", arguments: [0, 3, -1])
    func unsupportedDegree(degree: Int) throws {
        let zv = ZeroVarianceControlVariates(degree: degree)
        let (sample, values) = try TestProblems.draw(try TestProblems.correlatedGaussian(), count: 40, seed: 9) { $0[0] }
        #expect(throws: MonteCarloError.self) { try zv.controlCount(dimension: 2) }
        #expect(throws: MonteCarloError.self) { try zv.controls(for: sample) }
        #expect(throws: MonteCarloError.self) { try zv.estimate(sample: sample, values: values) }
    }
}

/// Control functionals: variance reduction, calibration, the fallback, and typed errors.
@Suite("Control functionals")
struct ControlFunctionalTests {
    /// Mean squared error against the truth over R replications (stream r of `seed`), and the
    /// plain sample mean's on the same draws.
    func meanSquaredErrors<D: ScoredSampler>(
        _ estimator: SteinControlFunctional, _ distribution: D, count: Int, replications: Int, seed: UInt64,
        truth: Double, checkConsistency: Bool = false, integrand: ([Double]) -> Double
    ) throws -> (method: Double, plain: Double) {
        var method = 0.0, plain = 0.0
        for r in 0..<replications {
            let (sample, values) = try TestProblems.draw(distribution, count: count, seed: seed, replication: r, integrand: integrand)
            let estimate = try estimator.estimate(sample: sample, values: values)
            if checkConsistency {
                let check = StatisticalCheck.consistency(of: estimate, with: truth)
                #expect(check.passed, "replication \(r): \(check) \(estimate.diagnostics.warnings)")
            }
            let mean = values.reduce(0, +) / Double(count)
            method += (estimate.value - truth) * (estimate.value - truth) / Double(replications)
            plain += (mean - truth) * (mean - truth) / Double(replications)
        }
        return (method, plain)
    }

    /// T4, n = 250, Gaussian kernel with the median heuristic, weighted form: the reference
    /// measured efficiency (Var f/n)/MSE = 67 over 100 replications; the issue requires ≥ 20.
    /// With R = 20 the MSE estimate varies like χ²₂₀/20 for normal errors, which exceeds
    /// 67/20 = 3.4 with probability ~10⁻⁶, so the floor is not flaky.
    @Test("CF beats plain Monte Carlo ≥ 20× on the d = 4 South problem")
    func efficiencyFourD() throws {
        let (mse, _) = try meanSquaredErrors(
            SteinControlFunctional(form: .weighted()), try StandardNormalVector(dimension: 4), count: 250,
            replications: 20, seed: 41, truth: 1, integrand: TestProblems.southFourD)
        let efficiency = TestProblems.southFourDVariance / 250 / mse
        #expect(efficiency >= 20, "efficiency \(efficiency)")
    }

    /// T5, n = 250, tuned Gaussian kernel, weighted form: the reference measured 931 with CV
    /// tuning; the issue requires ≥ 40. R = 6 replications suffice for a 20× margin (3-fold tuning
    /// keeps the debug run short). (Not a
    /// calibration test: the weighted form is declared biased, and here f grows like x² where the
    /// Stein-kernel functions decay, so the fit misses tail mass and the estimates sit a few
    /// thousandths below 2 with error bars that do not show it; see the semi-exact form.)
    @Test("tuned CF beats plain Monte Carlo ≥ 40× on the 1-D South problem")
    func efficiencyOneD() throws {
        let (mse, _) = try meanSquaredErrors(
            SteinControlFunctional(form: .weighted(), tuning: .crossValidated(folds: 3)), try StandardNormalVector(dimension: 1),
            count: 250, replications: 6, seed: 42, truth: 2, integrand: TestProblems.southOneD)
        let efficiency = TestProblems.southOneDVariance / 250 / mse
        #expect(efficiency >= 40, "efficiency \(efficiency)")
    }

    /// The unbiased forms reduce variance too (d = 4 South problem, n = 250; measured ≈ 16× for
    /// 5-fold cross-fitting over 10 replications; floor 5×), and their reported ESS is of the
    /// same order as the realised one.
    @Test("cross-fitted CF reduces variance")
    func crossFittedEfficiency() throws {
        let (mse, _) = try meanSquaredErrors(
            SteinControlFunctional(form: .crossFitted(folds: 5)), try StandardNormalVector(dimension: 4), count: 250,
            replications: 20, seed: 43, truth: 1, checkConsistency: true, integrand: TestProblems.southFourD)
        #expect(TestProblems.southFourDVariance / 250 / mse >= 5)
    }

    /// Calibration of the unbiased forms on T4 at small n (the reference measured 95% coverage
    /// 0.950 for the split form at n = 100): over R = 200 replications (power 0.96 against 85%
    /// coverage; see `TailCalibrationTests`) the coverage must reach the lower end of the
    /// Binomial(R, 0.95) acceptance region, the empirical-to-reported variance ratio between 0.1 times its χ² lower
    /// bound (the stated conservativeness of the jackknife and the unseen-tail term) and its χ²
    /// upper bound, and the mean within a t-test of the truth (each at false-alarm probability
    /// 10⁻³).
    @Test("split and cross-fitted CF are calibrated", .tags(.calibration),
          arguments: [SteinControlFunctional.Form.sampleSplit(), .crossFitted(folds: 5)])
    func calibration(form: SteinControlFunctional.Form) throws {
        let replications = CalibrationScale.current.replications(fast: 200, full: 1000)
        let target = try StandardNormalVector(dimension: 4)
        let estimator = SteinControlFunctional(form: form)
        let report = try CalibrationReport(replications: replications, seed: 2026, truth: 1) { (_, generator: inout Xoshiro256PlusPlus) throws(MonteCarloError) -> Estimate in
            let sample = try SteinSample(drawing: 100, from: target, using: &generator)
            return try estimator.estimate(sample: sample, values: (0..<100).map { TestProblems.southFourD(sample.point($0)) })
        }
        print(report.markdownRow(label: "d = 4 South, n = 100, \(form)", verdict: TailCalibrationTests.verdict(report)))
        #expect(TailCalibrationTests.honest(report), "\(form): \(report)")
    }

    /// A step function (truth ½), where kernel interpolants fail badly (reference: efficiency
    /// 10⁻⁶…10⁻⁴ for an unguarded Gaussian CF). Tuned, cross-fitted CF with its fallback must not
    /// be worse than 1.5× the plain sample mean's MSE on the same draws (the floor);
    /// the comparison is paired, so the noise of the two MSE estimates largely cancels.
    @Test("tuned CF is never much worse than plain Monte Carlo on a step function")
    func stepFunctionFallback() throws {
        let (method, plain) = try meanSquaredErrors(
            SteinControlFunctional(form: .crossFitted(folds: 5), tuning: .crossValidated(folds: 3)),
            try StandardNormalVector(dimension: 1), count: 100, replications: 30, seed: 44, truth: 0.5) { $0[0] >= 0 ? 1 : 0 }
        #expect(method <= 1.5 * plain, "MSE \(method) vs plain \(plain)")
    }

    @Test("fallback to the sample mean is reported")
    func fallbackReported() throws {
        // f = a constant plus tiny noise that no smooth control explains: pure noise in a
        // coordinate the kernel sees, at n = 40, is not learnable; the guard must keep the
        // result no worse than the sample mean and say so when it falls back.
        var generator = Xoshiro256PlusPlus(seed: 9)
        let sample = try SteinSample(drawing: 40, from: try StandardNormalVector(dimension: 2), using: &generator)
        let values = (0..<40).map { _ in generator.nextStandardNormal() }
        let estimate = try SteinControlFunctional(form: .crossFitted(folds: 4), tuning: .crossValidated(folds: 3))
            .estimate(sample: sample, values: values)
        let mean = values.reduce(0, +) / 40
        if estimate.diagnostics.method.hasPrefix("sample-mean") {
            #expect(abs(estimate.value - mean) <= 1e-14)
            #expect(!estimate.diagnostics.warnings.isEmpty)
        } else {
            #expect(estimate.variance <= sampleVariance(values) / 40)
        }
    }

    /// The sampling convenience, with the semi-exact form (Q = 2): the polynomial part takes the
    /// x² growth of f, so the control beats the sample mean (ESS > n). (Plain IMQ control
    /// functionals, Q = 0, fall back to the sample mean on this draw: f grows like x² where the
    /// kernel functions decay, and the jackknife variance, printed below, exceeds s²_f/n.)
    @Test("the convenience that samples from a scored distribution")
    func sampling() throws {
        let estimate = try SteinControlFunctional(kernel: .inverseMultiquadric(), form: .crossFitted(), polynomialDegree: 2)
            .estimate(sampling: try StandardNormalVector(dimension: 1), count: 200, seed: 3, integrand: TestProblems.southOneD)
        #expect(StatisticalCheck.consistency(of: estimate, with: 2).passed, "\(estimate)")
        #expect(estimate.sampleCount == 200)
        #expect(estimate.effectiveSampleSize > 200, "\(estimate) \(estimate.diagnostics)")
        let plainCF = try SteinControlFunctional(kernel: .inverseMultiquadric(), form: .crossFitted())
            .estimate(sampling: try StandardNormalVector(dimension: 1), count: 200, seed: 3, integrand: TestProblems.southOneD)
        print("IMQ CF (Q = 0), 1-D South, n = 200: \(plainCF.diagnostics.method), figures \(plainCF.diagnostics.figures)")
        #expect(StatisticalCheck.consistency(of: plainCF, with: 2).passed, "\(plainCF)")
    }

    // MARK: - Bad input

    @Test("bad input gives typed errors")
    func badInput() throws {
        let cf = SteinControlFunctional()
        let points = (0..<20).map { [Double($0) / 10, 1 - Double($0) / 20] }
        let scores = points.map { $0.map { -$0 } }
        let values = points.map { $0[0] }
        var badValues = values
        badValues[7] = .nan
        #expect(throws: MonteCarloError.nonFinite(quantity: "integrand", index: 7)) {
            try cf.estimate(points: points, scores: scores, values: badValues)
        }
        var badScores = scores
        badScores[4][1] = .infinity
        #expect(throws: MonteCarloError.nonFinite(quantity: "score", index: 4)) {
            try cf.estimate(points: points, scores: badScores, values: values)
        }
        #expect(throws: MonteCarloError.dimensionMismatch(what: "integrand values (one per draw)", expected: 20, actual: 19)) {
            try cf.estimate(points: points, scores: scores, values: Array(values.dropLast()))
        }
        #expect(throws: MonteCarloError.dimensionMismatch(what: "scores (one per point)", expected: 20, actual: 19)) {
            try cf.estimate(points: points, scores: Array(scores.dropLast()), values: values)
        }
        var ragged = points
        ragged[3] = [1]
        #expect(throws: MonteCarloError.dimensionMismatch(what: "coordinates of point 3", expected: 2, actual: 1)) {
            try cf.estimate(points: ragged, scores: scores, values: values)
        }
        #expect(throws: MonteCarloError.insufficientSamples(needed: 10, available: 4, reason: "(2 per fold) for 5-fold cross-fitting")) {
            try cf.estimate(points: Array(points.prefix(4)), scores: Array(scores.prefix(4)), values: Array(values.prefix(4)))
        }
        // Too few draws for the split (and for its jackknife groups) or the weighted form's folds.
        #expect(throws: MonteCarloError.insufficientSamples(needed: 2, available: 1, reason: "in the fitting part of the split")) {
            try SteinControlFunctional(form: .sampleSplit()).estimate(points: Array(points.prefix(2)), scores: Array(scores.prefix(2)),
                                                                     values: Array(values.prefix(2)))
        }
        #expect(throws: MonteCarloError.self) {
            try SteinControlFunctional(form: .sampleSplit()).estimate(points: Array(points.prefix(4)), scores: Array(scores.prefix(4)),
                                                                     values: Array(values.prefix(4)))
        }
        #expect(throws: MonteCarloError.insufficientSamples(needed: 10, available: 6, reason: "(2 per fold) for the 5-fold variance estimate")) {
            try SteinControlFunctional(form: .weighted()).estimate(points: Array(points.prefix(6)), scores: Array(scores.prefix(6)),
                                                                  values: Array(values.prefix(6)))
        }
        var badPoints = points
        badPoints[5][0] = -.infinity
        #expect(throws: MonteCarloError.nonFinite(quantity: "point", index: 5)) {
            try cf.estimate(points: badPoints, scores: scores, values: values)
        }
        #expect(throws: MonteCarloError.invalidParameter(name: "folds", value: 1, requirement: "at least 2")) {
            try SteinControlFunctional(form: .crossFitted(folds: 1)).estimate(points: points, scores: scores, values: values)
        }
        #expect(throws: MonteCarloError.invalidParameter(name: "lengthScale", value: -1, requirement: "finite and positive")) {
            try SteinControlFunctional(kernel: .gaussian(lengthScale: .fixed(-1))).estimate(points: points, scores: scores, values: values)
        }
        #expect(throws: MonteCarloError.invalidParameter(name: "exponent", value: -1.5, requirement: "in the open interval (−1, 0)")) {
            try SteinControlFunctional(kernel: .inverseMultiquadric(exponent: -1.5)).estimate(points: points, scores: scores, values: values)
        }
        #expect(throws: MonteCarloError.insufficientSamples(needed: 1, available: 0, reason: "to form a Stein sample")) {
            try cf.estimate(points: [], scores: [], values: [])
        }
        // Too few draws for the polynomial controls: degree 2 in d = 2 has 5 controls, so every
        // training set needs 7 draws.
        #expect(throws: MonteCarloError.self) {
            try ZeroVarianceControlVariates(degree: 2).estimate(points: Array(points.prefix(8)), scores: Array(scores.prefix(8)),
                                                                values: Array(values.prefix(8)))
        }
        #expect(throws: MonteCarloError.invalidParameter(name: "degree", value: 3, requirement: "1 or 2")) {
            try ZeroVarianceControlVariates(degree: 3).estimate(points: points, scores: scores, values: values)
        }
    }

    /// Coordinates so large that squared distances overflow make the kernel matrix non-finite:
    /// a typed error, never a trap or a silent NaN estimate.
    @Test("a kernel matrix that cannot be factored gives a typed error")
    func unfactorable() throws {
        let points = (0..<10).map { [Double($0) * 1e160] }
        let scores = points.map { _ in [1.0] }
        let values = (0..<10).map { Double($0) }
        for form in [SteinControlFunctional.Form.weighted(), .crossFitted(), .sampleSplit()] {
            #expect {
                try SteinControlFunctional(kernel: .gaussian(lengthScale: .fixed(1)), form: form)
                    .estimate(points: points, scores: scores, values: values)
            } throws: { error in
                guard case .nonFinite(quantity: "Stein kernel matrix", index: _) = error as? MonteCarloError else { return false }
                return true
            }
        }
        #expect(MonteCarloError(LinearAlgebraError.notPositiveDefinite(jitterTried: 0.5), quantity: "K0") == .notPositiveDefinite(jitterTried: 0.5))
    }
}

/// Semi-exact control functionals (South et al. 2022).
@Suite("Semi-exact control functionals")
struct SemiExactTests {
    /// T3: Q = 2 integrates the quadratics under N((−1.5, 1.5), [[1, .5], [.5, 2]]) exactly, in
    /// every form (weighted, cross-fitted), to rounding (10⁻⁸ allows for the conditioning of the
    /// kernel solve, κ ≈ 10⁸ at the median length-scale, times ε).
    @Test("SECF Q = 2 is exact for quadratics under a correlated Gaussian",
          arguments: [SteinControlFunctional.Form.weighted(), .crossFitted(folds: 3)])
    func exactness(form: SteinControlFunctional.Form) throws {
        let target = try TestProblems.correlatedGaussian()
        let mu = TestProblems.correlatedMean
        let integrands: [(([Double]) -> Double, Double)] = [
            ({ ($0[0] - mu[0]) * ($0[0] - mu[0]) }, 1), ({ ($0[1] - mu[1]) * ($0[1] - mu[1]) }, 2),
            ({ ($0[0] - mu[0]) * ($0[1] - mu[1]) + $0[0] }, -1.0),
        ]
        for (index, (f, truth)) in integrands.enumerated() {
            let (sample, values) = try TestProblems.draw(target, count: 40, seed: 12, integrand: f)
            let estimate = try SteinControlFunctional(form: form, polynomialDegree: 2).estimate(sample: sample, values: values)
            #expect(abs(estimate.value - truth) < 1e-8, "integrand \(index): \(estimate)")
            #expect(estimate.diagnostics.method.hasPrefix("semi-exact-control-functional-Q2"))
        }
    }

    /// T5 with Q = 2: the polynomial part takes the x² growth the kernel cannot follow, and the
    /// cross-fitted estimate beats plain Monte Carlo by far (floor 40×, the figure for
    /// T5; errors here are ~10⁻⁴ against a plain standard error of 0.12), and each estimate lies
    /// within 5 of its own standard errors (false alarm 6·10⁻⁷ each for an honest bar). In this
    /// super-efficient regime the held-out residuals are dominated by rare draws where the
    /// interpolant is poor: the i.i.d. error bar alone was too small (|z| up to ~10); with the
    /// jackknife and the unseen-tail term the 8 replications measured |z| ≤ 2.1.
    @Test("SECF on the 1-D South problem")
    func southOneD() throws {
        let target = try StandardNormalVector(dimension: 1)
        var squaredError = 0.0
        let replications = 8
        for r in 0..<replications {
            let (sample, values) = try TestProblems.draw(target, count: 250, seed: 45, replication: r, integrand: TestProblems.southOneD)
            let estimate = try SteinControlFunctional(form: .crossFitted(folds: 5), polynomialDegree: 2).estimate(sample: sample, values: values)
            #expect(abs(estimate.value - 2) < 0.01, "replication \(r): \(estimate)")
            #expect(abs(estimate.value - 2) <= 5 * estimate.standardError, "replication \(r): \(estimate)")
            squaredError += (estimate.value - 2) * (estimate.value - 2) / Double(replications)
        }
        #expect(TestProblems.southOneDVariance / 250 / squaredError >= 40, "MSE \(squaredError)")
    }
}

/// Calibration of the polynomial estimators' error bars.
@Suite("Calibration of polynomial and semi-exact estimators", .tags(.calibration))
struct PolynomialCalibrationTests {
    /// ZV of degree 2, 2-fold cross-fitted, on T5 at n = 200 (residuals sin(πx)e^{−x²} plus
    /// small fitting noise: close to the regime where the reference measured t-coverage 0.945 at
    /// n = 200): coverage, variance ratio and mean bias within their acceptance regions.
    @Test("zero-variance control variates are calibrated")
    func zeroVariance() throws {
        let replications = CalibrationScale.current.replications(fast: 200, full: 2000)
        let target = try StandardNormalVector(dimension: 1)
        let estimator = ZeroVarianceControlVariates(degree: 2)
        let report = try CalibrationReport(replications: replications, seed: 77, truth: 2) {
            (_, generator: inout Xoshiro256PlusPlus) throws(MonteCarloError) -> Estimate in
            let sample = try SteinSample(drawing: 200, from: target, using: &generator)
            return try estimator.estimate(sample: sample, values: (0..<200).map { TestProblems.southOneD(sample.point($0)) })
        }
        #expect(report.passed, "\(report)")
    }

    /// SECF (Q = 1), split form, on the d = 4 South problem at n = 100, R = 200: coverage, mean
    /// bias, and the variance ratio two-sided within the stated conservativeness (reported
    /// variance at most 10 times the empirical one; `TailCalibrationTests.honest`).
    @Test("semi-exact control functionals (split) are calibrated")
    func semiExact() throws {
        let replications = CalibrationScale.current.replications(fast: 200, full: 1000)
        let target = try StandardNormalVector(dimension: 4)
        let estimator = SteinControlFunctional(form: .sampleSplit(), polynomialDegree: 1)
        let report = try CalibrationReport(replications: replications, seed: 78, truth: 1) {
            (_, generator: inout Xoshiro256PlusPlus) throws(MonteCarloError) -> Estimate in
            let sample = try SteinSample(drawing: 100, from: target, using: &generator)
            return try estimator.estimate(sample: sample, values: (0..<100).map { TestProblems.southFourD(sample.point($0)) })
        }
        print(report.markdownRow(label: "SECF Q = 1 split, d = 4 South, n = 100", verdict: TailCalibrationTests.verdict(report)))
        #expect(TailCalibrationTests.honest(report), "\(report)")
    }
}
