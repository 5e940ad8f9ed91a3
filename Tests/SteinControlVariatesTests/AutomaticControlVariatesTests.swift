import Foundation
import MonteCarloCore
import StatisticalTesting
import Testing
@testable import SteinControlVariates

/// `auto`: selection by cross-validation over methods and kernels, with the sample-mean fallback.
@Suite("Automatic selection of control variates")
struct AutomaticControlVariatesTests {
    /// The floor: on a step function (truth ½), where kernel interpolants fail, `auto`'s
    /// mean squared error over R = 30 replications (n = 100, fixed seeds) is at most 1.5 times
    /// that of the plain sample mean on the same draws (paired, so the noise of the two MSE
    /// estimates largely cancels).
    @Test("auto is never much worse than plain Monte Carlo on a step function")
    func autoStepFunction() throws {
        let target = try StandardNormalVector(dimension: 1)
        var method = 0.0, plain = 0.0
        let replications = 30
        for r in 0..<replications {
            let (sample, values) = try TestProblems.draw(target, count: 100, seed: 61, replication: r) { $0[0] >= 0 ? 1 : 0 }
            let estimate = try AutomaticControlVariates().estimate(sample: sample, values: values)
            let mean = values.reduce(0, +) / 100
            method += (estimate.value - 0.5) * (estimate.value - 0.5)
            plain += (mean - 0.5) * (mean - 0.5)
        }
        #expect(method <= 1.5 * plain, "MSE \(method / Double(replications)) vs plain \(plain / Double(replications))")
    }

    /// On the 1-D South problem (n = 250) a kernel method must win the selection and beat plain
    /// Monte Carlo by far: estimate within 5 standard errors of the truth 2, ESS > 40 n.
    @Test("auto picks a kernel method on a smooth integrand")
    func autoSmooth() throws {
        let (sample, values) = try TestProblems.draw(try StandardNormalVector(dimension: 1), count: 250, seed: 62,
                                                     integrand: TestProblems.southOneD)
        let estimate = try AutomaticControlVariates().estimate(sample: sample, values: values)
        #expect(estimate.diagnostics.method.hasPrefix("auto: "), "\(estimate.diagnostics.method)")
        #expect(!estimate.diagnostics.method.contains("sample-mean"), "\(estimate.diagnostics.method)")
        #expect(StatisticalCheck.consistency(of: estimate, with: 2).passed, "\(estimate)")
        #expect(abs(estimate.value - 2) < 0.12 / 40.squareRoot(), "\(estimate)")
        #expect(estimate.diagnostics.figures.keys.contains("cvScore[plain]"))
    }

    /// Pure noise that no control explains: the sample mean wins or the chosen method is no
    /// worse by its own estimate, and a fallback is said in the warnings.
    @Test("auto falls back to the sample mean and says so")
    func autoFallback() throws {
        var generator = Xoshiro256PlusPlus(seed: 63)
        let sample = try SteinSample(drawing: 60, from: try StandardNormalVector(dimension: 2), using: &generator)
        let values = (0..<60).map { _ in generator.nextStandardNormal() }
        let estimate = try AutomaticControlVariates().estimate(sample: sample, values: values)
        if estimate.diagnostics.method == "auto: sample-mean" {
            #expect(abs(estimate.value - values.reduce(0, +) / 60) < 1e-14)
            #expect(estimate.diagnostics.warnings.contains { $0.contains("no control variate beat the plain sample mean") })
        } else {
            #expect(estimate.variance <= sampleVariance(values) / 60 * 1.0000001, "\(estimate)")
        }
    }

    @Test("auto rejects bad settings and bad values with typed errors")
    func autoBadInput() throws {
        let (sample, values) = try TestProblems.draw(try StandardNormalVector(dimension: 1), count: 20, seed: 64) { $0[0] }
        #expect(throws: MonteCarloError.invalidParameter(name: "folds", value: 1, requirement: "at least 2")) {
            try AutomaticControlVariates(folds: 1).estimate(sample: sample, values: values)
        }
        var bad = values
        bad[3] = .infinity
        #expect(throws: MonteCarloError.nonFinite(quantity: "integrand", index: 3)) {
            try AutomaticControlVariates().estimate(sample: sample, values: bad)
        }
        let (small, few) = try TestProblems.draw(try StandardNormalVector(dimension: 1), count: 6, seed: 65) { $0[0] }
        #expect(throws: MonteCarloError.insufficientSamples(needed: 10, available: 6, reason: "(2 per fold) for automatic selection")) {
            try AutomaticControlVariates().estimate(sample: small, values: few)
        }
    }
}
