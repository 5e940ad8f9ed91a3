import Foundation
import MonteCarloCore
import StatisticalTesting
import SteinControlVariates
import Testing
@testable import SlicedWasserstein

/// `steinEstimate` takes any fixed-sample estimator, not only control functionals.
@Suite("Sliced Wasserstein: any fixed-sample estimator")
struct SteinEstimatorChoiceTests {
    @Test("zero-variance CVs and the automatic chooser agree with the affine-image closed form and beat plain MC")
    func zeroVarianceAndAutomatic() throws {
        // The problem of SteinCompositionTests: y = 1.3x + v, so SW₂² = tr M/d exactly,
        // M = (1/n) Σ uᵢuᵢᵀ, uᵢ = 0.3xᵢ + v.
        let n = 60, d = 3
        let v: [Double] = [1, -0.5, 0.25]
        let x = Support.gaussianPoints(n, d, seed: 21)
        let y = (0..<(n * d)).map { 1.3 * x[$0] + v[$0 % d] }
        let sw = try SlicedWasserstein(try PointCloud(points: x, dimension: d), try PointCloud(points: y, dimension: d))
        var truth = 0.0
        for i in 0..<n { for k in 0..<d { let t = 0.3 * x[i * d + k] + v[k]; truth += t * t } }
        truth /= Double(n * d)

        let plain = try sw.steinEstimate(projections: 200, seed: 5, estimator: SampleMean())
        #expect(StatisticalCheck.consistency(of: plain, with: truth).passed, "\(plain) vs \(truth)")
        #expect(plain.diagnostics.method == "sample-mean")
        for estimator: any FixedSampleEstimator in [ZeroVarianceControlVariates(degree: 2), AutomaticControlVariates()] {
            let estimate = try sw.steinEstimate(projections: 200, seed: 5, estimator: estimator)
            let check = StatisticalCheck.consistency(of: estimate, with: truth)
            #expect(check.passed, "\(estimate.diagnostics.method): \(check)")
            #expect(estimate.sampleCount == 200)
            // The same 200 directions as the plain estimate: the reported factor is its variance
            // over this one's (σ²_f/n over variance).
            let factor = try #require(estimate.diagnostics.varianceReductionFactor)
            #expect(abs(factor - plain.variance / estimate.variance) <= 1e-9 * factor, "\(estimate)")
            #expect(factor > 1, "\(estimate.diagnostics.method): factor \(factor)")
        }
    }

    @Test("today's call with a control functional gives the same numbers under either label")
    func functionalLabel() throws {
        let x = Support.gaussianPoints(30, 2, seed: 8)
        let y = (0..<60).map { 1.5 * x[$0] + 1 }
        let sw = try SlicedWasserstein(try PointCloud(points: x, dimension: 2), try PointCloud(points: y, dimension: 2))
        let functional = SteinControlFunctional(form: .sampleSplit())
        let old = try sw.steinEstimate(projections: 40, seed: 2, functional: functional)
        let new = try sw.steinEstimate(projections: 40, seed: 2, estimator: functional)
        #expect(old == new)
        #expect(try sw.steinEstimate(projections: 40, seed: 2) == sw.steinEstimate(projections: 40, seed: 2, estimator: SteinControlFunctional()))
    }
}
