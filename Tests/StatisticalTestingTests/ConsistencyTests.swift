import MonteCarloCore
import StatisticalTesting
import Testing

@Suite struct ConsistencyTests {
    @Test func correctEstimatorPasses() {
        var generator = Xoshiro256PlusPlus(seed: 1)
        let estimator = SyntheticMeanEstimator()
        let check = StatisticalCheck.consistency(of: estimator.estimate(using: &generator), with: estimator.mean)
        #expect(check.passed, "\(check)")
        #expect(check.lowerBound == -5 && check.upperBound == 5)
        #expect(abs(check.falseAlarmProbability - 5.733e-7) < 1e-9)
    }

    @Test func estimatorBiasedByTenStandardErrorsFails() {
        var generator = Xoshiro256PlusPlus(seed: 2)
        var estimator = SyntheticMeanEstimator()
        estimator.shift = 10 * estimator.standardError
        let check = StatisticalCheck.consistency(of: estimator.estimate(using: &generator), with: estimator.mean)
        #expect(!check.passed, "\(check)")
        #expect(check.statistic > 5)
        #expect(check.description.hasPrefix("FAIL consistency: estimate"))
        #expect(check.description.contains("standard errors above truth 1; allowed 5"))
    }

    @Test func detailSaysWhy() {
        let estimate = makeEstimate(1.7301, standardError: 0.002883)
        let check = StatisticalCheck.consistency(of: estimate, with: 1.71828, standardErrors: 3)
        #expect(!check.passed)
        #expect(abs(check.statistic - 4.1) < 0.01)
        #expect(check.detail == "estimate 1.7301 ± 0.0029 is 4.1 standard errors above truth 1.71828; allowed 3")
        #expect(abs(check.falseAlarmProbability - 0.0027) < 1e-4)
    }

    @Test func boundaryIsInclusiveAndSideIsReported() {
        let below = StatisticalCheck.consistency(of: makeEstimate(-2, standardError: 1), with: 0, standardErrors: 2)
        #expect(below.passed)
        #expect(below.statistic == -2)
        #expect(below.detail.contains("below truth"))
    }

    @Test func studentTFalseAlarmProbabilityWhenDegreesOfFreedomAreKnown() {
        let estimate = Estimate(
            value: 0, variance: 1, sampleCount: 5, effectiveSampleSize: 5, degreesOfFreedom: 4,
            diagnostics: Diagnostics(method: "rqmc"))
        let check = StatisticalCheck.consistency(of: estimate, with: 0, standardErrors: 5)
        // 2 (1 − T₄(5)) = 0.00749 (Student t, 4 degrees of freedom).
        #expect(abs(check.falseAlarmProbability - 0.007489) < 1e-5)
    }

    @Test func zeroStandardErrorPassesOnlyAtTheTruth() {
        let exact = StatisticalCheck.consistency(of: makeEstimate(3, standardError: 0), with: 3)
        #expect(exact.passed, "\(exact)")
        let wrong = StatisticalCheck.consistency(of: makeEstimate(3.001, standardError: 0), with: 3)
        #expect(!wrong.passed)
        #expect(wrong.statistic == .infinity)
        #expect(wrong.detail.contains("zero variance"))
    }

    @Test(arguments: [Double.nan, .infinity])
    func nonFiniteStandardErrorFails(_ variance: Double) {
        let estimate = Estimate(
            value: 1, variance: variance, sampleCount: 10, effectiveSampleSize: 10,
            diagnostics: Diagnostics(method: "broken"))
        let check = StatisticalCheck.consistency(of: estimate, with: 1)
        #expect(!check.passed)
        #expect(check.detail.contains("non-finite standard error"))
    }

    @Test func nonFiniteValueTruthOrToleranceFails() {
        #expect(!StatisticalCheck.consistency(of: makeEstimate(.nan, standardError: 1), with: 0).passed)
        #expect(!StatisticalCheck.consistency(of: makeEstimate(0, standardError: 1), with: .infinity).passed)
        #expect(!StatisticalCheck.consistency(of: makeEstimate(0, standardError: 1), with: 0, standardErrors: 0).passed)
        #expect(!StatisticalCheck.consistency(of: makeEstimate(0, standardError: 1), with: 0, standardErrors: .nan).passed)
    }
}
