import Foundation
import Testing
import MonteCarloCore
import StatisticalTesting
import VarianceReduction

/// Bad input for the multilevel estimators: a typed error naming the level, never a trap or NaN.
@Suite("Multilevel Monte Carlo: bad input")
struct MultilevelBadInputTests {
    /// P_ℓ = 1 + 2^{−ℓ}·U-ish, with NaN at `nanLevel` or zero variance when asked.
    struct TestSampler: CoupledLevelSampler {
        var maximumLevel = 10
        var nanLevel: Int? = nil
        var constant = false
        func cost(level: Int) -> Double { exp2(Double(level)) }
        func sample(level: Int, using generator: inout Xoshiro256PlusPlus) -> (fine: Double, difference: Double) {
            if level == nanLevel { return (.nan, .nan) }
            if constant { return (3, level == 0 ? 3 : 0) }
            let u = generator.nextUniform()
            let fine = 1 + exp2(-Double(level)) * u
            return (fine, level == 0 ? fine : fine - (1 + exp2(-Double(level - 1)) * u))
        }
    }

    @Test("a sampler returning NaN: a nonFinite error naming the level")
    func nanLevel() throws {
        let estimator = try MultilevelMonteCarlo(sampler: TestSampler(nanLevel: 2), pilotSamples: 100)
        #expect {
            _ = try estimator.run(rootMeanSquareError: 0.01, seed: 1)
        } throws: { error in
            guard case .nonFinite(let quantity, _) = error as? MonteCarloError else { return false }
            return quantity.contains("level 2")
        }
        let randomized = try RandomizedMultilevelMonteCarlo(
            sampler: TestSampler(nanLevel: 0), form: .singleTerm, levels: GeometricLevelDistribution(rate: 1, maximumLevel: 5))
        #expect(throws: MonteCarloError.self) { _ = try randomized.run(samples: 100, seed: 1) }
    }

    @Test("levels with zero variance: a finite estimate with zero variance, no division by zero")
    func zeroVariance() throws {
        let report = try MultilevelMonteCarlo(sampler: TestSampler(constant: true), pilotSamples: 100)
            .run(rootMeanSquareError: 0.01, seed: 1)
        #expect(report.estimate.value == 3)
        #expect(report.estimate.variance == 0)
        #expect(report.biasBound == 0)
        #expect(report.stopReason == .reachedTarget)
        #expect(report.estimate.effectiveSampleSize.isFinite)
        _ = try report.estimate.requireFinite("constant")
    }

    @Test("bad settings are typed errors")
    func badSettings() throws {
        #expect(throws: MonteCarloError.self) { _ = try MultilevelMonteCarlo(sampler: TestSampler(), pilotSamples: 1) }
        #expect(throws: MonteCarloError.self) { _ = try MultilevelMonteCarlo(sampler: TestSampler(maximumLevel: 1)) }
        #expect(throws: MonteCarloError.self) { _ = try MultilevelMonteCarlo(sampler: TestSampler()).run(rootMeanSquareError: 0, seed: 1) }
        #expect(throws: MonteCarloError.self) { _ = try MultilevelMonteCarlo(sampler: TestSampler()).run(samplesPerLevel: [1, 5], seed: 1) }
        #expect(throws: MonteCarloError.self) { _ = try GeometricLevelDistribution(rate: -1, maximumLevel: 3) }
        #expect(throws: MonteCarloError.self) {
            _ = try RandomizedMultilevelMonteCarlo(sampler: TestSampler(maximumLevel: 3), form: .coupledSum,
                                                   levels: GeometricLevelDistribution(rate: 1, maximumLevel: 4))
        }
    }

    @Test("a cost cap stops the run with a warning")
    func costCap() throws {
        let report = try MultilevelMonteCarlo(sampler: TestSampler(), pilotSamples: 100, maximumCost: 2000)
            .run(rootMeanSquareError: 1e-5, seed: 1)
        #expect(report.stopReason == .reachedCostCap)
        #expect(report.totalCost <= 2000)
        #expect(!report.estimate.diagnostics.warnings.isEmpty)
    }

    /// A cost cap reached just after a level is added. The pilot (100 samples on levels 0…2,
    /// cost 700) meets the variance target ε²/2 for ε = 0.1, the bias bound (about 0.125, see
    /// below) exceeds ε/√2, so level 3 is added with 16 samples of cost 8 each; the cap of 710
    /// leaves room for one. A level cannot have a variance from one sample: it is not started,
    /// and the run reports levels 0…2 with `reachedCostCap`, within the cap, unbiased for
    /// E[P_2] = 1.125 (within 5 SE), instead of failing.
    @Test("a cost cap that leaves a new level without 2 samples reports the levels below it")
    func costCapAtNewLevel() throws {
        let report = try MultilevelMonteCarlo(sampler: TestSampler(), pilotSamples: 100, maximumCost: 710, threadCount: 1)
            .run(rootMeanSquareError: 0.1, seed: 1)
        #expect(report.stopReason == .reachedCostCap)
        #expect(report.levels.count == 3)
        #expect(report.totalCost <= 710)
        #expect(StatisticalCheck.consistency(of: report.estimate, with: 1.125).passed, "\(report.estimate)")
    }

    /// The bias target out of reach. With P_ℓ = 1 + 2^{−ℓ}U the level means are −2^{−ℓ}/2, so
    /// at the sampler's finest level L = 2 the extrapolated bias is about 2^{−2}·½/(2 − 1) = 0.125,
    /// far above ε/√2 for ε = 0.01: the run stops at L with `reachedMaximumLevel` and a warning,
    /// and the estimate is unbiased for E[P_2] = 1 + 1/8 (within 5 SE). A sampler with a single
    /// level (known rates) stops the same way, with no bias bound and the single-level warning;
    /// E[P_0] = 3/2.
    @Test("the finest level reached before the bias target: reachedMaximumLevel with a warning")
    func finestLevelReached() throws {
        let report = try MultilevelMonteCarlo(sampler: TestSampler(maximumLevel: 2), pilotSamples: 100, threadCount: 1)
            .run(rootMeanSquareError: 0.01, seed: 3)
        #expect(report.stopReason == .reachedMaximumLevel)
        #expect(report.levels.count == 3)
        let bias = try #require(report.biasBound)
        #expect(bias > 0.01 / 2.squareRoot(), "bias bound \(bias)")
        #expect(report.estimate.diagnostics.warnings.contains { $0.contains("bias bound") }, "\(report.estimate.diagnostics.warnings)")
        #expect(report.estimate.variance <= 0.01 * 0.01 / 2, "\(report.estimate)")
        #expect(StatisticalCheck.consistency(of: report.estimate, with: 1.125).passed, "\(report.estimate)")

        let single = try MultilevelMonteCarlo(sampler: TestSampler(maximumLevel: 0), pilotSamples: 100,
                                              rates: try MultilevelRates(alpha: 1, beta: 2, gamma: 1), threadCount: 1)
            .run(rootMeanSquareError: 0.01, seed: 4)
        #expect(single.stopReason == .reachedMaximumLevel)
        #expect(single.biasBound == nil)
        #expect(single.estimate.diagnostics.warnings.contains { $0.contains("single level") })
        #expect(StatisticalCheck.consistency(of: single.estimate, with: 1.5).passed, "\(single.estimate)")
    }

    @Test("decoding refuses impossible states (a negative cost, unequal counts)")
    func decoding() throws {
        let good = try JSONEncoder().encode(RandomizedMultilevelState())
        #expect(try JSONDecoder().decode(RandomizedMultilevelState.self, from: good) == RandomizedMultilevelState())
        let text = String(decoding: good, as: UTF8.self)
        #expect(text.contains("\"cost\":0"))
        let negative = Data(text.replacingOccurrences(of: "\"cost\":0", with: "\"cost\":-1").utf8)
        #expect(throws: DecodingError.self) { _ = try JSONDecoder().decode(RandomizedMultilevelState.self, from: negative) }
        var moments = RunningMoments()
        moments.add(1)
        let unequal = Data(#"{"differences":\#(String(decoding: try JSONEncoder().encode(moments), as: UTF8.self)),"fineValues":\#(String(decoding: try JSONEncoder().encode(RunningMoments()), as: UTF8.self))}"#.utf8)
        #expect(throws: DecodingError.self) { _ = try JSONDecoder().decode(CoupledLevelMoments.self, from: unequal) }
    }
}
