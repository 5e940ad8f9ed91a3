import Foundation
import LinearAlgebra
import MonteCarloCore
import StatisticalTesting
import Testing
import VarianceReduction

@testable import MutualInformation

@Suite("Pointwise-MI Monte Carlo with known densities")
struct PointwiseMutualInformationTests {
    static let d = 3
    static let rho = 0.8
    static var covariance: Matrix { GaussianCritic.correlatedPairsCovariance(dimension: d, correlation: rho) }

    @Test func plainIsConsistentWithTheoreticalStandardError() throws {
        let problem = try PointwiseMutualInformation.gaussian(covariance: Self.covariance, xDimension: Self.d)
        let truth = pairMutualInformation(Self.rho, dimension: Self.d)
        #expect(abs(try problem.exactMutualInformation() - truth) < 1e-12)
        let n = 20_000
        let e = try problem.plainEstimator().run(samples: n, seed: 51)
        let check = StatisticalCheck.consistency(of: e, with: truth)
        #expect(check.passed, "\(check)")
        // Var_P(PMI) = Σ ρ² = 1.92: the reported SE should be √(1.92/n) within ~5% (s² has
        // relative sd √((κ − 1)/n) ≈ 0.02 for this χ²-difference law).
        let theory = (Double(Self.d) * Self.rho * Self.rho / Double(n)).squareRoot()
        #expect(abs(e.standardError / theory - 1) < 0.08, "\(e.standardError) vs \(theory)")
    }

    @Test func quadraticControlsAreExactForGaussians() throws {
        var sigma = Matrix(rows: 4, columns: 4, repeating: 0.3)
        for i in 0..<4 { sigma[i, i] = 1 }
        sigma[0, 3] = 0.7; sigma[3, 0] = 0.7
        let problem = try PointwiseMutualInformation.gaussian(covariance: sigma, xDimension: 2, mean: [1, -2, 0.5, 3])
        let truth = try GaussianMutualInformation.exact(covariance: sigma, xDimension: 2)
        let e = try problem.quadraticControlVariateEstimator().run(samples: 2_000, seed: 52)
        #expect(abs(e.value - truth) < 1e-9, "\(e) vs \(truth)")
        // Zero residual variance: the reported SE is ControlVariateMonteCarlo's rounding floor
        // (κ·ε·Σ(f − f̄)², flagged by a warning), at least 10⁵ times below plain Monte Carlo's.
        let plain = try problem.plainEstimator().run(samples: 2_000, seed: 52)
        #expect(e.standardError < 1e-5 * plain.standardError, "\(e) vs \(plain)")
        #expect(e.diagnostics.warnings.contains { $0.contains("rounding") }, "\(e.diagnostics.warnings)")
    }

    @Test func genericProblemWithClosures() throws {
        // The same Gaussian through the closure initializer.
        let joint = try MultivariateNormalDistribution(mean: [0, 0], covariance: Matrix(rows: [[1, 0.75], [0.75, 1]]))
        let marginal = try MultivariateNormalDistribution(mean: [0], covariance: .identity(1))
        let problem = PointwiseMutualInformation(
            sampler: joint, xDimension: 1, logJoint: joint.logDensity,
            logMarginalX: marginal.logDensity, logMarginalY: marginal.logDensity)
        let e = try problem.plainEstimator().run(samples: 10_000, seed: 53)
        let check = StatisticalCheck.consistency(of: e, with: 0.413339)
        #expect(check.passed, "\(check)")
    }
}
