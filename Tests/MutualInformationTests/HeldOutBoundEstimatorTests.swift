import Foundation
import LinearAlgebra
import MonteCarloCore
import MutualInformation
import Testing

/// ``HeldOutBoundEstimator``: the critic is fitted on one part of the rows and the bound averaged
/// over batches of the others; NWJ/DV fall back to InfoNCE when single pairs dominate.
@Suite("Held-out variational bound")
struct HeldOutBoundEstimatorTests {
    /// Two correlated Gaussian pairs (ρ = 0.6, I = 0.4463 nats), N = 2000, the Gaussian critic
    /// (the optimal critic's family). The fitted critic's shortfall below I is of order
    /// p / (2 n_train) with p = 14 parameters of a 4-dimensional Gaussian and n_train = 1000, so
    /// 0.007; the estimate must lie within 5 of its standard errors of I minus at most 0.02.
    @Test("NWJ and InfoNCE with a Gaussian critic on Gaussian pairs: within 5 SE of I, layout as documented")
    func gaussianPairs() throws {
        var generator = Xoshiro256PlusPlus(seed: 811)
        let rho = 0.6
        let (x, y) = correlatedGaussianBatch(count: 2000, dimension: 2, correlation: rho, using: &generator)
        let truth = pairMutualInformation(rho, dimension: 2)
        for bound in [VariationalBound.nwj, .infoNCE] {
            let result = try HeldOutBoundEstimator(bound: bound, criticFamily: .gaussian, maximumBatchSize: 125, seed: 5)
                .estimate(x: x, y: y)
            let e = result.estimate
            #expect(result.trainingRows == 1000 && result.evaluationRows == 1000)
            #expect(result.batches == 8 && result.batchSize == 125 && e.sampleCount == 1000)
            #expect(result.fallback == nil && result.selection == nil && result.critic.family == .gaussian)
            #expect(e.value <= truth + 5 * e.standardError && e.value >= truth - 0.02 - 5 * e.standardError,
                    "\(bound.name): \(e), I = \(truth)")
        }
    }

    /// Heavy-tailed (Student-t, ν = 3) pairs with the plug-in Gaussian critic: e^T explodes on a
    /// few pairs, so NWJ is unusable and InfoNCE on the same critic and batches is reported.
    @Test("NWJ falls back to InfoNCE on heavy tails with the Gaussian critic, and says so")
    func fallback() throws {
        var sigma = Matrix.identity(4)
        sigma[0, 2] = 0.6; sigma[2, 0] = 0.6
        sigma[1, 3] = 0.3; sigma[3, 1] = 0.3
        let t = try MultivariateStudentTDistribution(dispersion: sigma, degreesOfFreedom: 3)
        var generator = Xoshiro256PlusPlus(seed: 601)
        let draws = (0..<2000).map { _ in t.draw(using: &generator) }
        let x = draws.map { Array($0[0..<2]) }, y = draws.map { Array($0[2..<4]) }
        let nwj = try HeldOutBoundEstimator(bound: .nwj, criticFamily: .gaussian, seed: 2024).estimate(x: x, y: y)
        let fallback = try #require(nwj.fallback)
        #expect(fallback.from == .nwj && fallback.to == .infoNCE)
        #expect(nwj.estimate.diagnostics.warnings.first?.hasPrefix("NWJ is unusable here") == true)
        let infoNCE = try HeldOutBoundEstimator(bound: .infoNCE, criticFamily: .gaussian, seed: 2024).estimate(x: x, y: y)
        #expect(infoNCE.fallback == nil)
        // InfoNCE ignores NWJ's +1 offset of the critic: the same scores, the same value.
        #expect(abs(nwj.estimate.value - infoNCE.estimate.value) <= 1e-9)
    }

    @Test("too few rows is an error")
    func tooFewRows() {
        let x = (0..<10).map { [Double($0)] }
        #expect(throws: MonteCarloError.self) {
            try HeldOutBoundEstimator(bound: .infoNCE, criticFamily: .gaussian, seed: 1).estimate(x: x, y: x)
        }
    }
}
