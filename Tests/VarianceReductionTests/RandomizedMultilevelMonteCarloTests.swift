import Foundation
import Testing
import MonteCarloCore
import StatisticalTesting
import VarianceReduction

/// Randomized (unbiased) multilevel Monte Carlo on the GBM call: unbiased for the Black–Scholes
/// limit with calibrated intervals when β > γ (Milstein), a variance warning when β = γ (Euler).
@Suite("Randomized multilevel Monte Carlo", .tags(.calibration))
struct RandomizedMultilevelMonteCarloTests {
    static let option = MultilevelMonteCarloTests.option
    static let replications = CalibrationScale.current.replications(fast: 200, full: 2000)

    @Test("unbiased for the limit, with calibrated 95% intervals (Milstein, β = 2 > γ = 1)",
          arguments: RandomizedMultilevelMonteCarlo<EuropeanCallLevelSampler>.Form.allCases)
    func calibration(form: RandomizedMultilevelMonteCarlo<EuropeanCallLevelSampler>.Form) throws {
        let estimator = try RandomizedMultilevelMonteCarlo.calibrated(
            sampler: MultilevelMonteCarloTests.milstein, form: form, seed: 1)
        #expect(estimator.warnings.isEmpty)
        #expect(abs(estimator.levels.rate - 1.5) < 0.25, "r = \(estimator.levels.rate)")
        let estimates = try replicate(Self.replications) { r throws(MonteCarloError) in
            try MonteCarloDriver(stoppingRule: .sampleCount(2000), threadCount: 1)
                .run(estimator, seed: 50_000 + UInt64(r)).estimate
        }
        let report = try CalibrationReport(estimates: estimates, truth: Self.option.blackScholesPrice)
        #expect(report.passed, "\(form): \(report)")
    }

    @Test("shards on disjoint streams merge into the single run's state")
    func sharding() throws {
        let estimator = try RandomizedMultilevelMonteCarlo(sampler: MultilevelMonteCarloTests.milstein, form: .coupledSum,
                                                           rates: MultilevelRates(alpha: 1, beta: 2, gamma: 1))
        let blockSize = 250
        let single = try MonteCarloDriver(stoppingRule: .sampleCount(3000), threadCount: 1, blockSize: blockSize)
            .run(estimator, seed: 11)
        var merged: RandomizedMultilevelState? = nil
        for shard in 0..<3 {
            let report = try MonteCarloDriver(stoppingRule: .sampleCount(1000), threadCount: 1, blockSize: blockSize,
                                              firstStream: shard * 1000 / blockSize).run(estimator, seed: 11)
            if merged == nil { merged = report.state } else { merged!.merge(report.state) }
        }
        let combined = try estimator.estimate(from: #require(merged))
        #expect(combined.sampleCount == single.estimate.sampleCount)
        // The same draws in another summation order: equal to rounding.
        #expect(abs(combined.value - single.estimate.value) <= 1e-12 * abs(single.estimate.value))
        #expect(abs(combined.variance - single.estimate.variance) <= 1e-9 * single.estimate.variance)
        #expect(abs(combined.value - Self.option.blackScholesPrice) <= 5 * combined.standardError, "\(combined)")
    }

    @Test("a variance warning when β does not exceed γ (Euler: β = γ = 1)")
    func infiniteVarianceWarning() throws {
        let euler = MultilevelMonteCarloTests.euler
        let given = try RandomizedMultilevelMonteCarlo(sampler: euler, form: .singleTerm,
                                                       rates: MultilevelRates(alpha: 1, beta: 1, gamma: 1))
        #expect(given.warnings.count == 1)
        let measured = try RandomizedMultilevelMonteCarlo.calibrated(sampler: euler, form: .singleTerm, seed: 2)
        #expect(measured.warnings.count == 1, "β = \(measured.rates?.beta ?? .nan) ± \(measured.rates?.betaStandardError ?? .nan)")
        let estimate = try measured.run(samples: 1000, seed: 3)
        #expect(estimate.diagnostics.warnings == measured.warnings)
        let fine = try RandomizedMultilevelMonteCarlo(sampler: euler, form: .singleTerm,
                                                      rates: MultilevelRates(alpha: 1, beta: 2, gamma: 1))
        #expect(fine.warnings.isEmpty)
    }

    @Test("the level distribution sums to one and its tail matches")
    func levelDistribution() throws {
        let levels = try GeometricLevelDistribution(rate: 1.5, maximumLevel: 20)
        let total = (0...20).reduce(0.0) { $0 + levels.probability($1) }
        #expect(abs(total - 1) < 1e-12)
        for l in 0...21 {
            let tail = l > 20 ? 0 : (l...20).reduce(0.0) { $0 + levels.probability($1) }
            #expect(abs(levels.tailProbability(l) - tail) < 1e-12)
        }
        // Inversion draws: the frequency of level 0 within binomial bounds (5 SE).
        var generator = Xoshiro256PlusPlus(seed: 4)
        let n = 100_000
        var zeros = 0
        for _ in 0..<n where levels.sample(using: &generator) == 0 { zeros += 1 }
        let p = levels.probability(0)
        #expect(abs(Double(zeros) / Double(n) - p) <= 5 * (p * (1 - p) / Double(n)).squareRoot())
    }
}
