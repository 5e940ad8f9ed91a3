import Foundation
import MonteCarloCore
import StatisticalTesting
import SteinControlVariates
import Testing

@testable import MutualInformation

/// `steinEstimate` takes any fixed-sample estimator, not only control functionals.
@Suite("Pointwise MI: any fixed-sample estimator")
struct PointwiseMutualInformationEstimatorChoiceTests {
    @Test("zero-variance CVs and the automatic chooser agree with the Student-t closed form and beat plain MC")
    func studentT() throws {
        // The problem of SteinPointwiseMutualInformationTests.studentTWithinFiveStandardErrors:
        // PMI is not a polynomial here, so no method is exact.
        let sigma = StudentTMutualInformationTests.pairedDispersion([0.6, 0.3])
        let problem = try PointwiseMutualInformation.studentT(dispersion: sigma, xDimension: 2, degreesOfFreedom: 3)
        let truth = try problem.exactMutualInformation()
        let plain = try problem.steinEstimate(samples: 300, seed: 5, estimator: SampleMean())
        #expect(StatisticalCheck.consistency(of: plain, with: truth).passed, "\(plain) vs \(truth)")
        for estimator: any FixedSampleEstimator in [ZeroVarianceControlVariates(degree: 2), AutomaticControlVariates()] {
            let estimate = try problem.steinEstimate(samples: 300, seed: 5, estimator: estimator)
            let check = StatisticalCheck.consistency(of: estimate, with: truth)
            #expect(check.passed, "\(estimate.diagnostics.method): \(check)")
            let factor = try #require(estimate.diagnostics.varianceReductionFactor)
            #expect(abs(factor - plain.variance / estimate.variance) <= 1e-9 * factor, "\(estimate)")
            #expect(factor > 1, "\(estimate.diagnostics.method): factor \(factor)")
        }
    }

    @Test("on a Gaussian pair zero-variance CVs of degree 2 are exact: PMI is quadratic")
    func gaussianExact() throws {
        let problem = try SteinPointwiseMutualInformationTests.gaussianProblem()
        let truth = try problem.exactMutualInformation()
        let zv = try problem.steinEstimate(samples: 100, seed: 4, estimator: ZeroVarianceControlVariates(degree: 2))
        #expect(abs(zv.value - truth) < 1e-9, "\(zv)")
        // And the former label still takes a control functional.
        let secf = try problem.steinEstimate(samples: 100, seed: 4, functional: SteinControlFunctional(polynomialDegree: 2))
        #expect(abs(secf.value - truth) < 1e-9, "\(secf)")
    }
}
