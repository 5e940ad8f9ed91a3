import Foundation
import LinearAlgebra
import MonteCarloCore
import StatisticalTesting
import Testing

@testable import MutualInformation

@Suite("Linear-in-parameters critic fitted by Newton's method")
struct LinearCriticTests {
    /// d = 2 + 2 coordinate pairs carrying I = 1 nat in total.
    static let d = 2
    static let mi = 1.0
    static var rho: Double { correlation(forMutualInformation: mi, dimension: d) }

    /// Averages `bounds` over `batches` fresh evaluation batches of B = 64 (independent of training).
    static func evaluate(_ critic: LinearCritic, _ bounds: [VariationalBound], offset: Double = 0, batches: Int,
                         seed: UInt64) throws -> [Estimate] {
        var accumulators = bounds.map { VariationalBoundAccumulator(bound: $0, batchSize: 64) }
        var g = Xoshiro256PlusPlus(seed: seed)
        for _ in 0..<batches {
            let batch = correlatedGaussianBatch(count: 64, dimension: d, correlation: rho, using: &g)
            let scores = try critic.scoreMatrix(x: batch.x, y: batch.y, offset: offset)
            for k in accumulators.indices { try accumulators[k].add(scores) }
        }
        return try accumulators.map { try $0.estimate() }
    }

    static func training(_ n: Int, seed: UInt64) -> (x: [[Double]], y: [[Double]]) {
        var g = Xoshiro256PlusPlus(seed: seed)
        return correlatedGaussianBatch(count: n, dimension: d, correlation: rho, using: &g)
    }

    /// The NWJ optimum 1 + log r is a quadratic form, so the fitted critic's NWJ and DV values on
    /// fresh batches must match I within 5 batch-to-batch SEs (the fit's own gap, O(p/n) for
    /// p = 15 parameters and n = 4000 pairs, is far below 5 SE ≈ 0.05).
    @Test func nwjFitReachesTheTruthOnFreshBatches() throws {
        let train = Self.training(4000, seed: 11)
        let critic = try LinearCritic.fit(x: train.x, y: train.y, objective: .nwj)
        #expect(critic.coefficients.count == 15)
        #expect(critic.summary.iterations < 50)
        #expect(critic.summary.newtonDecrement <= 1e-10)
        let estimates = try Self.evaluate(critic, [.nwj, .donskerVaradhan], batches: 200, seed: 12)
        for e in estimates {
            let check = StatisticalCheck.consistency(of: e, with: Self.mi)
            #expect(check.passed, "\(e.diagnostics.method): \(check)")
        }
    }

    /// Logistic regression (JS) converges to log r: NWJ at S + 1 and DV at S are then unbiased
    /// (DV up to its O(1/B²) log-of-mean bias) for I, while NWJ at S itself has expectation
    /// E_P log r − e⁻¹ E_Q r = I − 1/e (why the JS critic must not be read out with NWJ at S).
    @Test func jensenShannonFitEvaluatedShifted() throws {
        let train = Self.training(4000, seed: 21)
        let critic = try LinearCritic.fit(x: train.x, y: train.y, objective: .jensenShannon)
        let estimates = try Self.evaluate(critic, [.jensenShannon(.nwjShifted), .jensenShannon(.donskerVaradhan), .nwj],
                                          batches: 200, seed: 22)
        for (e, truth) in zip(estimates, [Self.mi, Self.mi, Self.mi - exp(-1)]) {
            let check = StatisticalCheck.consistency(of: e, with: truth)
            #expect(check.passed, "\(e.diagnostics.method): \(check)")
        }
    }

    /// The expected InfoNCE of a fixed critic is maximised by log r + c(x) (Poole et al. 2019), so
    /// on the same batches the fitted critic cannot beat the exact one beyond noise: the paired
    /// mean difference must be ≤ 5 of its SEs. It must also stay ≤ log B.
    @Test func infoNCEFitCannotBeatTheExactCritic() throws {
        let train = Self.training(3000, seed: 31)
        let critic = try LinearCritic.fit(x: train.x, y: train.y, objective: .infoNCE)
        #expect(critic.summary.trainingObjective <= log(17.0))
        let exact = try GaussianCritic(
            covariance: GaussianCritic.correlatedPairsCovariance(dimension: Self.d, correlation: Self.rho),
            xDimension: Self.d)
        var g = Xoshiro256PlusPlus(seed: 32)
        var differences = RunningMoments()
        for _ in 0..<100 {
            let batch = correlatedGaussianBatch(count: 64, dimension: Self.d, correlation: Self.rho, using: &g)
            let fitted = try VariationalBound.infoNCE.value(of: critic.scoreMatrix(x: batch.x, y: batch.y))
            let best = try VariationalBound.infoNCE.value(of: exact.scoreMatrix(x: batch.x, y: batch.y))
            #expect(fitted <= log(64.0))
            differences.add(fitted - best)
        }
        #expect(differences.mean <= 5 * differences.varianceOfMean.squareRoot(), "\(differences.mean)")
    }

    /// The BLAS score matrix equals the feature-by-feature score for every feature map.
    @Test(arguments: [
        LinearCritic.Features(quadratic: .full),
        LinearCritic.Features(quadratic: .paired),
        LinearCritic.Features(quadratic: .none, randomFourierCount: 20, randomFourierBandwidth: 1.5, seed: 3),
        LinearCritic.Features(quadratic: .full, randomFourierCount: 8, seed: 4),
    ])
    func scoreMatrixMatchesPairwiseScores(features: LinearCritic.Features) throws {
        let train = Self.training(400, seed: 41)
        let critic = try LinearCritic.fit(x: train.x, y: train.y, objective: .jensenShannon, features: features)
        let batch = Self.training(9, seed: 42)
        let scores = try critic.scoreMatrix(x: batch.x, y: batch.y, offset: 0.5)
        for i in 0..<9 {
            for j in 0..<9 {
                let direct = critic.score(x: batch.x[i], y: batch.y[j]) + 0.5
                #expect(abs(scores[i, j] - direct) < 1e-10 * max(1, abs(direct)))
            }
        }
    }

    /// Random Fourier features (no quadratic terms) give a valid critic: its NWJ value on fresh
    /// batches is a lower bound, so it may not exceed I by more than 5 SE, and it must find
    /// most of the dependence.
    @Test func randomFourierCriticIsALowerBound() throws {
        let train = Self.training(3000, seed: 51)
        let features = LinearCritic.Features(quadratic: .none, randomFourierCount: 60, randomFourierBandwidth: 2, seed: 5)
        let critic = try LinearCritic.fit(x: train.x, y: train.y, objective: .nwj, features: features)
        let e = try Self.evaluate(critic, [.nwj], batches: 100, seed: 52)[0]
        #expect(e.value <= Self.mi + 5 * e.standardError, "\(e)")
        #expect(e.value > 0.5 * Self.mi, "\(e)")
    }

    @Test func fittingFailuresAreTyped() throws {
        var train = Self.training(200, seed: 61)
        // Too few pairs: 15 parameters need 30 pairs.
        #expect(throws: MonteCarloError.insufficientSamples(needed: 30, available: 20, reason: "to fit a critic with \(15) parameters")) {
            try LinearCritic.fit(x: Array(train.x.prefix(20)), y: Array(train.y.prefix(20)), objective: .nwj)
        }
        // Non-convergence: one Newton iteration is not enough from w = 0.
        #expect {
            try LinearCritic.fit(x: train.x, y: train.y, objective: .nwj, options: .init(maximumIterations: 1))
        } throws: { error in
            if case MonteCarloError.notConverged(_, iterations: 1, _) = error { return true }
            return false
        }
        // Paired terms need d_x = d_y.
        #expect {
            try LinearCritic.fit(x: train.x, y: train.y.map { Array($0.prefix(1)) }, objective: .nwj,
                                 features: .init(quadratic: .paired))
        } throws: { error in
            if case MonteCarloError.dimensionMismatch = error { return true }
            return false
        }
        #expect(throws: MonteCarloError.invalidParameter(name: "ridge", value: -1,
                                                                           requirement: "finite and ≥ 0")) {
            try LinearCritic.fit(x: train.x, y: train.y, objective: .nwj, options: .init(ridge: -1))
        }
        train.y[7][1] = .nan
        #expect(throws: MonteCarloError.nonFinite(quantity: "coordinate 1 of y", index: 7)) {
            try LinearCritic.fit(x: train.x, y: train.y, objective: .jensenShannon)
        }
        #expect(throws: MonteCarloError.self) { try CriticSplit(x: train.x, y: train.y, trainingFraction: 1) }
        let split = try CriticSplit(x: train.x, y: train.y, trainingFraction: 0.75)
        #expect(split.trainingX.count == 150 && split.evaluationX.count == 50)
        #expect(split.evaluationX[0] == train.x[150])
    }
}
