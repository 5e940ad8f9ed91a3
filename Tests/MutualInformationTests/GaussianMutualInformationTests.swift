import Foundation
import LinearAlgebra
import MonteCarloCore
import StatisticalTesting
import Testing

@testable import MutualInformation

@Suite("Gaussian closed form and plug-in estimator")
struct GaussianMutualInformationTests {
    static func dense(_ m: Int) -> Matrix {
        var s = Matrix(rows: 2 * m, columns: 2 * m, repeating: 0.5)
        for i in 0..<(2 * m) { s[i, i] = 1 }
        return s
    }

    @Test func closedFormReferenceValues() throws {
        #expect(abs(try GaussianMutualInformation.exact(covariance: Matrix(rows: [[1, 0.75], [0.75, 1]]), xDimension: 1) - 0.41334) < 1e-5)
        #expect(abs(try GaussianMutualInformation.exact(covariance: Self.dense(2), xDimension: 2) - 0.29389) < 1e-5)
        #expect(abs(try GaussianMutualInformation.exact(covariance: Self.dense(5), xDimension: 5) - 0.59281) < 1e-5)
        let pairs = GaussianCritic.correlatedPairsCovariance(dimension: 20, correlation: 0.4258)
        #expect(abs(try GaussianMutualInformation.exact(covariance: pairs, xDimension: 20) - pairMutualInformation(0.4258, dimension: 20)) < 1e-12)
        #expect(throws: MonteCarloError.self) { try GaussianMutualInformation.exact(covariance: Self.dense(2), xDimension: 0) }
        #expect(throws: MonteCarloError.self) {
            try GaussianMutualInformation.exact(covariance: Matrix(rows: [[1, 2], [2, 1]]), xDimension: 1)
        }
    }

    @Test func plugInIsUnbiasedAndCovers() throws {
        // d_x = d_y = 2, ρ = 0.5 per pair: I = −log(0.75).
        let rho = 0.5, truth = pairMutualInformation(rho, dimension: 2)
        var g = Xoshiro256PlusPlus(seed: 41)
        var estimates = [Estimate]()
        var raw = RunningMoments()
        for _ in 0..<400 {
            let batch = correlatedGaussianBatch(count: 200, dimension: 2, correlation: rho, using: &g)
            let e = try GaussianMutualInformation.estimate(x: batch.x, y: batch.y)
            estimates.append(e)
            raw.add(e.value)
        }
        let coverage = try StatisticalCheck.coverage(of: estimates, containing: truth)
        #expect(coverage.passed, "\(coverage)")
        // Unbiased: the mean of 400 values within 5 of its standard errors of I.
        let mean = Estimate(value: raw.mean, variance: raw.varianceOfMean, sampleCount: raw.count,
                            effectiveSampleSize: Double(raw.count), diagnostics: Diagnostics(method: "mean"))
        let check = StatisticalCheck.consistency(of: mean, with: truth)
        #expect(check.passed, "\(check)")
    }

    @Test func selfConsistency() throws {
        // Additivity over independent blocks and data processing, judged by reported SEs.
        var g = Xoshiro256PlusPlus(seed: 42)
        let a = correlatedGaussianBatch(count: 3000, dimension: 1, correlation: 0.6, using: &g)
        let b = correlatedGaussianBatch(count: 3000, dimension: 1, correlation: 0.6, using: &g)
        let joint = try GaussianMutualInformation.estimate(
            x: zip(a.x, b.x).map { $0 + $1 }, y: zip(a.y, b.y).map { $0 + $1 })
        let first = try GaussianMutualInformation.estimate(x: a.x, y: a.y)
        let second = try GaussianMutualInformation.estimate(x: b.x, y: b.y)
        // The two sides share the data and are positively correlated, so treating them as
        // independent (adding variances) is conservative.
        let sum = first.value + second.value
        #expect(abs(joint.value - sum) <= 5 * (joint.variance + first.variance + second.variance).squareRoot(),
                "\(joint) vs \(first) + \(second)")
        #expect(abs(joint.value - 2 * pairMutualInformation(0.6, dimension: 1)) <= 5 * joint.standardError, "\(joint)")
        // Data processing: dropping Y's second coordinate cannot increase I.
        let dropped = try GaussianMutualInformation.estimate(x: zip(a.x, b.x).map { $0 + $1 }, y: a.y)
        #expect(dropped.value <= joint.value + 5 * joint.standardError)
        // Independence: about 0 within its SE.
        let independent = try GaussianMutualInformation.estimate(x: a.x, y: b.y)
        #expect(abs(independent.value) <= 5 * independent.standardError, "\(independent)")
    }

    @Test func plugInBadInput() throws {
        #expect(throws: MonteCarloError.self) { try GaussianMutualInformation.estimate(x: [[1], [2], [3]], y: [[1], [2], [4]]) }
        #expect(throws: MonteCarloError.self) { try GaussianMutualInformation.estimate(x: [[1], [2]], y: [[1]]) }
        #expect(throws: MonteCarloError.self) {
            try GaussianMutualInformation.estimate(x: [[1], [2], [3], [.nan], [5]], y: [[1], [2], [4], [3], [1]])
        }
    }
}
