import MonteCarloCore
import StatisticalTesting
import Testing

@Suite struct VarianceReductionFactorTests {
    /// Sample variance of `count` draws of N(0, variance).
    func sampleVariance(_ count: Int, variance: Double, using generator: inout Xoshiro256PlusPlus) -> Double {
        var moments = RunningMoments()
        for _ in 0..<count { moments.add(variance.squareRoot() * generator.nextStandardNormal()) }
        return moments.sampleVariance
    }

    @Test func boundsAreBonferroniChiSquaredQuantiles() throws {
        let check = try StatisticalCheck.varianceReductionFactor(
            4, theoreticalFactor: 4, plainDegreesOfFreedom: 100, reducedDegreesOfFreedom: 50,
            falseAlarmProbability: 0.04)
        let lower1 = ChiSquaredDistribution.quantile(0.01, degreesOfFreedom: 100) / 100
        let upper1 = ChiSquaredDistribution.quantile(0.99, degreesOfFreedom: 100) / 100
        let lower2 = ChiSquaredDistribution.quantile(0.01, degreesOfFreedom: 50) / 50
        let upper2 = ChiSquaredDistribution.quantile(0.99, degreesOfFreedom: 50) / 50
        #expect(check.passed)
        #expect(check.statistic == 1)
        #expect(abs(check.lowerBound - lower1 / upper2) < 1e-12)
        #expect(abs(check.upperBound - upper1 / lower2) < 1e-12)
    }

    @Test func measuredFactorOfIndependentVariancesPassesAndWrongTheoryFails() throws {
        var generator = Xoshiro256PlusPlus(seed: 40)
        let n = 10_000
        let plain = sampleVariance(n, variance: 9, using: &generator)
        let reduced = sampleVariance(n, variance: 9.0 / 5, using: &generator)
        let measured = plain / reduced
        let right = try StatisticalCheck.varianceReductionFactor(
            measured, theoreticalFactor: 5, plainDegreesOfFreedom: Double(n - 1), reducedDegreesOfFreedom: Double(n - 1))
        #expect(right.passed, "\(right)")
        let wrong = try StatisticalCheck.varianceReductionFactor(
            measured, theoreticalFactor: 6, plainDegreesOfFreedom: Double(n - 1), reducedDegreesOfFreedom: Double(n - 1))
        #expect(!wrong.passed, "\(wrong)")
    }

    @Test func estimateFormUsesDiagnosticsOrEffectiveSampleSize() throws {
        let withFactor = Estimate(
            value: 0, variance: 1e-4, sampleCount: 20_000, effectiveSampleSize: 1,
            diagnostics: Diagnostics(method: "control variate", varianceReductionFactor: 5.1))
        let check = try StatisticalCheck.varianceReductionFactor(of: withFactor, theoreticalFactor: 5)
        #expect(check.passed, "\(check)")
        #expect(abs(check.statistic - 1.02) < 1e-12)

        let fromESS = Estimate(
            value: 0, variance: 1e-4, sampleCount: 20_000, effectiveSampleSize: 20_000 * 2.0,
            diagnostics: Diagnostics(method: "antithetic"))
        let antithetic = try StatisticalCheck.varianceReductionFactor(
            of: fromESS, theoreticalFactor: 3, reducedDegreesOfFreedom: 9_999)
        #expect(!antithetic.passed, "\(antithetic)")
        #expect(abs(antithetic.statistic - 2.0 / 3) < 1e-12)
    }

    @Test func degreesOfFreedomOfTheEstimateAreUsedForTheReducedVariance() throws {
        // 16 randomizations of a QMC rule: the reduced variance has 15 degrees of freedom, so a
        // factor 30% off the theory is within sampling error.
        let rqmc = Estimate(
            value: 0, variance: 1e-6, sampleCount: 16 * 1_024, effectiveSampleSize: 16 * 1_024 * 130,
            degreesOfFreedom: 15, diagnostics: Diagnostics(method: "rqmc"))
        let check = try StatisticalCheck.varianceReductionFactor(of: rqmc, theoreticalFactor: 100)
        #expect(check.passed, "\(check)")
        #expect(check.detail.contains("and 15 degrees of freedom"))
    }

    @Test func nonPositiveMeasuredFactorFails() throws {
        let check = try StatisticalCheck.varianceReductionFactor(
            .nan, theoreticalFactor: 2, plainDegreesOfFreedom: 10, reducedDegreesOfFreedom: 10)
        #expect(!check.passed)
    }

    @Test func badInputThrows() {
        #expect(throws: MonteCarloError.self) {
            try StatisticalCheck.varianceReductionFactor(
                2, theoreticalFactor: 0, plainDegreesOfFreedom: 10, reducedDegreesOfFreedom: 10)
        }
        #expect(throws: MonteCarloError.self) {
            try StatisticalCheck.varianceReductionFactor(
                2, theoreticalFactor: 2, plainDegreesOfFreedom: -1, reducedDegreesOfFreedom: 10)
        }
        #expect(throws: MonteCarloError.self) {
            try StatisticalCheck.varianceReductionFactor(of: makeEstimate(0, standardError: 1, sampleCount: 1), theoreticalFactor: 2)
        }
    }

    /// With the Bonferroni split the false-alarm rate is at most α even for strongly dependent
    /// variance estimates (here: the reduced variance shares most draws with the plain one).
    @Test func falseAlarmRateIsAtMostAlpha() throws {
        let alpha = 0.1
        let experiments = 500
        let n = 20
        var generator = Xoshiro256PlusPlus(seed: 41)
        var failures = 0
        for _ in 0..<experiments {
            var plain = RunningMoments()
            var reduced = RunningMoments()
            for _ in 0..<n {
                let x = generator.nextStandardNormal()
                plain.add(x)
                // Var = 1/4 · (0.64 + 0.36) = 1/4: theoretical factor 4, correlated with `plain`.
                reduced.add(0.5 * (0.8 * x + 0.6 * generator.nextStandardNormal()))
            }
            let check = try StatisticalCheck.varianceReductionFactor(
                plain.sampleVariance / reduced.sampleVariance, theoreticalFactor: 4,
                plainDegreesOfFreedom: Double(n - 1), reducedDegreesOfFreedom: Double(n - 1),
                falseAlarmProbability: alpha)
            if !check.passed { failures += 1 }
        }
        let upper = BinomialDistribution.quantile(1 - 1e-6, probability: alpha, trials: experiments)
        #expect(failures <= upper, "\(failures) false alarms in \(experiments)")
    }
}
