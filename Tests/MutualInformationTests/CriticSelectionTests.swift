import Foundation
import LinearAlgebra
import MonteCarloCore
import StatisticalTesting
import Testing

@testable import MutualInformation

/// Marginal normal scores, the trained critic families, and the held-out choice between them.
@Suite("Critic selection: normal scores, trained critic families, held-out choice")
struct CriticSelectionTests {
    // MARK: - Data

    /// Bivariate-block Student-t, ν = 3: (Xₖ, Yₖ) with dispersion correlations 0.6 and 0.3.
    static let dispersion: Matrix = {
        var sigma = Matrix.identity(4)
        sigma[0, 2] = 0.6; sigma[2, 0] = 0.6
        sigma[1, 3] = 0.3; sigma[3, 1] = 0.3
        return sigma
    }()

    /// 0.38112 nats (Arellano-Valle et al. 2013).
    static let studentTTruth = try! StudentTMutualInformation.exact(dispersion: dispersion, xDimension: 2,
                                                                     degreesOfFreedom: 3)

    static func studentT(_ n: Int, seed: UInt64) -> (x: [[Double]], y: [[Double]]) {
        let t = try! MultivariateStudentTDistribution(dispersion: dispersion, degreesOfFreedom: 3)
        var g = Xoshiro256PlusPlus(seed: seed)
        var x: [[Double]] = [], y: [[Double]] = []
        for _ in 0..<n {
            let z = t.draw(using: &g)
            x.append(Array(z[0..<2]))
            y.append(Array(z[2..<4]))
        }
        return (x, y)
    }

    /// `bound` averaged over `batches` fresh batches of B = 128 from `draw` (never seen in fitting).
    static func evaluate(_ critic: TrainedCritic, batches: Int, seed: UInt64,
                         draw: (Int, UInt64) -> (x: [[Double]], y: [[Double]])) throws -> (Estimate, Int) {
        var accumulator = VariationalBoundAccumulator(bound: critic.bound, batchSize: 128)
        for m in 0..<batches {
            let batch = draw(128, seed &+ UInt64(m))
            try accumulator.add(try critic.scoreMatrix(x: batch.x, y: batch.y))
        }
        return (try accumulator.estimate(), accumulator.heavyTailBatches)
    }

    // MARK: - Normal scores

    /// The k-th smallest training value maps to Φ⁻¹(k/(n + 1)) exactly; values in between are
    /// interpolated monotonically; values outside the training range are clamped.
    @Test func normalScoresOfTheTrainingOrderStatistics() throws {
        let values: [Double] = [3, -1, 10, 0.5, 2]
        let scores = try MarginalNormalScores(fitting: values.map { [$0, -$0] })
        let sorted = values.sorted()
        for (k, v) in sorted.enumerated() {
            let expected = NormalDistribution.standardQuantile(Double(k + 1) / 6)
            let u = scores.transform([v, -v])
            #expect(abs(u[0] - expected) <= 1e-12)
            #expect(abs(u[1] + expected) <= 1e-12)  // the second coordinate is reversed
        }
        let between = scores.transform([2.5, 0])[0]  // halfway between the 3rd and 4th values
        #expect(abs(between - NormalDistribution.standardQuantile(3.5 / 6)) <= 1e-12)
        #expect(scores.transform([-1e300, 0])[0] == NormalDistribution.standardQuantile(1 / 6.0))
        #expect(scores.transform([1e300, 0])[0] == NormalDistribution.standardQuantile(5 / 6.0))
    }

    /// On N(0, 1) training draws the map estimates the identity: F̂(v) has standard deviation
    /// √(F(1 − F)/n), so u(v) − v has about √(F(1 − F)/n)/φ(v); allow 5 of those.
    @Test func normalScoresOfGaussianDrawsAreNearTheIdentity() throws {
        var g = Xoshiro256PlusPlus(seed: 41)
        let n = 20_000
        let draws = (0..<n).map { _ in [g.nextStandardNormal()] }
        let scores = try MarginalNormalScores(fitting: draws)
        for v in [-2.0, -1, 0, 0.5, 1.5] {
            let f = 0.5 * erfc(-v / 2.0.squareRoot())
            let density = exp(-0.5 * v * v) / (2 * Double.pi).squareRoot()
            let sd = (f * (1 - f) / Double(n)).squareRoot() / density
            #expect(abs(scores.transform([v])[0] - v) <= 5 * sd, "v = \(v)")
        }
    }

    @Test func normalScoresRejectBadInput() {
        #expect(throws: MonteCarloError.insufficientSamples(needed: 2, available: 1, reason: "to fit marginal normal scores")) {
            try MarginalNormalScores(fitting: [[1]])
        }
        #expect(throws: MonteCarloError.nonFinite(quantity: "coordinate 0 of draws", index: 1)) {
            try MarginalNormalScores(fitting: [[1], [.nan], [2]])
        }
        #expect(throws: MonteCarloError.dimensionMismatch(what: "coordinates of draws[1]", expected: 2, actual: 1)) {
            try MarginalNormalScores(fitting: [[1, 2], [3]])
        }
    }

    // MARK: - Trained critics

    /// For Gaussian pairs the optimal critic is quadratic, so the gaussian and quadratic families
    /// reach I up to the fit's O(p/n) shortfall, and rff (which contains the quadratic terms) up to
    /// its larger one (p = 215 on n = 2000 pairs): each NWJ value on fresh batches is within
    /// 5 SE of I above, and within 5 SE plus that allowance below.
    @Test("Gaussian pairs: every family's NWJ on fresh batches is near I",
          arguments: [(TrainedCritic.Family.gaussian, 0.02), (.quadratic, 0.03), (.randomFourier, 0.06)])
    func gaussianPairs(family: TrainedCritic.Family, allowance: Double) throws {
        let rho = 0.6, truth = pairMutualInformation(rho, dimension: 2)
        var g = Xoshiro256PlusPlus(seed: 51)
        let train = correlatedGaussianBatch(count: 2000, dimension: 2, correlation: rho, using: &g)
        let critic = try TrainedCritic.fit(family, x: train.x, y: train.y, for: .nwj)
        #expect(critic.family == family && critic.offset == 1 && critic.trainingPairs == 2000)
        #expect(critic.summary.hasPrefix(family.rawValue))
        let (estimate, heavy) = try Self.evaluate(critic, batches: 40, seed: 52) { count, seed in
            var h = Xoshiro256PlusPlus(seed: seed)
            return correlatedGaussianBatch(count: count, dimension: 2, correlation: rho, using: &h)
        }
        #expect(heavy == 0)
        #expect(estimate.value <= truth + 5 * estimate.standardError, "\(estimate)")
        #expect(estimate.value >= truth - 5 * estimate.standardError - allowance, "\(estimate)")
    }

    @Test func trainedCriticErrors() {
        var g = Xoshiro256PlusPlus(seed: 53)
        let few = correlatedGaussianBatch(count: 20, dimension: 2, correlation: 0.5, using: &g)
        // Full quadratic features on 2 + 2 coordinates: p = 15, so 30 pairs are needed.
        #expect(throws: MonteCarloError.insufficientSamples(needed: 30, available: 20, reason: "to fit a critic with \(15) parameters")) {
            try TrainedCritic.fit(.quadratic, x: few.x, y: few.y, for: .infoNCE)
        }
        #expect(throws: MonteCarloError.self) {
            try TrainedCritic.fit(.mlp, x: few.x, y: Array(few.y.dropLast()), for: .nwj)
        }
    }

    // MARK: - Selection

    /// On Student-t data the choice (made on training pairs only) gives a critic whose NWJ and
    /// InfoNCE on fresh batches are finite, at most 0.15 nats below I (the CLI's target) and not
    /// above I by more than 5 SE: they are lower bounds. One training set by default, 20 with
    /// `MONTECARLO_CALIBRATION=full`.
    @Test("Student-t: the chosen critic's bound on fresh batches is within 0.15 nats below I",
          arguments: [VariationalBound.nwj, .infoNCE])
    func studentT(bound: VariationalBound) throws {
        for replication in 0..<CalibrationScale.current.replications(fast: 1, full: 20) {
            try Self.checkStudentTSelection(bound: bound, seed: 61 &+ 1000 &* UInt64(replication))
        }
    }

    static func checkStudentTSelection(bound: VariationalBound, seed: UInt64) throws {
        let train = Self.studentT(1000, seed: seed)
        let selection = try CriticSelection.select(x: train.x, y: train.y, for: bound, batchSize: 128)
        #expect(selection.fittingPairs == 700 && selection.validationPairs == 300 && selection.validationBatchSize == 128)
        #expect(selection.candidates.map(\.family) == [.quadratic, .randomFourier])
        #expect(selection.candidates.allSatisfy { $0.validationValue?.isFinite == true && $0.failure == nil })
        let chosen = try #require(selection.candidates.first { $0.family == selection.critic.family })
        #expect(selection.candidates.allSatisfy { ($0.validationValue ?? -.infinity) <= chosen.validationValue! })
        #expect(selection.critic.trainingPairs == 1000)  // refitted on all training pairs
        let (estimate, heavy) = try Self.evaluate(selection.critic, batches: 40, seed: seed &+ 1) { count, seed in
            Self.studentT(count, seed: seed)
        }
        #expect(heavy == 0)
        #expect(estimate.value >= Self.studentTTruth - 0.15, "seed \(seed): \(estimate)")
        #expect(estimate.value <= Self.studentTTruth + 5 * estimate.standardError, "seed \(seed): \(estimate)")
    }

    /// The raw Gaussian critic's e^T is unbounded: on Student-t data a candidate list that includes
    /// it must still rank any candidate whose validation partition term was dominated by one pair
    /// after the others.
    @Test func heavyTailedCandidatesRankLast() throws {
        let train = Self.studentT(1000, seed: 63)
        let selection = try CriticSelection.select(families: [.gaussian, .quadratic], x: train.x, y: train.y,
                                                   for: .nwj, batchSize: 128)
        let gaussian = try #require(selection.candidates.first)
        let quadratic = try #require(selection.candidates.last)
        if gaussian.heavyTailBatches > 0 {
            #expect(selection.critic.family == .quadratic)
        } else {
            #expect(selection.critic.family == (gaussian.validationValue! > quadratic.validationValue! ? .gaussian : .quadratic))
        }
    }

    @Test func selectionErrors() {
        var g = Xoshiro256PlusPlus(seed: 64)
        let data = correlatedGaussianBatch(count: 100, dimension: 1, correlation: 0.5, using: &g)
        #expect(throws: MonteCarloError.invalidArgument("No critic families to choose from.")) {
            try CriticSelection.select(families: [], x: data.x, y: data.y, for: .nwj, batchSize: 16)
        }
        #expect(throws: MonteCarloError.invalidParameter(name: "validationFraction", value: 1,
                                                                           requirement: "in (0, 1)")) {
            try CriticSelection.select(x: data.x, y: data.y, for: .nwj, batchSize: 16, validationFraction: 1)
        }
        #expect(throws: MonteCarloError.invalidParameter(name: "batchSize", value: 3,
                                                                           requirement: "at least 4")) {
            try CriticSelection.select(x: data.x, y: data.y, for: .nwj, batchSize: 3)
        }
        #expect(throws: MonteCarloError.insufficientSamples(
            needed: 27, available: 20, reason: "training pairs to hold out 8 validation pairs")) {
            try CriticSelection.select(x: Array(data.x[..<20]), y: Array(data.y[..<20]), for: .nwj, batchSize: 16)
        }
        // Every candidate fails: 40 pairs in 2 + 2 dimensions leave 28 fitting pairs, fewer than twice the
        // 15 quadratic parameters; the (last) candidate's error is thrown.
        var h = Xoshiro256PlusPlus(seed: 65)
        let wide = correlatedGaussianBatch(count: 40, dimension: 2, correlation: 0.5, using: &h)
        #expect(throws: MonteCarloError.insufficientSamples(needed: 30, available: 28, reason: "to fit a critic with \(15) parameters")) {
            try CriticSelection.select(families: [.quadratic], x: wide.x, y: wide.y, for: .nwj, batchSize: 16)
        }
    }
}
