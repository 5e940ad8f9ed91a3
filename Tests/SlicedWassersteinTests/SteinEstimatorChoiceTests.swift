import Foundation
import MonteCarloCore
import StatisticalTesting
import SteinControlVariates
import Testing
@testable import SlicedWassersteinModule

/// `steinEstimate` takes any fixed-sample estimator, not only control functionals.
@Suite("Sliced Wasserstein: any fixed-sample estimator")
struct SteinEstimatorChoiceTests {
    @Test("zero-variance CVs and the automatic chooser agree with the affine-image closed form and beat plain MC")
    func zeroVarianceAndAutomatic() throws {
        // The problem of SteinCompositionTests: 60 points in d = 3 and y = 1.3x + v.
        let (sw, truth) = try Support.affineImage(n: 60, scale: 1.3, shift: [1, -0.5, 0.25], seed: 21)

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
        let sw = try Support.affineImage(n: 30, scale: 1.5, shift: [1, 1], seed: 8).problem
        let functional = SteinControlFunctional(form: .sampleSplit())
        let old = try sw.steinEstimate(projections: 40, seed: 2, functional: functional)
        let new = try sw.steinEstimate(projections: 40, seed: 2, estimator: functional)
        #expect(old == new)
        #expect(try sw.steinEstimate(projections: 40, seed: 2) == sw.steinEstimate(projections: 40, seed: 2, estimator: SteinControlFunctional()))
    }
}
