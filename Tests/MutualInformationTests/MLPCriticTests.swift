import Foundation
import LinearAlgebra
import MonteCarloCore
import StatisticalTesting
import Testing

@testable import MutualInformation

@Suite("Multilayer-perceptron critic: backpropagation, Adam, training")
struct MLPCriticTests {
    static func batch(_ n: Int, dimension: Int, mi: Double, seed: UInt64) -> (x: [[Double]], y: [[Double]]) {
        var g = Xoshiro256PlusPlus(seed: seed)
        return correlatedGaussianBatch(count: n, dimension: dimension,
                                       correlation: correlation(forMutualInformation: mi, dimension: dimension), using: &g)
    }

    /// The hand-written gradient of every objective matches central finite differences for every
    /// parameter: two softplus layers (smooth, so the O(h²) truncation and O(ε/h) rounding errors
    /// are both below 1e-7 at h = 1e-5) and one ReLU layer (piecewise linear: exact unless a
    /// pre-activation lies within h of a kink, which random data almost surely avoid).
    /// Both structures (separable g(x)ᵀh(y) and joint f([x, y])) are checked.
    @Test(arguments: [MLPCritic.Objective.nwj, .infoNCE, .jensenShannon(.donskerVaradhan)],
          [(MLPCritic.Activation.softplus, MLPCritic.Structure.separable), (.relu, .separable), (.softplus, .joint)])
    func gradientMatchesFiniteDifferences(objective: MLPCritic.Objective,
                                          shape: (MLPCritic.Activation, MLPCritic.Structure)) throws {
        let (activation, structure) = shape
        let architecture = MLPCritic.Architecture(hiddenWidth: 5, hiddenLayers: activation == .softplus ? 2 : 1,
                                                  embeddingDimension: 3, activation: activation, structure: structure)
        let critic = MLPCritic(xDimension: 2, yDimension: 3, architecture: architecture, seed: 7)
        var g = Xoshiro256PlusPlus(seed: 8)
        let xs = (0..<6).map { _ in (0..<2).map { _ in g.nextStandardNormal() } }
        let ys = (0..<6).map { _ in (0..<3).map { _ in g.nextStandardNormal() } }
        let x = try MLPCritic.matrix(xs, dimension: 2, name: "x"), y = try MLPCritic.matrix(ys, dimension: 3, name: "y")
        let (_, gradient) = critic.objectiveAndGradient(x: x, y: y, objective: objective)
        let theta = critic.parameters
        #expect(gradient.count == theta.count && theta.count == critic.parameterCount)
        let h = 1e-5
        var worst = 0.0
        for e in theta.indices {
            var plus = critic, minus = critic
            var tp = theta, tm = theta
            tp[e] += h
            tm[e] -= h
            plus.parameters = tp
            minus.parameters = tm
            let fd = (plus.objectiveAndGradient(x: x, y: y, objective: objective).value
                - minus.objectiveAndGradient(x: x, y: y, objective: objective).value) / (2 * h)
            worst = max(worst, abs(fd - gradient[e]) / (1 + abs(gradient[e])))
        }
        #expect(worst < 1e-7, "largest relative gradient error \(worst)")
        #expect(gradient.contains { abs($0) > 1e-3 }, "a vanishing gradient would make the check vacuous")
    }

    /// SMILE trains with the JS gradient (Song & Ermon 2020) but reports its clipped DV value; the
    /// score matrix agrees with the pairwise score for both structures.
    @Test(arguments: [MLPCritic.Structure.separable, .joint])
    func smileUsesTheJensenShannonGradient(structure: MLPCritic.Structure) throws {
        let critic = MLPCritic(xDimension: 2, yDimension: 2, architecture: .init(hiddenWidth: 8, structure: structure),
                               seed: 3)
        let data = Self.batch(8, dimension: 2, mi: 1, seed: 4)
        let x = try MLPCritic.matrix(data.x, dimension: 2, name: "x"), y = try MLPCritic.matrix(data.y, dimension: 2, name: "y")
        let smile = critic.objectiveAndGradient(x: x, y: y, objective: .smile(tau: 5))
        let js = critic.objectiveAndGradient(x: x, y: y, objective: .jensenShannon(.donskerVaradhan))
        #expect(smile.gradient == js.gradient)
        let scores = try critic.scoreMatrix(x: data.x, y: data.y)
        #expect(abs(smile.value - (try VariationalBound.smile(tau: 5).value(of: scores))) < 1e-12)
        for i in 0..<8 { for j in 0..<8 { #expect(abs(scores[i, j] - critic.score(x: data.x[i], y: data.y[j])) < 1e-12) } }
    }

    @Test func trainingIsDeterministicForASeed() throws {
        let data = Self.batch(300, dimension: 2, mi: 0.5, seed: 5)
        let arch = MLPCritic.Architecture(hiddenWidth: 16, embeddingDimension: 4)
        let a = try MLPCritic.fit(x: data.x, y: data.y, objective: .infoNCE, architecture: arch, batchSize: 32,
                                  steps: 30, seed: 9)
        let b = try MLPCritic.fit(x: data.x, y: data.y, objective: .infoNCE, architecture: arch, batchSize: 32,
                                  steps: 30, seed: 9)
        let c = try MLPCritic.fit(x: data.x, y: data.y, objective: .infoNCE, architecture: arch, batchSize: 32,
                                  steps: 30, seed: 10)
        #expect(a.parameters == b.parameters && a.objectiveTrace == b.objectiveTrace)
        #expect(a.parameters != c.parameters)
        #expect(a.stepsTaken == 30)
    }

    /// At I = 0.5 nat (d = 1 + 1), training must raise the objective: on 100 fresh batches, the
    /// paired mean gain of the trained over the initial critic (same seed, so the same starting
    /// weights) must exceed 5 of its SEs. The trained critic's values on those fresh batches must
    /// respect theory: NWJ and NWJ(S + 1) of a fixed critic are unbiased for a lower bound on I,
    /// and InfoNCE's expectation is ≤ I, so each mean may exceed I by at most 5 SE. A floor of I/2
    /// checks that training found the dependence (a sanity floor, not a theorem).
    @Test(arguments: [MLPCritic.Objective.nwj, .jensenShannon(.nwjShifted), .infoNCE])
    func trainedCriticRespectsTheBound(objective: MLPCritic.Objective) throws {
        let mi = 0.5
        let rho = correlation(forMutualInformation: mi, dimension: 1)
        let architecture = MLPCritic.Architecture(hiddenWidth: 32, embeddingDimension: 8)
        let train = Self.batch(2000, dimension: 1, mi: mi, seed: 100)
        let critic = try MLPCritic.fit(x: train.x, y: train.y, objective: objective, architecture: architecture,
                                       optimizer: .init(learningRate: 3e-3), batchSize: 64, steps: 1000, seed: 101)
        let initial = MLPCritic(xDimension: 1, yDimension: 1, architecture: architecture, seed: 101)
        let bound = objective.evaluationBound
        var accumulator = VariationalBoundAccumulator(bound: bound, batchSize: 64)
        var gains = RunningMoments()
        var g = Xoshiro256PlusPlus(seed: 102)
        for _ in 0..<100 {
            let b = correlatedGaussianBatch(count: 64, dimension: 1, correlation: rho, using: &g)
            try accumulator.add(critic.scoreMatrix(x: b.x, y: b.y))
            let x = try MLPCritic.matrix(b.x, dimension: 1, name: "x"), y = try MLPCritic.matrix(b.y, dimension: 1, name: "y")
            gains.add(critic.objectiveAndGradient(x: x, y: y, objective: objective).value
                - initial.objectiveAndGradient(x: x, y: y, objective: objective).value)
        }
        let gainSE = gains.varianceOfMean.squareRoot()
        #expect(gains.mean > 5 * gainSE, "objective gain \(gains.mean) ± \(gainSE)")
        let e = try accumulator.estimate()
        #expect(e.value <= mi + 5 * e.standardError, "\(bound.name): \(e)")
        #expect(e.value >= mi / 2, "\(bound.name): \(e)")
    }

    /// The joint critic f([x, y]) learns too: JS-trained, read out with NWJ(S + 1) (unbiased for a
    /// value ≤ I) on fresh batches, at most 5 SE above I and above the sanity floor I/2.
    @Test func jointCriticLearnsAtSmallI() throws {
        let mi = 0.5
        let rho = correlation(forMutualInformation: mi, dimension: 1)
        let train = Self.batch(2000, dimension: 1, mi: mi, seed: 300)
        let critic = try MLPCritic.fit(x: train.x, y: train.y, objective: .jensenShannon(.nwjShifted),
                                       architecture: .init(hiddenWidth: 16, structure: .joint),
                                       optimizer: .init(learningRate: 3e-3), batchSize: 32, steps: 600, seed: 301)
        var accumulator = VariationalBoundAccumulator(bound: .jensenShannon(.nwjShifted), batchSize: 64)
        var g = Xoshiro256PlusPlus(seed: 302)
        for _ in 0..<100 {
            let b = correlatedGaussianBatch(count: 64, dimension: 1, correlation: rho, using: &g)
            try accumulator.add(critic.scoreMatrix(x: b.x, y: b.y))
        }
        let e = try accumulator.estimate()
        #expect(e.value <= mi + 5 * e.standardError, "\(e)")
        #expect(e.value >= mi / 2, "\(e)")
    }

    @Test func trainingFailuresAreTyped() throws {
        var data = Self.batch(100, dimension: 2, mi: 1, seed: 200)
        #expect {
            try MLPCritic.fit(x: data.x, y: data.y, objective: .nwj, batchSize: 128, steps: 1, seed: 1)
        } throws: { error in
            if case MonteCarloError.insufficientSamples(needed: 128, available: 100, _) = error { return true }
            return false
        }
        #expect {
            try MLPCritic.fit(x: data.x, y: data.y, objective: .nwj, architecture: .init(hiddenLayers: 3), steps: 1,
                              seed: 1)
        } throws: { error in
            if case MonteCarloError.invalidParameter(name: "hiddenLayers", _, _) = error { return true }
            return false
        }
        #expect {
            try MLPCritic.fit(x: data.x, y: data.y, objective: .smile(tau: 0), steps: 1, seed: 1)
        } throws: { error in
            if case MonteCarloError.invalidParameter(name: "tau", _, _) = error { return true }
            return false
        }
        // Scores of order 10⁶ overflow e^{S − 1} in NWJ on the first step.
        let huge = data.x.map { $0.map { $0 * 1e4 } }
        var critic = MLPCritic(xDimension: 2, yDimension: 2, seed: 1)
        #expect(throws: MonteCarloError.self) { try critic.step(x: huge, y: huge, objective: .nwj) }
        #expect {
            try critic.step(x: huge, y: huge, objective: .nwj)
        } throws: { error in
            if case MonteCarloError.diverged(_, step: 0, _) = error { return true }
            return false
        }
        #expect(critic.stepsTaken == 0)
        data.x[3][0] = .infinity
        #expect(throws: MonteCarloError.nonFinite(quantity: "coordinate 0 of x", index: 3)) {
            try MLPCritic.fit(x: data.x, y: data.y, objective: .infoNCE, steps: 1, seed: 1)
        }
    }
}
