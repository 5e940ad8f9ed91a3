import Foundation
import MonteCarloCore
import Testing
@testable import SteinControlVariates

/// The fits that ``LeaveOutKernelFits`` derives from one factorization of the full kernel matrix
/// against refits on the same training draws at the same absolute ridge.
@Suite("Leave-out kernel fits")
struct LeaveOutKernelFitsTests {
    /// The training sets of the weighted form's 5-fold error bar (one fold left out; two folds
    /// left out, as the jackknife does) and an irregular one, on n = 60 draws.
    static func trainingSets(count n: Int) -> [[Int]] {
        let fold = { (k: Int) in (0..<n).filter { $0 % 5 == k } }
        var sets: [[Int]] = []
        for k in 0..<5 { sets.append((0..<n).filter { $0 % 5 != k }) }
        for (g, k) in [(0, 1), (2, 4)] { sets.append((0..<n).filter { !fold(g).contains($0) && !fold(k).contains($0) }) }
        sets.append((0..<n).filter { $0 % 7 != 3 && $0 % 11 != 2 }.reversed())
        return sets
    }

    /// Held-out residuals, fitted β̂ and kernel coefficients of the leave-out fit equal those of the
    /// refit. Tolerance: at relative nugget 10⁻³ K is well conditioned (κ ≲ 10⁵), so residuals and
    /// β̂ agree to 10⁻¹² of f's scale (measured ≤ 6·10⁻¹⁴) and the coefficients to 10⁻¹⁰ of their
    /// size; at the default 10⁻⁸ (κ ≈ 10⁸ at the median length-scale) each computation loses about
    /// κε ≈ 10⁻⁸ relative, so 10⁻⁸ and 10⁻⁶ (measured ≤ 5·10⁻¹⁰ and 9·10⁻¹⁰).
    @Test("leave-out fits equal refits at the full-data ridge", arguments: [(0, 1e-3), (2, 1e-3), (0, 1e-8), (2, 1e-8)])
    func equalsRefits(degree: Int, nugget: Double) throws {
        let n = 60
        let (sample, values) = try TestProblems.draw(try TestProblems.correlatedGaussian(), count: n, seed: 21,
                                                     integrand: TestProblems.correlatedSmooth)
        let (p, controls) = try ZeroVarianceControlVariates.polynomialPart(degree: degree, for: sample)
        let kernel = try KernelSpecification.gaussian().steinKernel(lengthScale: try KernelSpecification.gaussian().baseLengthScale(on: sample))
        let shared = try LeaveOutKernelFits(kernel: kernel, sample: sample, values: values, controls: controls,
                                            polynomialCount: p, nugget: nugget)
        let tolerance = nugget >= 1e-3 ? 1e-12 : 1e-8
        let scale = values.map(abs).max()!
        for training in Self.trainingSets(count: n) {
            let left = (0..<n).filter { !training.contains($0) }
            let fast = try #require(shared.fit(training: training))
            let refit = try KernelFit(kernel: kernel, sample: sample, values: values, controls: controls, polynomialCount: p,
                                      training: training, nugget: nugget, diagonalShift: shared.full.jitter)
            #expect(refit.jitter == shared.full.jitter)
            let e = fast.residuals(sample: sample, values: values, controls: controls, at: left).residuals
            let reference = refit.residuals(sample: sample, values: values, controls: controls, at: left).residuals
            let residualGap = zip(e, reference).map { abs($0 - $1) }.max()!
                        #expect(residualGap <= tolerance * scale, "residuals differ by \(residualGap) (Q = \(degree), nugget \(nugget))")
            let betaGap = zip(fast.basisCoefficients, refit.basisCoefficients).map { abs($0 - $1) }.max()!
            #expect(betaGap <= tolerance * scale, "β̂ differ by \(betaGap)")
            let coefficientScale = refit.coefficients.map(abs).max()!
            let coefficientGap = zip(fast.coefficients, refit.coefficients).map { abs($0 - $1) }.max()!
            #expect(coefficientGap <= 100 * tolerance * coefficientScale, "kernel coefficients differ by \(coefficientGap) of \(coefficientScale)")
        }
    }

    /// With the folds given as blocks, the fits leaving out one fold (from the fold's own factor
    /// of P) and two folds (from the first fold's factor and the Schur complement of the second,
    /// for every pair, in both orders, with and without the kernel coefficients) equal refits at
    /// the full-data ridge, with the tolerances of `equalsRefits` (same matrices, same
    /// conditioning): held-out residuals (read off the leave-out identity), β̂ and coefficients.
    @Test("block and pair fits equal refits", arguments: [(0, 1e-3), (1, 1e-3), (2, 1e-3), (0, 1e-8), (1, 1e-8), (2, 1e-8)])
    func blockFitsEqualRefits(degree: Int, nugget: Double) throws {
        let n = 60
        let (sample, values) = try TestProblems.draw(try TestProblems.correlatedGaussian(), count: n, seed: 22,
                                                     integrand: TestProblems.correlatedSmooth)
        let (p, controls) = try ZeroVarianceControlVariates.polynomialPart(degree: degree, for: sample)
        let kernel = try KernelSpecification.gaussian().steinKernel(lengthScale: try KernelSpecification.gaussian().baseLengthScale(on: sample))
        let folds = try sample.folds(5)
        let shared = try LeaveOutKernelFits(kernel: kernel, sample: sample, values: values, controls: controls,
                                            polynomialCount: p, nugget: nugget, blocks: folds)
        let tolerance = nugget >= 1e-3 ? 1e-12 : 1e-8
        let scale = values.map(abs).max()!
        var leftOutSets: [[Int]] = folds.map { $0 }
        for g in 0..<5 { for k in 0..<5 where k != g { leftOutSets.append(folds[g] + folds[k]) } }
        for left in leftOutSets {
            let training = (0..<n).filter { !left.contains($0) }.reversed().map { $0 }  // any order
            let refit = try KernelFit(kernel: kernel, sample: sample, values: values, controls: controls, polynomialCount: p,
                                      training: training, nugget: nugget, diagonalShift: shared.full.jitter)
            let reference = refit.residuals(sample: sample, values: values, controls: controls, at: left)
            for computesCoefficients in [true, false] {
                let fast = try #require(shared.fit(training: training, computesCoefficients: computesCoefficients))
                #expect(fast.heldOut != nil)
                let e = fast.residualValues(sample: sample, values: values, controls: controls, at: left)
                let residualGap = zip(e, reference.residuals).map { abs($0 - $1) }.max()!
                #expect(residualGap <= tolerance * scale, "residuals differ by \(residualGap) (Q = \(degree), nugget \(nugget), |L| = \(left.count))")
                let betaGap = zip(fast.basisCoefficients, refit.basisCoefficients).map { abs($0 - $1) }.max()!
                #expect(betaGap <= tolerance * scale, "β̂ differ by \(betaGap)")
                guard computesCoefficients else { continue }
                let coefficientScale = refit.coefficients.map(abs).max()!
                let coefficientGap = zip(fast.coefficients, refit.coefficients).map { abs($0 - $1) }.max()!
                #expect(coefficientGap <= 100 * tolerance * coefficientScale, "kernel coefficients differ by \(coefficientGap) of \(coefficientScale)")
                // The rounding bounds: the same sums in another order.
                let rounding = fast.residuals(sample: sample, values: values, controls: controls, at: left).rounding
                let roundingGap = zip(rounding, reference.rounding).map { abs($0 - $1) / $1 }.max()!
                #expect(roundingGap <= 100 * tolerance, "rounding bounds differ by \(roundingGap) relative")
            }
        }
    }

    /// The weighted form's error bar from the leave-out fits equals the one from refits at the
    /// full-data ridge: the held-out and jackknife variances agree to 10⁻¹⁰ relative (measured
    /// 3·10⁻¹⁴), and the
    /// weighted value is the full-data fit's constant.
    @Test("weighted form: variance figures equal the refitted ones")
    func weightedFormMatchesRefits() throws {
        let n = 80
        let (sample, values) = try TestProblems.draw(try StandardNormalVector(dimension: 4), count: n, seed: 4,
                                                     integrand: TestProblems.southFourD)
        let estimator = SteinControlFunctional(form: .weighted(varianceFolds: 5))
        let estimate = try estimator.estimate(sample: sample, values: values)
        // The same error bar by refits at the full-data ridge.
        let kernel = try estimator.kernel.steinKernel(lengthScale: try estimator.kernel.baseLengthScale(on: sample))
        let full = try KernelFit(kernel: kernel, sample: sample, values: values, controls: [], polynomialCount: 0,
                                 training: Array(0..<n), nugget: estimator.nugget)
        let folds = try sample.folds(5)
        var accumulator = ResidualAccumulator()
        for (k, evaluation) in folds.enumerated() {
            let training = folds.enumerated().filter { $0.offset != k }.flatMap(\.element)
            let fit = try KernelFit(kernel: kernel, sample: sample, values: values, controls: [], polynomialCount: 0,
                                    training: training, nugget: 0, diagonalShift: full.jitter)
            let (e, rounding) = fit.residuals(sample: sample, values: values, controls: [], at: evaluation)
            accumulator.addGroup(residuals: e, roundingErrors: rounding, indices: evaluation)
        }
        var jackknifeEstimates: [Double] = []
        for g in 0..<5 {
            var sum = 0.0, count = 0
            for (k, evaluation) in folds.enumerated() where k != g {
                let training = folds.enumerated().filter { $0.offset != k && $0.offset != g }.flatMap(\.element)
                let fit = try KernelFit(kernel: kernel, sample: sample, values: values, controls: [], polynomialCount: 0,
                                        training: training, nugget: 0, diagonalShift: full.jitter)
                sum += fit.residuals(sample: sample, values: values, controls: [], at: evaluation).residuals.reduce(0, +)
                count += evaluation.count
            }
            jackknifeEstimates.append(sum / Double(count))
        }
        let heldOut = try accumulator.combine(dependence: .independent).withinVariance
        let jackknife = SteinControlFunctional.jackknifeVariance(jackknifeEstimates)
        let figures = estimate.diagnostics.figures
        let reportedHeldOut = try #require(figures["heldOutVariance"])
        let reportedJackknife = try #require(figures["jackknifeVariance"])
        #expect(abs(reportedHeldOut - heldOut) <= 1e-10 * heldOut, "held-out \(reportedHeldOut) vs refits \(heldOut)")
        #expect(abs(reportedJackknife - jackknife) <= 1e-10 * jackknife, "jackknife \(reportedJackknife) vs refits \(jackknife)")
        #expect(estimate.value == full.constant || estimate.diagnostics.warnings.contains { $0.contains("3 standard errors") })
    }
}
