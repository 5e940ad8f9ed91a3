import Foundation
import MonteCarloCore
import StatisticalTesting
import Testing

@testable import MutualInformation

/// The plug-in estimator with the Miller–Madow correction: a known 3 × 3 pmf, scikit-learn's
/// plug-in on the same data, SE calibration (χ²_{R−1} bounds, α = 10⁻³, R = 200: ratios about
/// 0.70…1.37), the independence regime and bad input.
@Suite("Discrete–discrete mutual information")
struct DiscreteMutualInformationTests {
    @Test func knownTableWithinFiveStandardErrors() throws {
        var generator = Xoshiro256PlusPlus(seed: 0x18_D001)
        let (x, y) = DiscreteTestData.sampleTable(4000, using: &generator)
        let estimate = try DiscreteMutualInformation().estimate(x: x, y: y)
        let truth = DiscreteTestData.tableInformation
        // Miller–Madow leaves O(N⁻²) bias, below 10⁻⁵ here.
        #expect(abs(estimate.value - truth) <= 5 * estimate.standardError, "\(estimate) vs \(truth)")
        #expect(estimate.diagnostics.figures["occupiedCells"] == 9)
        #expect(estimate.diagnostics.warnings.isEmpty)
        // The correction is (9 − 3 − 3 + 1)/(2N).
        #expect(abs(estimate.diagnostics.figures["plugIn"]! - estimate.value - 4.0 / 8000) < 1e-15)
    }

    /// Same value as `sklearn.metrics.mutual_info_score` (the uncorrected plug-in) on the
    /// script's formula data; only the summation order differs.
    @Test(arguments: [300, 2000])
    func plugInMatchesScikitLearn(size n: Int) throws {
        let data = DiscreteTestData.Formula(n)
        let estimate = try DiscreteMutualInformation(correction: .none).estimate(x: data.labels, y: data.codes)
        let reference = DiscreteTestData.sklearnReference[n]!.plugIn
        #expect(abs(estimate.value - reference) <= 1e-12 * reference, "\(estimate.value) vs \(reference)")
    }

    @Test(.tags(.calibration), arguments: [500, 2000])
    func standardErrorIsCalibrated(size n: Int) throws {
        let replications = CalibrationScale.current.replications(fast: 200, full: 1000)
        let estimates = try replicate(replications, seed: 0x18_D100 + UInt64(n)) { _, generator in
            let (x, y) = DiscreteTestData.sampleTable(n, using: &generator)
            return try DiscreteMutualInformation().estimate(x: x, y: y)
        }
        // Miller–Madow leaves O(N⁻²) bias: no allowance beyond the t-test's half-width.
        try EntropyCalibrationTests.check(estimates, truth: DiscreteTestData.tableInformation, bias: 0,
                                           label: "plug-in N = \(n)")
    }

    /// Under independence 2N·Î_plug ≈ χ²_4: the estimate says so and reports the G-test.
    @Test func independenceIsDeclared() throws {
        var generator = Xoshiro256PlusPlus(seed: 0x18_D002)
        var x = [Int](), y = [Int]()
        for _ in 0..<3000 {
            x.append(Int(generator.next() % 3))
            y.append(Int(generator.next() % 3))
        }
        let estimate = try DiscreteMutualInformation().estimate(x: x, y: y)
        let figures = estimate.diagnostics.figures
        #expect(figures["independenceDegreesOfFreedom"] == 4)
        #expect(abs(figures["independenceStatistic"]! - 2 * 3000 * figures["plugIn"]!) < 1e-9)
        // The warning appears exactly when the G-test does not reject (p > 0.05; p is uniform under
        // independence, and this seed gives p > 0.05).
        #expect(figures["independencePValue"]! > 0.05)
        #expect(estimate.diagnostics.warnings.count == 1)
        let dependent = try DiscreteMutualInformation().estimate(x: x, y: x.map { ($0 + 1) % 3 })
        #expect(dependent.diagnostics.figures["independencePValue"]! < 1e-12 && dependent.diagnostics.warnings.isEmpty)
    }

    @Test func badInputThrows() {
        let estimator = DiscreteMutualInformation()
        #expect(throws: MonteCarloError.self) { try estimator.estimate(x: [0, 1, 2], y: [0, 1]) }
        #expect(throws: MonteCarloError.self) { try estimator.estimate(x: [4], y: [1]) }
        #expect(throws: MonteCarloError.self) { try estimator.estimate(x: [1, 1, 1, 1], y: [0, 1, 0, 1]) }
        #expect(throws: MonteCarloError.self) { try estimator.estimate(x: [0, 1, 0, 1], y: [7, 7, 7, 7]) }
    }
}
