import Foundation
import MonteCarloCore
import StatisticalTesting
import Testing

@testable import MutualInformation

/// Ross's discrete–continuous estimator: scikit-learn's values on the same data, the exact
/// jackknife against N recomputations, a two-Gaussian label with MI by quadrature, and bad input.
@Suite("Discrete–continuous mutual information (Ross)")
struct DiscreteContinuousMutualInformationTests {
    /// Equal to `_compute_mi_cd` and `mutual_info_classif(..., random_state=0)` (whose rescaling
    /// and 10⁻¹⁰ jitter change no count on these data) up to the ψ evaluations.
    @Test(arguments: [300, 2000])
    func matchesScikitLearn(size n: Int) throws {
        let data = DiscreteTestData.Formula(n)
        let value = try DiscreteContinuousMutualInformation(neighbors: 3).value(labels: data.labels, feature: data.feature)
        let reference = DiscreteTestData.sklearnReference[n]!.ross
        #expect(abs(value - reference) <= 1e-9 * reference, "\(value) vs \(reference)")
        // A two-column feature made of the same column twice has the same max-norm neighbours.
        let doubled = data.feature.map { [$0, $0] }
        let twice = try DiscreteContinuousMutualInformation(neighbors: 3).value(labels: data.labels, features: doubled)
        #expect(abs(twice - value) <= 1e-12)
    }

    /// The one-pass jackknife equals the jackknife from N recomputations with one point left out.
    @Test(arguments: [1, 3])
    func jackknifeIsExact(neighbors k: Int) throws {
        var generator = Xoshiro256PlusPlus(seed: 0x18_D200 + UInt64(k))
        let (labels, y) = MutualInformationTestProblems.twoGaussians(60, separation: 0.7, using: &generator)
        let rows = y.map { [$0] }
        for dimension in [1, 2] {
            let features = dimension == 1 ? rows : rows.enumerated().map { [$1[0], y[($0 + 7) % 60]] }
            let sample = try NeighborSample(features, name: "the features")
            let codes = CategoricalCodes(labels)
            let fast = try DiscreteContinuousMutualInformation.evaluate(codes: codes, sample: sample, k: k, jackknife: true)
            var leaveOneOut = [Double]()
            for j in 0..<60 {
                let kept = (0..<60).filter { $0 != j }
                let value = try DiscreteContinuousMutualInformation.evaluate(
                    codes: CategoricalCodes(kept.map { labels[$0] }), sample: sample.subset(kept[...]), k: k, jackknife: false).value
                leaveOneOut.append(value)
            }
            let slow = BlockRescaledJackknife.jackknife(leaveOneOut)
            #expect(abs(fast.jackknife - slow) <= 1e-10 * slow, "k = \(k), d = \(dimension): \(fast.jackknife) vs \(slow)")
        }
    }

    /// I(L; Y) for L ~ Bernoulli(½), Y | L ~ N(±1, 1), by quadrature (0.336831; scipy's `quad`
    /// on [−15, 15] gives 0.3368308203).
    @Test func twoGaussiansWithinStandardErrors() throws {
        var generator = Xoshiro256PlusPlus(seed: 0x18_D003)
        let (labels, y) = MutualInformationTestProblems.twoGaussians(5000, separation: 1, using: &generator)
        let estimate = try DiscreteContinuousMutualInformation(seed: 3).estimate(labels: labels, feature: y)
        let truth = MutualInformationTestProblems.twoGaussiansInformation(separation: 1)
        #expect(abs(truth - 0.3368308203) < 1e-8)
        // Declared bias for smooth one-dimensional class densities: 0.01 (measured +0.002 ± 0.002 at N = 400,
        // +0.001 ± 0.001 at N = 1600 in DiscreteContinuousCalibrationTests).
        #expect(abs(estimate.value - truth) <= 5 * estimate.standardError + 0.01, "\(estimate) vs \(truth)")
        #expect(estimate.degreesOfFreedom == 7)
    }

    @Test func badInputThrows() {
        let estimator = DiscreteContinuousMutualInformation(neighbors: 3)
        let labels = [0, 0, 0, 0, 0, 1, 1, 1, 1, 1]
        let feature = [0.1, 0.5, 0.9, 1.3, 1.7, 0.2, 0.6, 1.0, 1.4, 1.8]
        #expect(throws: MonteCarloError.self) { try estimator.value(labels: labels, feature: Array(feature.dropLast())) }
        #expect(throws: MonteCarloError.self) { try estimator.value(labels: [Int](repeating: 2, count: 10), feature: feature) }
        #expect(throws: MonteCarloError.self) { try estimator.value(labels: labels, feature: [Double](repeating: 1, count: 10)) }
        var withNaN = feature
        withNaN[3] = .nan
        #expect(throws: MonteCarloError.self) { try estimator.value(labels: labels, feature: withNaN) }
        // A class of 3 ≤ k points.
        #expect(throws: MonteCarloError.self) { try estimator.value(labels: [0, 0, 0, 1, 1, 1, 1, 1, 1, 1], feature: feature) }
        // The variance needs k + 2 per class: 5 is enough for the value, not for the jackknife.
        #expect((try? estimator.value(labels: labels, feature: feature)) != nil)
        #expect(throws: MonteCarloError.self) { try estimator.estimate(labels: labels, feature: feature) }
        // Tied values within a class (zero k-th neighbour distance).
        #expect(throws: MonteCarloError.self) {
            try estimator.value(labels: labels, feature: [0.1, 0.1, 0.1, 0.1, 1.7, 0.2, 0.6, 1.0, 1.4, 1.8])
        }
        #expect(throws: MonteCarloError.self) { try DiscreteContinuousMutualInformation(neighbors: 0).value(labels: labels, feature: feature) }
    }
}

/// Reported against empirical variance of Ross's estimator over R data sets (two unit Gaussians
/// ±1 apart, k = 3, 8 blocks) at N = 400 and 1600: `StatisticalCheck.varianceCalibration`
/// (χ²_{R−1} bounds, α = 10⁻³; R = 200 by default, 1000 with `MONTECARLO_CALIBRATION=full`),
/// and the mean within declared bias (0.01) + the t-test's half-width.
@Suite("Discrete–continuous mutual information: SE calibration", .tags(.calibration))
struct DiscreteContinuousCalibrationTests {
    @Test(arguments: [400, 1600])
    func standardErrorIsCalibrated(size n: Int) throws {
        let replications = CalibrationScale.current.replications(fast: 200, full: 1000)
        let estimates = try replicate(replications, seed: 0x18_D300 + UInt64(n)) { r, generator in
            let (labels, y) = MutualInformationTestProblems.twoGaussians(n, separation: 1, using: &generator)
            return try DiscreteContinuousMutualInformation(seed: UInt64(r)).estimate(labels: labels, feature: y)
        }
        try EntropyCalibrationTests.check(estimates, truth: MutualInformationTestProblems.twoGaussiansInformation(separation: 1),
                                           bias: 0.01, label: "Ross N = \(n)")
    }
}
