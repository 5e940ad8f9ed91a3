import Foundation
import MonteCarloCore
import Testing

@testable import MutualInformation

@Suite("KSG leave-one-out values from one pass")
struct KSGJackknifeTests {
    /// Σ (Î₋ⱼ − mean)² (N − 1)/N with every Î₋ⱼ recomputed from scratch.
    static func recomputedJackknife(_ data: PairedSamples, algorithm: KSGEstimator.Algorithm, k: Int) throws -> Double {
        let n = data.count, d = data.xDimension + data.yDimension
        var values = RunningMoments()
        for j in 0..<n {
            var joint = data.joint
            joint.removeSubrange((j * d)..<((j + 1) * d))
            let reduced = PairedSamples(count: n - 1, xDimension: data.xDimension, yDimension: data.yDimension, joint: joint)
            values.add(try KSGComputation(reduced, algorithm: algorithm, k: k).value)
        }
        return values.sampleVariance * Double(n - 1) * Double(n - 1) / Double(n)
    }

    @Test(arguments: [(1, 1, 3), (1, 1, 1), (2, 2, 3), (1, 3, 2), (3, 1, 4)])
    func matchesRecomputation(dx: Int, dy: Int, k: Int) throws {
        // Continuous data (planar path for 1 + 1, trees otherwise) and integer data with ties.
        var g = Xoshiro256PlusPlus(seed: UInt64(500 + 10 * dx + dy + k))
        let n = 90
        let x = (0..<n).map { _ in (0..<dx).map { _ in g.nextStandardNormal() } }
        let y = x.map { xi in (0..<dy).map { c in 0.7 * xi[c % dx] + 0.5 * g.nextStandardNormal() } }
        let xt = (0..<n).map { _ in (0..<dx).map { _ in Double(g.next() % 6) } }
        let yt = xt.map { xi in (0..<dy).map { c in xi[c % dx] + Double(g.next() % 3) } }
        for (a, b) in [(x, y), (xt, yt)] {
            let data = try PairedSamples(x: a, y: b)
            for algorithm in [KSGEstimator.Algorithm.one, .two] {
                let fast = try KSGComputation(data, algorithm: algorithm, k: k, jackknife: true).jackknife!.variance
                let slow = try Self.recomputedJackknife(data, algorithm: algorithm, k: k)
                #expect(abs(fast - slow) <= 1e-9 * slow, "\(algorithm) \(dx)+\(dy) k=\(k): \(fast) vs \(slow)")
            }
        }
    }
}
