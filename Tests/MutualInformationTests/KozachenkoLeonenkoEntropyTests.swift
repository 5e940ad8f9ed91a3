import Foundation
import MonteCarloCore
import StatisticalTesting
import Testing

@testable import MutualInformation

/// Samples and closed-form entropies (nats) for the k-NN entropy and divergence tests.
enum EntropyTestData {
    static func gaussian(_ n: Int, dimension d: Int, scale: Double = 1, shift: Double = 0,
                         using generator: inout Xoshiro256PlusPlus) -> [[Double]] {
        var rows = [[Double]]()
        rows.reserveCapacity(n)
        for _ in 0..<n {
            var row = [Double](repeating: 0, count: d)
            for c in 0..<d { row[c] = shift + scale * generator.nextStandardNormal() }
            rows.append(row)
        }
        return rows
    }

    /// H(N(0, I_d)) = (d/2) log(2πe).
    static func gaussianEntropy(dimension d: Int) -> Double { 0.5 * Double(d) * log(2 * .pi * exp(1)) }

    /// Student-t with ν degrees of freedom (integer ν: Z/√(χ²_ν/ν)).
    static func studentT(_ n: Int, degreesOfFreedom nu: Int, using generator: inout Xoshiro256PlusPlus) -> [Double] {
        var values = [Double](repeating: 0, count: n)
        for i in 0..<n {
            var chi = 0.0
            for _ in 0..<nu { let z = generator.nextStandardNormal(); chi += z * z }
            values[i] = generator.nextStandardNormal() / (chi / Double(nu)).squareRoot()
        }
        return values
    }

    /// H(t_ν) = ((ν + 1)/2)[ψ((ν + 1)/2) − ψ(ν/2)] + log(√ν B(ν/2, 1/2)).
    static func studentTEntropy(degreesOfFreedom nu: Double) -> Double {
        let logBeta = lgamma(nu / 2) + lgamma(0.5) - lgamma((nu + 1) / 2)
        return (nu + 1) / 2 * (digamma((nu + 1) / 2) - digamma(nu / 2)) + 0.5 * log(nu) + logBeta
    }
}

@Suite("Kozachenko–Leonenko entropy")
struct KozachenkoLeonenkoEntropyTests {
    /// |Ĥ − H| ≤ 5 SE + the declared bias bound. The bounds are the magnitudes measured over 500
    /// data sets on Gaussians with k = 3 (the type’s documentation; −0.031 in d = 3 and −0.027 in
    /// d = 5 weighted at N = 2000), rounded up; 0 in one dimension, where the measured mean bias is
    /// within its own standard error.
    @Test(arguments: [(1, 0.0), (3, 0.05), (5, 0.06)])
    func gaussianEntropyWithinFiveStandardErrors(dimension d: Int, declaredBias: Double) throws {
        var generator = Xoshiro256PlusPlus(seed: 0x18_0100 + UInt64(d))
        let sample = EntropyTestData.gaussian(2000, dimension: d, using: &generator)
        let estimate = try KozachenkoLeonenkoEntropy(seed: 11).estimate(sample)
        let truth = EntropyTestData.gaussianEntropy(dimension: d)
        #expect(abs(estimate.value - truth) <= 5 * estimate.standardError + declaredBias, "d = \(d): \(estimate) vs \(truth)")
        #expect(estimate.diagnostics.method == (d >= 4 ? "kozachenko-leonenko-weighted" : "kozachenko-leonenko"))
        #expect(estimate.standardError > 0 && estimate.degreesOfFreedom == 7)
    }

    /// One-dimensional closed forms: uniform on [0, 3] (log 3), exponential with rate 2
    /// (1 − log 2), Student-t with ν = 5.
    @Test func oneDimensionalClosedForms() throws {
        var generator = Xoshiro256PlusPlus(seed: 0x18_0200)
        let n = 2000
        let uniform = (0..<n).map { _ in 3 * generator.nextUniform() }
        let exponential = (0..<n).map { _ in generator.nextStandardExponential() / 2 }
        let student = EntropyTestData.studentT(n, degreesOfFreedom: 5, using: &generator)
        let cases: [(String, [Double], Double)] = [
            ("uniform", uniform, log(3.0)), ("exponential", exponential, 1 - log(2.0)),
            ("student-t", student, EntropyTestData.studentTEntropy(degreesOfFreedom: 5)),
        ]
        for (name, sample, truth) in cases {
            let estimate = try KozachenkoLeonenkoEntropy(seed: 3).estimate(sample)
            let check = StatisticalCheck.consistency(of: estimate, with: truth)
            #expect(check.passed, "\(name): \(check)")
        }
    }

    /// H(aX + b) = H(X) + d log a, exactly for the estimator too (distances scale by a).
    @Test func scalingShiftsByDLogA() throws {
        var generator = Xoshiro256PlusPlus(seed: 0x18_0300)
        let sample = EntropyTestData.gaussian(300, dimension: 2, using: &generator)
        let scaled = sample.map { $0.map { 4 * $0 + 1 } }
        let estimator = KozachenkoLeonenkoEntropy()
        #expect(abs(try estimator.value(scaled) - estimator.value(sample) - 2 * log(4.0)) < 1e-9)
    }

    /// The value against the O(N²) definition on a small sample.
    @Test(arguments: [1, 2, 5])
    func valueMatchesBruteForce(dimension d: Int) throws {
        var generator = Xoshiro256PlusPlus(seed: 0x18_0400 + UInt64(d))
        let sample = EntropyTestData.gaussian(150, dimension: d, using: &generator)
        let estimator = KozachenkoLeonenkoEntropy(neighbors: 4)
        let w = try estimator.weights(dimension: d)
        let n = sample.count
        var total = 0.0
        for i in 0..<n {
            var distances: [Double] = []
            for j in 0..<n where j != i {
                distances.append(zip(sample[i], sample[j]).reduce(0) { max($0, abs($1.0 - $1.1)) })
            }
            distances.sort()
            for j in 1...4 where w[j - 1] != 0 {
                total += w[j - 1] * (Double(d) * log(2 * distances[j - 1]) - digamma(Double(j)))
            }
        }
        let brute = digamma(Double(n)) + total / Double(n)
        #expect(abs(try estimator.value(sample) - brute) < 1e-10)
    }

    /// The jackknife from the one-pass formula against recomputing Ĥ without each point.
    @Test(arguments: [1, 3, 5])
    func jackknifeMatchesRecomputation(dimension d: Int) throws {
        var generator = Xoshiro256PlusPlus(seed: 0x18_0500 + UInt64(d))
        let rows = EntropyTestData.gaussian(60, dimension: d, using: &generator)
        let sample = try NeighborSample(rows, name: "test")
        let w = try KozachenkoLeonenkoEntropy(neighbors: 5).weights(dimension: d)
        let fast = try KozachenkoLeonenkoEntropy.evaluate(sample, weights: w, jackknife: true).jackknife
        var leaveOneOut: [Double] = []
        for j in 0..<rows.count {
            let rest = Array(0..<rows.count).filter { $0 != j }
            leaveOneOut.append(try KozachenkoLeonenkoEntropy.evaluate(sample.subset(rest[...]), weights: w, jackknife: false).value)
        }
        let slow = BlockRescaledJackknife.jackknife(leaveOneOut)
        #expect(abs(fast - slow) <= 1e-10 * slow, "\(fast) vs \(slow)")
    }

    // MARK: - Weights

    /// Σ w = 1 and Σ wⱼ Γ(j + 2ℓ/d)/Γ(j) = 0 for ℓ ≤ ⌊d/4⌋, on the support {⌊ik/d⌋}.
    @Test(arguments: [(4, 3), (5, 3), (5, 10), (8, 8), (8, 20), (12, 30)])
    func weightsSatisfyTheBiasConstraints(dimension d: Int, neighbors k: Int) throws {
        let w = try KozachenkoLeonenkoEntropy(neighbors: k).weights(dimension: d)
        #expect(w.count == k)
        let magnitude = w.reduce(0) { $0 + abs($1) }
        #expect(abs(w.reduce(0, +) - 1) <= 1e-13 * magnitude, "Σ|w| = \(magnitude)")
        let support = Set((1...d).map { k * $0 / d })
        for j in 1...k where !support.contains(j) { #expect(w[j - 1] == 0) }
        for l in 1...(d / 4) {
            var sum = 0.0, scale = 0.0
            for j in 1...k {
                let g = exp(lgamma(Double(j) + 2 * Double(l) / Double(d)) - lgamma(Double(j)))
                sum += w[j - 1] * g
                scale += abs(w[j - 1] * g)
            }
            #expect(abs(sum) <= 1e-12 * scale, "d = \(d), k = \(k), ℓ = \(l): \(sum)")
        }
    }

    @Test func plainWeightsInLowDimensionOrWhenAsked() throws {
        #expect(try KozachenkoLeonenkoEntropy(neighbors: 4).weights(dimension: 3) == [0, 0, 0, 1])
        #expect(try KozachenkoLeonenkoEntropy(neighbors: 4, weighting: .unweighted).weights(dimension: 9) == [0, 0, 0, 1])
        // d = 8 needs three distinct ranks ⌊ik/8⌋: k = 1 gives only {1}.
        #expect(throws: MonteCarloError.self) { try KozachenkoLeonenkoEntropy(neighbors: 1).weights(dimension: 8) }
    }

    // MARK: - Bad input

    @Test func badInputThrowsTypedErrors() throws {
        let estimator = KozachenkoLeonenkoEntropy()
        var generator = Xoshiro256PlusPlus(seed: 0x18_0600)
        var sample = EntropyTestData.gaussian(100, dimension: 2, using: &generator)
        // Constant column.
        let constant = sample.map { [$0[0], 1.5] }
        #expect { try estimator.estimate(constant) } throws: { error in
            guard case .invalidArgument(let message) = error as? MonteCarloError else { return false }
            return message.contains("constant")
        }
        // All tied: every value equal (a constant column in one dimension).
        #expect(throws: MonteCarloError.self) { try estimator.value([Double](repeating: 2, count: 50)) }
        // Tied points, columns not constant: each point four times, so the 3rd neighbour distance is 0.
        let tied = (0..<40).flatMap { i in [Double](repeating: Double(i), count: 4) }
        #expect { try estimator.value(tied) } throws: { error in
            guard case .invalidArgument(let message) = error as? MonteCarloError else { return false }
            return message.contains("zero distance")
        }
        // Fewer than k + 1 points, and too few for the blocks.
        #expect { try estimator.value([1.0, 2.0, 3.5]) } throws: { error in
            guard case .insufficientSamples = error as? MonteCarloError else { return false }
            return true
        }
        #expect { try estimator.estimate(Array(sample.prefix(30))) } throws: { error in
            guard case .insufficientSamples = error as? MonteCarloError else { return false }
            return true
        }
        // NaN, ragged rows, bad k.
        sample[7][1] = .nan
        #expect { try estimator.estimate(sample) } throws: { error in
            guard case .nonFinite(_, let index) = error as? MonteCarloError else { return false }
            return index == 7
        }
        #expect(throws: MonteCarloError.self) { try estimator.value([[1.0, 2.0], [3.0]]) }
        #expect(throws: MonteCarloError.self) { try KozachenkoLeonenkoEntropy(neighbors: 0).value([1.0, 2, 3]) }
        #expect(throws: MonteCarloError.self) { try KozachenkoLeonenkoEntropy(subsampleBlocks: 1).estimate(Array(sample.prefix(7)) + Array(sample.suffix(90))) }
    }

    @Test func resultDoesNotDependOnChunking() throws {
        var generator = Xoshiro256PlusPlus(seed: 0x18_0700)
        let sample = try NeighborSample(EntropyTestData.gaussian(500, dimension: 3, using: &generator), name: "test")
        let w = [0.0, 0, 1]
        let a = try KozachenkoLeonenkoEntropy.evaluate(sample, weights: w, jackknife: true, chunks: 1)
        let b = try KozachenkoLeonenkoEntropy.evaluate(sample, weights: w, jackknife: true, chunks: 64)
        #expect(a.value == b.value && a.jackknife == b.jackknife)
    }
}
