import Foundation
import LinearAlgebra
import MonteCarloCore
import StatisticalTesting
import Testing

@testable import MutualInformation

@Suite("Student-t mutual information")
struct StudentTMutualInformationTests {
    /// Dispersion of m coordinate pairs (Xₖ, Yₖ) with correlations ρₖ, X first.
    static func pairedDispersion(_ rhos: [Double]) -> Matrix {
        let d = rhos.count
        var sigma = Matrix.identity(2 * d)
        for (k, rho) in rhos.enumerated() {
            sigma[k, d + k] = rho
            sigma[d + k, k] = rho
        }
        return sigma
    }

    static let reference = 0.381125  // 2×2, ν = 3, ρ = (0.6, 0.3): issue #5 and the literature note

    @Test func closedFormMatchesPublishedValues() throws {
        let sigma = Self.pairedDispersion([0.6, 0.3])
        let i = try StudentTMutualInformation.exact(dispersion: sigma, xDimension: 2, degreesOfFreedom: 3)
        // 0.38112 to 5 digits (the note gives 0.381125; the Gaussian part alone is 0.270302).
        #expect(abs(i - Self.reference) < 1e-5, "\(i)")
        let gaussian = -0.5 * (log(1 - 0.36) + log(1 - 0.09))
        #expect(abs(i - gaussian - (try StudentTMutualInformation.correction(degreesOfFreedom: 3, xDimension: 2, yDimension: 2))) < 1e-14)
        // c(ν, m, n) table of the literature note (bmi's identity-dispersion tasks).
        let table: [(Int, Double, Double)] = [(1, 1, 0.224171), (1, 2, 0.082681), (1, 3, 0.042411), (1, 5, 0.017128),
                                              (1, 30, 0.000543), (2, 1, 0.431946), (2, 2, 0.193147), (3, 2, 0.290922),
                                              (3, 3, 0.178712), (5, 2, 0.448151), (5, 3, 0.298544)]
        for (m, nu, c) in table {
            let value = try StudentTMutualInformation.correction(degreesOfFreedom: nu, xDimension: m, yDimension: m)
            #expect(abs(value - c) < 1e-6, "m = n = \(m), ν = \(nu): \(value) vs \(c)")
        }
        // The Gaussian limit: c → 0 as ν → ∞ (c ≈ mn/(2ν²) to leading order).
        let large = try StudentTMutualInformation.correction(degreesOfFreedom: 1000, xDimension: 1, yDimension: 1)
        #expect(large > 0 && large < 1e-5, "\(large)")
    }

    @Test func pointwiseEstimatorWithExactDensitiesAgrees() throws {
        let problem = try PointwiseMutualInformation.studentT(
            dispersion: Self.pairedDispersion([0.6, 0.3]), xDimension: 2, degreesOfFreedom: 3)
        let truth = try problem.exactMutualInformation()
        let estimate = try problem.plainEstimator().run(samples: 20_000, seed: 11)
        let check = StatisticalCheck.consistency(of: estimate, with: truth)
        #expect(check.passed, "\(check)")
    }

    @Test func ksgAgreesInOneDimension() throws {
        // 1 × 1, ν = 3, ρ = 0.6: I = 0.223144 + 0.042411.
        let sigma = Self.pairedDispersion([0.6])
        let t = try MultivariateStudentTDistribution(dispersion: sigma, degreesOfFreedom: 3)
        let truth = try StudentTMutualInformation.exact(dispersion: sigma, xDimension: 1, degreesOfFreedom: 3)
        var g = Xoshiro256PlusPlus(seed: 12)
        let z = (0..<4000).map { _ in t.draw(using: &g) }
        for algorithm in [KSGEstimator.Algorithm.one, .two] {
            let e = try KSGEstimator(algorithm: algorithm, neighbors: 3, seed: 7).estimate(x: z.map { $0[0] }, y: z.map { $0[1] })
            let check = StatisticalCheck.consistency(of: e, with: truth)
            #expect(check.passed, "\(algorithm): \(check)")
        }
    }

    @Test func densityScoreAndMarginals() throws {
        // Finite-difference score, and marginals consistent with the joint in one dimension:
        // ∫ p(x, y) dy = p(x) checked by the trapezoid rule.
        let sigma = Self.pairedDispersion([0.5])
        let t = try MultivariateStudentTDistribution(location: [0.3, -0.2], dispersion: sigma, degreesOfFreedom: 4)
        let check = try StatisticalCheck.scoreConsistency(score: t.score, logDensity: t.logDensity, at: [[0.7, 0.1]])
        #expect(check.passed, "\(check)")
        let px = try t.marginal(0..<1)
        var integral = 0.0
        let step = 0.01
        for k in -40_000...40_000 {
            let y = Double(k) * step
            integral += exp(t.logDensity([0.7, y])) * step
        }
        // Tail beyond |y| = 400 for ν = 4 in two dimensions is below 1e-8 relative.
        #expect(abs(integral / exp(px.logDensity([0.7])) - 1) < 1e-6, "\(integral)")
        let standard = try StudentTDistribution(degreesOfFreedom: 4, location: 0.3)
        #expect(abs(px.logDensity([0.7]) - standard.logDensity(0.7)) < 1e-12)
    }

    @Test func badInput() throws {
        let sigma = Self.pairedDispersion([0.6])
        #expect(throws: MonteCarloError.self) { try StudentTMutualInformation.exact(dispersion: sigma, xDimension: 1, degreesOfFreedom: 0) }
        #expect(throws: MonteCarloError.self) { try StudentTMutualInformation.exact(dispersion: sigma, xDimension: 2, degreesOfFreedom: 3) }
        #expect(throws: MonteCarloError.self) { try StudentTMutualInformation.correction(degreesOfFreedom: .infinity, xDimension: 1, yDimension: 1) }
        #expect(throws: MonteCarloError.self) { try MultivariateStudentTDistribution(dispersion: sigma, degreesOfFreedom: -1) }
        #expect(throws: MonteCarloError.self) {
            try MultivariateStudentTDistribution(dispersion: Matrix(rows: [[1, 2], [2, 1]]), degreesOfFreedom: 3)
        }
    }
}
