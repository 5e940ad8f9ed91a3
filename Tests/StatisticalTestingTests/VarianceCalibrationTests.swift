import MonteCarloCore
import StatisticalTesting
import Testing

@Suite struct VarianceCalibrationTests {
    @Test func correctEstimatorPasses() throws {
        let estimator = SyntheticMeanEstimator()
        let check = try StatisticalCheck.varianceCalibration(of: estimator.replications(400, seed: 20))
        #expect(check.passed, "\(check)")
        #expect(check.falseAlarmProbability == 1e-3)
    }

    @Test func reportedVarianceFourTimesTooSmallFails() throws {
        var estimator = SyntheticMeanEstimator()
        estimator.reportedVarianceScale = 0.25
        let check = try StatisticalCheck.varianceCalibration(of: estimator.replications(400, seed: 21))
        #expect(!check.passed, "\(check)")
        #expect(abs(check.statistic - 4) < 0.8)
        #expect(check.detail.contains("× more than reported"))
        #expect(check.detail.contains("reported standard errors look"))
    }

    @Test func boundsAreChiSquaredQuantiles() throws {
        let estimates = SyntheticMeanEstimator().replications(51, seed: 22)
        let check = try StatisticalCheck.varianceCalibration(of: estimates, falseAlarmProbability: 0.01)
        #expect(check.lowerBound == ChiSquaredDistribution.quantile(0.005, degreesOfFreedom: 50) / 50)
        #expect(check.upperBound == ChiSquaredDistribution.quantile(0.995, degreesOfFreedom: 50) / 50)
        // χ²₅₀ quantiles: 27.991 and 79.490.
        #expect(abs(check.lowerBound - 0.55982) < 1e-4)
        #expect(abs(check.upperBound - 1.58980) < 1e-4)
    }

    @Test func exactRatioIsComputed() throws {
        // Values 0 and 2 have empirical variance 2; reported variances average 0.5.
        let estimates = [0.0, 2].map { value in
            Estimate(
                value: value, variance: value == 0 ? 0.25 : 0.75, sampleCount: 10, effectiveSampleSize: 10,
                diagnostics: Diagnostics(method: "fixed"))
        }
        let check = try StatisticalCheck.varianceCalibration(of: estimates)
        #expect(check.statistic == 4)
        #expect(check.passed, "one degree of freedom accepts ratios up to 12")
    }

    @Test func nonFiniteEstimateFails() throws {
        var estimates = SyntheticMeanEstimator().replications(10, seed: 23)
        estimates[4] = makeEstimate(.nan, standardError: 1)
        let check = try StatisticalCheck.varianceCalibration(of: estimates)
        #expect(!check.passed)
        #expect(check.detail.hasPrefix("replication 4"))
    }

    @Test func fewerThanTwoReplicationsThrow() {
        #expect(throws: MonteCarloError.self) { try StatisticalCheck.varianceCalibration(of: []) }
        #expect(throws: MonteCarloError.self) {
            try StatisticalCheck.varianceCalibration(of: [makeEstimate(0, standardError: 1)])
        }
        #expect(throws: MonteCarloError.self) {
            try StatisticalCheck.varianceCalibration(
                of: [makeEstimate(0, standardError: 1), makeEstimate(1, standardError: 1)], falseAlarmProbability: 1)
        }
    }

    /// The check's false-alarm rate is α when the reported variance is the exact σ²/n.
    @Test func falseAlarmRateMatchesAlpha() throws {
        let alpha = 0.1
        let experiments = 400
        var failures = 0
        var generator = Xoshiro256PlusPlus(seed: 24)
        for _ in 0..<experiments {
            let estimates = (0..<10).map { _ in makeEstimate(generator.nextStandardNormal(), standardError: 1) }
            if try !StatisticalCheck.varianceCalibration(of: estimates, falseAlarmProbability: alpha).passed {
                failures += 1
            }
        }
        // failures ~ Binomial(400, 0.1): accept its central 1 − 10⁻⁶ region.
        let lower = BinomialDistribution.quantile(5e-7, probability: alpha, trials: experiments)
        let upper = BinomialDistribution.quantile(1 - 5e-7, probability: alpha, trials: experiments)
        #expect((lower...upper).contains(failures), "\(failures) false alarms in \(experiments)")
    }
}

@Suite struct MeanBiasTests {
    @Test func correctEstimatorPasses() throws {
        let estimator = SyntheticMeanEstimator()
        let check = try StatisticalCheck.meanBias(of: estimator.replications(400, seed: 30), truth: estimator.mean)
        #expect(check.passed, "\(check)")
    }

    @Test func biasOfHalfAStandardErrorIsDetectedOverReplications() throws {
        var estimator = SyntheticMeanEstimator()
        estimator.shift = 0.5 * estimator.standardError
        let estimates = estimator.replications(400, seed: 31)
        // One estimate cannot see the bias; 400 pooled can (t ≈ 0.5 √400 = 10).
        #expect(StatisticalCheck.consistency(of: estimates[0], with: estimator.mean).passed)
        let check = try StatisticalCheck.meanBias(of: estimates, truth: estimator.mean)
        #expect(!check.passed, "\(check)")
        #expect(check.statistic > 6)
        #expect(check.detail.contains("reported standard errors"))
    }

    @Test func constantValuesPassOnlyAtTheTruth() throws {
        let exact = [makeEstimate(2, standardError: 0), makeEstimate(2, standardError: 0)]
        #expect(try StatisticalCheck.meanBias(of: exact, truth: 2).passed)
        #expect(try !StatisticalCheck.meanBias(of: exact, truth: 2.5).passed)
    }

    @Test func badInputThrows() {
        #expect(throws: MonteCarloError.self) { try StatisticalCheck.meanBias(of: [], truth: 0) }
        #expect(throws: MonteCarloError.self) {
            try StatisticalCheck.meanBias(
                of: [makeEstimate(0, standardError: 1), makeEstimate(1, standardError: 1)], truth: .nan)
        }
    }
}
