import Foundation
import LinearAlgebra
import MonteCarloCore
import StatisticalTesting
import SteinControlVariates
import Testing

@testable import MutualInformation

@Suite("Pointwise MI with Stein control variates")
struct SteinPointwiseMutualInformationTests {
    static let rho = 0.6

    static func gaussianProblem() throws -> PointwiseMutualInformation<MultivariateNormalDistribution> {
        try PointwiseMutualInformation.gaussian(covariance: GaussianCritic.correlatedPairsCovariance(dimension: 1, correlation: rho),
                                                xDimension: 1)
    }

    @Test func gaussianWithinFiveStandardErrors() throws {
        let problem = try Self.gaussianProblem()
        let truth = try problem.exactMutualInformation()
        for seed in UInt64(1)...3 {
            let estimate = try problem.steinEstimate(samples: 200, seed: seed)
            let check = StatisticalCheck.consistency(of: estimate, with: truth)
            #expect(check.passed, "seed \(seed): \(check)")
        }
    }

    @Test func semiExactIsExactForGaussians() throws {
        // PMI is a quadratic polynomial under a Gaussian: the degree-2 semi-exact functional
        // integrates it exactly.
        let problem = try Self.gaussianProblem()
        let truth = try problem.exactMutualInformation()
        let estimate = try problem.steinEstimate(samples: 100, seed: 4,
                                                 functional: SteinControlFunctional(polynomialDegree: 2))
        #expect(abs(estimate.value - truth) < 1e-9, "\(estimate)")
    }

    @Test func varianceReductionFloorOverReplications() throws {
        // Var_P(PMI) = ρ² for one Gaussian pair; plain n = 200 has variance ρ²/200. Over R
        // independent replications, compare the spread of plain and Stein estimates: the
        // kernel control functional must reduce the variance by at least a factor 10, judged
        // with χ² bounds on both empirical variances (R − 1 degrees of freedom each).
        let problem = try Self.gaussianProblem()
        let replications = CalibrationScale.current.replications(fast: 30, full: 200), n = 200
        var plain = RunningMoments(), stein = RunningMoments()
        for r in 0..<replications {
            plain.add(try problem.plainEstimator().run(samples: n, seed: UInt64(100 + r)).value)
            stein.add(try problem.steinEstimate(samples: n, seed: UInt64(100 + r)).value)
        }
        // The plain spread must match theory (a sanity check of the replication design):
        // (R − 1)s²/σ² ~ χ²_{R−1} (the plain means are nearly normal at n = 200).
        let degrees = Double(replications - 1)
        let scaled = degrees * plain.sampleVariance / (Self.rho * Self.rho / Double(n))
        #expect(scaled >= ChiSquaredDistribution.quantile(0.0005, degreesOfFreedom: degrees)
                    && scaled <= ChiSquaredDistribution.quantile(0.9995, degreesOfFreedom: degrees), "\(scaled)")
        let floor = 10.0
        let check = try StatisticalCheck.varianceReductionFactor(
            plain.sampleVariance / stein.sampleVariance, theoreticalFactor: floor,
            plainDegreesOfFreedom: degrees, reducedDegreesOfFreedom: degrees)
        // One-sided: the factor may exceed the floor by any amount (measured: about 19 at R = 30).
        #expect(check.statistic >= check.lowerBound, "\(check)")
    }

    @Test func studentTWithinFiveStandardErrors() throws {
        let sigma = StudentTMutualInformationTests.pairedDispersion([0.6, 0.3])
        let problem = try PointwiseMutualInformation.studentT(dispersion: sigma, xDimension: 2, degreesOfFreedom: 3)
        let truth = try problem.exactMutualInformation()
        let estimate = try problem.steinEstimate(samples: 300, seed: 5)
        let check = StatisticalCheck.consistency(of: estimate, with: truth)
        #expect(check.passed, "\(check)")
    }
}
