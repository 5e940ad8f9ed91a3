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

    /// The same with every other point's radius held fixed, from the O(N²) definitions alone:
    /// the k nearest in max norm (ties by index), the radii (ε, or the marginal extents), the
    /// marginal counts without j, and ψ of them as in the estimator (ψ(max(m, 1)) for algorithm
    /// 2, whose increment is 0 once a window holds one point).
    static func fixedRadiusJackknife(x: [Double], y: [Double], algorithm: KSGEstimator.Algorithm, k: Int) -> Double {
        let n = x.count
        func psi(_ m: Int) -> Double { digamma(Double(m)) }
        var radiusX = [Double](repeating: 0, count: n), radiusY = radiusX
        for i in 0..<n {
            var others: [(distance: Double, index: Int)] = []
            for j in 0..<n where j != i {
                let distance: Double = max(abs(x[j] - x[i]), abs(y[j] - y[i]))
                others.append((distance, j))
            }
            others.sort { a, b in a.distance < b.distance || (a.distance == b.distance && a.index < b.index) }
            let nearest = others.prefix(k)
            switch algorithm {
            case .one:
                radiusX[i] = nearest.last!.distance
                radiusY[i] = radiusX[i]
            case .two:
                var ex = 0.0, ey = 0.0
                for neighbour in nearest {
                    ex = max(ex, abs(x[neighbour.index] - x[i]))
                    ey = max(ey, abs(y[neighbour.index] - y[i]))
                }
                radiusX[i] = ex
                radiusY[i] = ey
            }
        }
        func inside(_ gap: Double, _ radius: Double) -> Bool { algorithm == .one ? gap < radius : gap <= radius }
        func term(_ nx: Int, _ ny: Int) -> Double {
            algorithm == .one ? -(psi(nx + 1) + psi(ny + 1)) : -(psi(max(nx, 1)) + psi(max(ny, 1)))
        }
        var values = RunningMoments()
        for j in 0..<n {
            var sum = 0.0
            for i in 0..<n where i != j {
                var nx = 0, ny = 0
                for q in 0..<n where q != i && q != j {
                    if inside(abs(x[q] - x[i]), radiusX[i]) { nx += 1 }
                    if inside(abs(y[q] - y[i]), radiusY[i]) { ny += 1 }
                }
                sum += term(nx, ny)
            }
            values.add(sum / Double(n - 1))
        }
        return values.sampleVariance * Double(n - 1) * Double(n - 1) / Double(n)
    }

    /// Continuous data and integer data with ties, paired by index.
    static func samples(dx: Int, dy: Int, k: Int) -> [([[Double]], [[Double]])] {
        var g = Xoshiro256PlusPlus(seed: UInt64(500 + 10 * dx + dy + k))
        let n = 90
        let x = (0..<n).map { _ in (0..<dx).map { _ in g.nextStandardNormal() } }
        let y = x.map { xi in (0..<dy).map { c in 0.7 * xi[c % dx] + 0.5 * g.nextStandardNormal() } }
        let xt = (0..<n).map { _ in (0..<dx).map { _ in Double(g.next() % 6) } }
        let yt = xt.map { xi in (0..<dy).map { c in xi[c % dx] + Double(g.next() % 3) } }
        return [(x, y), (xt, yt)]
    }

    /// The exact delete-one jackknife (trees, also for 1 + 1).
    @Test(arguments: [(1, 1, 3), (1, 1, 1), (2, 2, 3), (1, 3, 2), (3, 1, 4)])
    func matchesRecomputation(dx: Int, dy: Int, k: Int) throws {
        for (a, b) in Self.samples(dx: dx, dy: dy, k: k) {
            let data = try PairedSamples(x: a, y: b)
            for algorithm in [KSGEstimator.Algorithm.one, .two] {
                let fast = try KSGComputation(data, algorithm: algorithm, k: k, jackknife: .exact).jackknife!.variance
                let slow = try Self.recomputedJackknife(data, algorithm: algorithm, k: k)
                #expect(abs(fast - slow) <= 1e-9 * slow, "\(algorithm) \(dx)+\(dy) k=\(k): \(fast) vs \(slow)")
            }
        }
    }

    /// One-dimensional X and Y (sorted arrays): the jackknife with fixed radii, which differs
    /// from the exact one (checked, so a silent switch from one to the other fails a test).
    @Test(arguments: [3, 1])
    func planarMatchesFixedRadiusRecomputation(k: Int) throws {
        for (a, b) in Self.samples(dx: 1, dy: 1, k: k) {
            let x = a.map { $0[0] }, y = b.map { $0[0] }
            let data = try PairedSamples(x: a, y: b)
            for algorithm in [KSGEstimator.Algorithm.one, .two] {
                let fast = try KSGComputation(data, algorithm: algorithm, k: k, jackknife: .fixedRadii).jackknife!.variance
                let slow = Self.fixedRadiusJackknife(x: x, y: y, algorithm: algorithm, k: k)
                #expect(abs(fast - slow) <= 1e-9 * slow, "\(algorithm) k=\(k): \(fast) vs \(slow)")
                let exact = try Self.recomputedJackknife(data, algorithm: algorithm, k: k)
                #expect(abs(fast - exact) > 1e-3 * exact, "\(algorithm) k=\(k): fixed radii gave the exact jackknife \(exact)")
            }
        }
    }

    /// `KSGEstimator` picks the fixed radii exactly when X and Y are one-dimensional and the
    /// blocks hold at least 1024 points (N ≥ 8192 with 8 blocks).
    @Test func estimatorChoosesTheJackknife() throws {
        var g = Xoshiro256PlusPlus(seed: 77)
        for (n, dy, fixed) in [(8191, 1, 0.0), (8192, 1, 1.0), (8192, 2, 0.0)] {
            let x = (0..<n).map { _ in [g.nextStandardNormal()] }
            let y = x.map { xi in (0..<dy).map { _ in 0.6 * xi[0] + 0.8 * g.nextStandardNormal() } }
            let estimate = try KSGEstimator(seed: 1).estimate(x: x, y: y)
            #expect(estimate.diagnostics.figures["fixedRadiusJackknife"] == fixed, "N = \(n), 1 + \(dy)")
        }
    }
}
