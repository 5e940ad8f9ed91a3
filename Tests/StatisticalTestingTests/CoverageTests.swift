import MonteCarloCore
import StatisticalTesting
import Testing

@Suite struct CoverageTests {
    @Test func correctEstimatorPasses() throws {
        let estimator = SyntheticMeanEstimator()
        let check = try StatisticalCheck.coverage(
            of: estimator.replications(400, seed: 10), containing: estimator.mean)
        #expect(check.passed, "\(check)")
        #expect(check.falseAlarmProbability <= 1e-3)
        #expect(check.detail.contains("of 400 intervals"))
    }

    @Test func reportedVarianceFourTimesTooSmallFails() throws {
        var estimator = SyntheticMeanEstimator()
        estimator.reportedVarianceScale = 0.25
        let check = try StatisticalCheck.coverage(
            of: estimator.replications(400, seed: 11), containing: estimator.mean)
        // Intervals of ±0.98 σ/√n cover about 67%.
        #expect(!check.passed, "\(check)")
        #expect(abs(check.statistic - 0.67) < 0.06)
    }

    @Test func reportedVarianceFourTimesTooLargeFailsToo() throws {
        var estimator = SyntheticMeanEstimator()
        estimator.reportedVarianceScale = 4
        let check = try StatisticalCheck.coverage(
            of: estimator.replications(400, seed: 12), containing: estimator.mean)
        // Intervals of ±3.9 σ/√n cover 99.99%: over-coverage fails the two-sided test.
        #expect(!check.passed, "\(check)")
        #expect(check.statistic > check.upperBound)
    }

    @Test func biasedEstimatorFails() throws {
        var estimator = SyntheticMeanEstimator()
        estimator.shift = 2 * estimator.standardError
        let check = try StatisticalCheck.coverage(
            of: estimator.replications(400, seed: 13), containing: estimator.mean)
        #expect(!check.passed, "\(check)")
    }

    @Test func acceptanceRegionHasBinomialTailsOfAtMostHalfAlpha() throws {
        // 380 of 400 intervals covering is the expected count; the region is its binomial
        // acceptance region at α = 10⁻³.
        let estimates = (0..<400).map { makeEstimate($0 < 380 ? 0 : 10, standardError: 1) }
        let check = try StatisticalCheck.coverage(of: estimates, containing: 0)
        #expect(check.passed, "\(check)")
        #expect(check.statistic == 0.95)
        let lower = Int((check.lowerBound * 400).rounded())
        let upper = Int((check.upperBound * 400).rounded())
        let cdf = { (k: Int) in BinomialDistribution.cumulativeProbability(k, probability: 0.95, trials: 400) }
        // Each tail is at most α/2, and the region is the smallest such: one count narrower breaks it.
        #expect(cdf(lower - 1) <= 5e-4 && cdf(lower) > 5e-4)
        #expect(1 - cdf(upper) <= 5e-4 && 1 - cdf(upper - 1) > 5e-4)
        #expect(abs(check.falseAlarmProbability - (cdf(lower - 1) + 1 - cdf(upper))) < 1e-15)
    }

    @Test func smallReplicationCountsWarnOfNoPower() throws {
        let check = try StatisticalCheck.coverage(of: [makeEstimate(0, standardError: 1)], containing: 5)
        #expect(check.passed)
        #expect(check.detail.contains("every outcome is accepted"))
    }

    @Test func closureFormMatchesArrayForm() throws {
        let estimator = SyntheticMeanEstimator()
        let streams = RandomStreams(seed: 14)
        let fromClosure = try StatisticalCheck.coverage(replications: 50, containing: estimator.mean) { replication in
            var generator = streams.stream(replication)
            return estimator.estimate(using: &generator)
        }
        let fromArray = try StatisticalCheck.coverage(
            of: estimator.replications(50, seed: 14), containing: estimator.mean)
        #expect(fromClosure == fromArray)
    }

    @Test func closureErrorsPropagateTyped() {
        #expect(throws: MonteCarloError.invalidArgument("boom")) {
            try StatisticalCheck.coverage(replications: 10, containing: 0) { replication throws(MonteCarloError) in
                if replication == 3 { throw .invalidArgument("boom") }
                return makeEstimate(0, standardError: 1)
            }
        }
    }

    @Test func emptyReplicationListThrows() {
        #expect(throws: MonteCarloError.insufficientSamples(needed: 1, available: 0, reason: "to check coverage")) {
            try StatisticalCheck.coverage(of: [], containing: 0)
        }
        #expect(throws: MonteCarloError.self) {
            try StatisticalCheck.coverage(replications: 0, containing: 0) { _ in makeEstimate(0, standardError: 1) }
        }
    }

    @Test(arguments: [0, 1, -0.5, 1.5, Double.nan])
    func levelOutsideTheOpenUnitIntervalThrows(_ level: Double) {
        let estimates = [makeEstimate(0, standardError: 1)]
        do {
            _ = try StatisticalCheck.coverage(of: estimates, containing: 0, level: level)
            Issue.record("level \(level) was accepted")
        } catch {
            guard case .invalidConfidenceLevel = error else {
                Issue.record("unexpected error \(error)")
                return
            }
        }
    }

    @Test func invalidFalseAlarmProbabilityOrTruthThrows() {
        let estimates = [makeEstimate(0, standardError: 1)]
        #expect(throws: MonteCarloError.self) {
            try StatisticalCheck.coverage(of: estimates, containing: 0, falseAlarmProbability: 0)
        }
        #expect(throws: MonteCarloError.self) {
            try StatisticalCheck.coverage(of: estimates, containing: .nan)
        }
    }
}
