import Foundation
import MonteCarloCore
import StatisticalTesting
import Testing

@testable import MutualInformation

@Suite("Wang–Kulkarni–Verdú KL divergence")
struct KullbackLeiblerDivergenceTests {
    /// D(N(0, I) ‖ N(μ, σ²I)) = d[log σ + (1 + μ²)/(2σ²) − 1/2].
    static func gaussianDivergence(dimension d: Int, shift mu: Double, scale sigma: Double) -> Double {
        Double(d) * (log(sigma) + (1 + mu * mu) / (2 * sigma * sigma) - 0.5)
    }

    /// |D̂ − D| ≤ 5 SE + the declared bias bound (measured +0.004 in d = 1 at N = 500 and +0.032
    /// in d = 3 at N = 2000 over 500 data sets; see the type's documentation), rounded up.
    @Test(arguments: [(1, 0.0), (3, 0.05)])
    func gaussianDivergenceWithinFiveStandardErrors(dimension d: Int, declaredBias: Double) throws {
        var generator = Xoshiro256PlusPlus(seed: 0x18_1100 + UInt64(d))
        let p = EntropyTestData.gaussian(2000, dimension: d, using: &generator)
        let q = EntropyTestData.gaussian(1500, dimension: d, scale: 1.5, shift: 0.5, using: &generator)
        let estimate = try KullbackLeiblerDivergence(seed: 5).estimate(p: p, q: q)
        let truth = Self.gaussianDivergence(dimension: d, shift: 0.5, scale: 1.5)
        #expect(abs(estimate.value - truth) <= 5 * estimate.standardError + declaredBias, "d = \(d): \(estimate) vs \(truth)")
        #expect(estimate.standardError > 0 && estimate.diagnostics.method == "wang-kulkarni-verdu")
    }

    /// Identical distributions: D = 0.
    @Test func zeroForTheSameDistribution() throws {
        var generator = Xoshiro256PlusPlus(seed: 0x18_1200)
        let p = (0..<1500).map { _ in generator.nextStandardExponential() }
        let q = (0..<1500).map { _ in generator.nextStandardExponential() }
        let check = StatisticalCheck.consistency(of: try KullbackLeiblerDivergence(seed: 1).estimate(p: p, q: q), with: 0)
        #expect(check.passed, "\(check)")
    }

    /// The value against the O(NM) definition on small samples.
    @Test(arguments: [1, 3])
    func valueMatchesBruteForce(dimension d: Int) throws {
        var generator = Xoshiro256PlusPlus(seed: 0x18_1300 + UInt64(d))
        let p = EntropyTestData.gaussian(120, dimension: d, using: &generator)
        let q = EntropyTestData.gaussian(90, dimension: d, shift: 0.3, using: &generator)
        let k = 2
        func kth(_ point: [Double], _ others: [[Double]]) -> Double {
            others.map { zip(point, $0).reduce(0) { max($0, abs($1.0 - $1.1)) } }.sorted()[k - 1]
        }
        var total = 0.0
        for i in p.indices {
            var rest = p
            rest.remove(at: i)
            total += Double(d) * log(kth(p[i], q) / kth(p[i], rest))
        }
        let brute = total / Double(p.count) + log(Double(q.count) / Double(p.count - 1))
        #expect(abs(try KullbackLeiblerDivergence(neighbors: k).value(p: p, q: q) - brute) < 1e-10)
    }

    /// The two-sample jackknife from the one-pass formula against recomputation.
    @Test func jackknifeMatchesRecomputation() throws {
        var generator = Xoshiro256PlusPlus(seed: 0x18_1400)
        let x = try NeighborSample(EntropyTestData.gaussian(50, dimension: 2, using: &generator), name: "P")
        let y = try NeighborSample(EntropyTestData.gaussian(40, dimension: 2, scale: 1.3, using: &generator), name: "Q")
        let estimator = KullbackLeiblerDivergence(neighbors: 3)
        let fast = try estimator.evaluate(x, y, jackknife: true).jackknife
        var leaveX: [Double] = [], leaveY: [Double] = []
        for j in 0..<x.count {
            leaveX.append(try estimator.evaluate(x.subset(Array(0..<x.count).filter { $0 != j }[...]), y, jackknife: false).value)
        }
        for j in 0..<y.count {
            leaveY.append(try estimator.evaluate(x, y.subset(Array(0..<y.count).filter { $0 != j }[...]), jackknife: false).value)
        }
        let slow = BlockRescaledJackknife.jackknife(leaveX) + BlockRescaledJackknife.jackknife(leaveY)
        #expect(abs(fast - slow) <= 1e-10 * slow, "\(fast) vs \(slow)")
    }

    @Test func badInputThrowsTypedErrors() throws {
        let estimator = KullbackLeiblerDivergence()
        var generator = Xoshiro256PlusPlus(seed: 0x18_1500)
        let p = EntropyTestData.gaussian(100, dimension: 2, using: &generator)
        let q = EntropyTestData.gaussian(100, dimension: 2, using: &generator)
        #expect { try estimator.estimate(p: p.map { [$0[0], 0] }, q: q) } throws: { error in
            guard case .invalidArgument(let message) = error as? MonteCarloError else { return false }
            return message.contains("constant")
        }
        // P's points each repeated three times in Q: every k-th distance to Q is 0.
        let repeated = p.flatMap { [$0, $0, $0] }
        #expect { try estimator.value(p: p, q: repeated) } throws: { error in
            guard case .invalidArgument(let message) = error as? MonteCarloError else { return false }
            return message.contains("zero distance")
        }
        #expect(throws: MonteCarloError.self) { try estimator.value(p: p, q: q.map { $0 + [1] }) }
        #expect { try estimator.value(p: [1.0, 2, 3], q: [1.5, 2.5, 3.5, 4]) } throws: { error in
            guard case .insufficientSamples = error as? MonteCarloError else { return false }
            return true
        }
        #expect { try estimator.value(p: [1.0, 2, 3, 4, 5], q: [1.5, 2.5]) } throws: { error in
            guard case .insufficientSamples = error as? MonteCarloError else { return false }
            return true
        }
        #expect { try estimator.value(p: [1.0, .nan, 3, 4, 5], q: [1.5, 2.5, 3, 4]) } throws: { error in
            guard case .nonFinite(_, let index) = error as? MonteCarloError else { return false }
            return index == 1
        }
    }
}
