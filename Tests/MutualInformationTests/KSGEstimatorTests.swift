import Foundation
import MonteCarloCore
import Testing

@testable import MutualInformation

/// Straightforward O(n²) KSG, written independently of the k-d tree code.
func bruteForceKSG(x: [[Double]], y: [[Double]], k: Int, algorithm: KSGEstimator.Algorithm) -> Double {
    let n = x.count
    func dist(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) } }
    var total = 0.0
    for i in 0..<n {
        var order: [(distance: Double, index: Int)] = []
        for j in 0..<n where j != i {
            let d: Double = max(dist(x[i], x[j]), dist(y[i], y[j]))
            order.append((d, j))
        }
        order.sort { a, b in a.distance < b.distance || (a.distance == b.distance && a.index < b.index) }
        switch algorithm {
        case .one:
            let eps = order[k - 1].distance
            let nx = (0..<n).filter { $0 != i && dist(x[i], x[$0]) < eps }.count
            let ny = (0..<n).filter { $0 != i && dist(y[i], y[$0]) < eps }.count
            total += digamma(Double(nx + 1)) + digamma(Double(ny + 1))
        case .two:
            let nb: [Int] = order.prefix(k).map { $0.index }
            let ex = nb.map { dist(x[i], x[$0]) }.max()!, ey = nb.map { dist(y[i], y[$0]) }.max()!
            let nx = (0..<n).filter { $0 != i && dist(x[i], x[$0]) <= ex }.count
            let ny = (0..<n).filter { $0 != i && dist(y[i], y[$0]) <= ey }.count
            total += digamma(Double(nx)) + digamma(Double(ny))
        }
    }
    let base = digamma(Double(k)) + digamma(Double(n)) - (algorithm == .two ? 1 / Double(k) : 0)
    return base - total / Double(n)
}

@Suite("Kraskov–Stögbauer–Grassberger")
struct KSGEstimatorTests {
    @Test(arguments: [(1, 1, 1), (1, 1, 3), (2, 3, 3), (3, 1, 5), (1, 4, 2)])
    func matchesBruteForce(dx: Int, dy: Int, k: Int) throws {
        var g = Xoshiro256PlusPlus(seed: UInt64(100 + 10 * dx + dy + k))
        let n = 150
        let x = (0..<n).map { _ in (0..<dx).map { _ in g.nextStandardNormal() } }
        let y = x.map { xi in (0..<dy).map { c in 0.7 * xi[c % dx] + 0.5 * g.nextStandardNormal() } }
        for algorithm in [KSGEstimator.Algorithm.one, .two] {
            let fast = try KSGEstimator(algorithm: algorithm, neighbors: k).value(x: x, y: y)
            let slow = bruteForceKSG(x: x, y: y, k: k, algorithm: algorithm)
            #expect(abs(fast - slow) < 1e-12, "\(algorithm) dx=\(dx) dy=\(dy) k=\(k): \(fast) vs \(slow)")
        }
    }

    @Test func matchesBruteForceAcrossManyLeaves() throws {
        // Enough points for several levels of 64-point leaves in the joint and marginal trees.
        var g = Xoshiro256PlusPlus(seed: 300)
        let n = 320
        let x = (0..<n).map { _ in (0..<3).map { _ in g.nextStandardNormal() } }
        let y = x.map { xi in (0..<3).map { c in 0.6 * xi[c] + 0.8 * g.nextStandardNormal() } }
        for algorithm in [KSGEstimator.Algorithm.one, .two] {
            let fast = try KSGEstimator(algorithm: algorithm, neighbors: 3).value(x: x, y: y)
            let slow = bruteForceKSG(x: x, y: y, k: 3, algorithm: algorithm)
            #expect(abs(fast - slow) < 1e-12, "\(algorithm): \(fast) vs \(slow)")
        }
    }

    @Test func matchesBruteForceWithTies() throws {
        // Integer-valued data: many equal distances; KSG-1 depends only on ε, KSG-2 on the
        // index-ordered tie-break, which both implementations share.
        var g = Xoshiro256PlusPlus(seed: 9)
        let x = (0..<120).map { _ in [Double(g.next() % 7), Double(g.next() % 5)] }
        let y = x.map { [($0[0] + Double(g.next() % 3)).rounded()] }
        for algorithm in [KSGEstimator.Algorithm.one, .two] {
            let fast = try KSGEstimator(algorithm: algorithm, neighbors: 3).value(x: x, y: y)
            let slow = bruteForceKSG(x: x, y: y, k: 3, algorithm: algorithm)
            #expect(abs(fast - slow) < 1e-12, "\(algorithm): \(fast) vs \(slow)")
        }
        let e = try KSGEstimator(neighbors: 3).estimate(x: x, y: y)
        #expect(e.diagnostics.warnings.contains { $0.contains("tied") })
    }

    @Test(arguments: [1, 2, 3, 6])
    func oneDimensionalSortedSearchMatchesBruteForce(k: Int) throws {
        // The 1 + 1 path (sorted arrays, blocks of 32) against the O(n²) reference: continuous
        // data crossing many blocks, and integer data full of ties (index-ordered tie-breaks).
        var g = Xoshiro256PlusPlus(seed: UInt64(200 + k))
        let x = (0..<300).map { _ in g.nextStandardNormal() }
        let y = x.map { 0.6 * $0 + 0.8 * g.nextStandardNormal() }
        let xi = (0..<200).map { _ in Double(g.next() % 9) }
        let yi = xi.map { $0 + Double(g.next() % 4) }
        for algorithm in [KSGEstimator.Algorithm.one, .two] {
            for (a, b) in [(x, y), (xi, yi), (x.map { $0 * $0 * $0 }, y)] {
                let fast = try KSGEstimator(algorithm: algorithm, neighbors: k).value(x: a, y: b)
                let slow = bruteForceKSG(x: a.map { [$0] }, y: b.map { [$0] }, k: k, algorithm: algorithm)
                #expect(abs(fast - slow) < 1e-12, "\(algorithm) k=\(k): \(fast) vs \(slow)")
            }
        }
    }

    @Test func oneDimensionalGaussianWithinKnownBias() throws {
        // Reference (100 reps, k = 3, N = 500): KSG-1 0.413 (sd 0.039), KSG-2 0.417 (0.039); truth 0.4133.
        let rho = 0.75, truth = pairMutualInformation(rho, dimension: 1)
        var g = Xoshiro256PlusPlus(seed: 31)
        let batch = correlatedGaussianBatch(count: 500, dimension: 1, correlation: rho, using: &g)
        for algorithm in [KSGEstimator.Algorithm.one, .two] {
            let e = try KSGEstimator(algorithm: algorithm, neighbors: 3, seed: 1).estimate(x: batch.x, y: batch.y)
            // 5 SE (Student-t with 7 df is heavier, so allow 6) plus a 0.02-nat bias allowance.
            #expect(abs(e.value - truth) <= 6 * e.standardError + 0.02, "\(algorithm): \(e)")
            #expect(e.standardError > 0.01 && e.standardError < 0.1, "\(e)")
        }
    }

    @Test func fiveDimensionalBiasIsNegative() throws {
        // Reference (k = 3, N = 500): KSG-1 0.706 (sd 0.051) vs truth 1.1157: biased low.
        let rho = 0.6, truth = pairMutualInformation(rho, dimension: 5)
        var g = Xoshiro256PlusPlus(seed: 32)
        let batch = correlatedGaussianBatch(count: 500, dimension: 5, correlation: rho, using: &g)
        let e = try KSGEstimator(neighbors: 3, seed: 2).estimate(x: batch.x, y: batch.y)
        #expect(e.value < truth - 0.2, "\(e)")
        #expect(abs(e.value - 0.706) < 5 * 0.051, "\(e)")
    }

    @Test func independenceNearZero() throws {
        var g = Xoshiro256PlusPlus(seed: 33)
        let x = (0..<1000).map { _ in g.nextStandardNormal() }
        let y = (0..<1000).map { _ in g.nextStandardNormal() }
        let e = try KSGEstimator(neighbors: 3, seed: 3).estimate(x: x, y: y)
        #expect(abs(e.value) <= 6 * e.standardError + 0.01, "\(e)")
    }

    @Test func invariances() throws {
        var g = Xoshiro256PlusPlus(seed: 34)
        let batch = correlatedGaussianBatch(count: 800, dimension: 1, correlation: 0.75, using: &g)
        let ksg = KSGEstimator(neighbors: 3, seed: 4)
        let base = try ksg.value(x: batch.x, y: batch.y)
        // Exact: a common power-of-two scale of every coordinate (max-norm distances scale exactly).
        let scaled = try ksg.value(x: batch.x.map { $0.map { 4 * $0 } }, y: batch.y.map { $0.map { 4 * $0 } })
        #expect(scaled == base)
        // Exact: the order of the pairs (KSG-1 depends only on distances).
        let reversed = try ksg.value(x: batch.x.reversed(), y: batch.y.reversed())
        #expect(abs(reversed - base) < 1e-12)
        // Monotone transforms of the marginals change the neighbours, so KSG is only
        // approximately invariant; the estimate must still be consistent with I (reference:
        // half-cube of ρ = .75 gives 0.413 (sd 0.024) at N = 2000).
        let halfCube = { (v: Double) in v * abs(v).squareRoot() }
        let e = try ksg.estimate(x: batch.x.map { $0.map(halfCube) }, y: batch.y.map { $0.map { asinh($0) } })
        #expect(abs(e.value - pairMutualInformation(0.75, dimension: 1)) <= 6 * e.standardError + 0.02, "\(e)")
    }

    @Test func rankTransformIsExactlyInvariantUnderMonotoneMaps() throws {
        var g = Xoshiro256PlusPlus(seed: 37)
        let batch = correlatedGaussianBatch(count: 600, dimension: 2, correlation: 0.6, using: &g)
        for algorithm in [KSGEstimator.Algorithm.one, .two] {
            let ksg = KSGEstimator(algorithm: algorithm, neighbors: 3, seed: 6, rankTransform: true)
            let base = try ksg.estimate(x: batch.x, y: batch.y)
            let transformed = try ksg.estimate(
                x: batch.x.map { [$0[0] * $0[0] * $0[0], exp($0[1])] }, y: batch.y.map { [asinh($0[0]), 2 * $0[1] + 5] })
            #expect(transformed == base)
            // Still consistent with I = −log(1 − 0.36) within SE + bias allowance (2-d pairs are
            // biased low a little: allow 0.1 nats).
            #expect(abs(base.value - pairMutualInformation(0.6, dimension: 2)) <= 6 * base.standardError + 0.1, "\(base)")
        }
    }

    @Test func deterministicAndSeededNoise() throws {
        var g = Xoshiro256PlusPlus(seed: 36)
        let batch = correlatedGaussianBatch(count: 300, dimension: 2, correlation: 0.5, using: &g)
        let a = try KSGEstimator(seed: 5).estimate(x: batch.x, y: batch.y)
        let b = try KSGEstimator(seed: 5).estimate(x: batch.x, y: batch.y)
        #expect(a == b)
        let n1 = try KSGEstimator(seed: 5, tieBreakingNoise: 1e-10).value(x: batch.x, y: batch.y)
        let n2 = try KSGEstimator(seed: 5, tieBreakingNoise: 1e-10).value(x: batch.x, y: batch.y)
        #expect(n1 == n2)
        #expect(abs(n1 - a.value) < 1e-6)
    }

    @Test func badInput() throws {
        let ksg = KSGEstimator(neighbors: 3)
        #expect(throws: MonteCarloError.insufficientSamples(needed: 4, available: 3, reason: "for k = 3 neighbours")) {
            try ksg.value(x: [1, 2, 3], y: [1, 2, 3])
        }
        #expect(throws: MonteCarloError.self) { try ksg.value(x: [1, 2, 3, 4, 5], y: [1, 2, 3, 4]) }
        #expect(throws: MonteCarloError.nonFinite(quantity: "y coordinate", index: 2)) {
            try ksg.value(x: [1, 2, 3, 4, 5], y: [1, 2, .nan, 4, 5])
        }
        #expect(throws: MonteCarloError.self) { try KSGEstimator(neighbors: 0).value(x: [1, 2, 3], y: [1, 2, 3]) }
        #expect(throws: MonteCarloError.self) { try ksg.value(x: [[1], [2, 3], [4], [5], [6]], y: [[1], [2], [3], [4], [5]]) }
        // Too few points for 8 blocks of at least k + 2 points.
        let x = (0..<20).map(Double.init), y = x.map { $0 * $0 }
        #expect(throws: MonteCarloError.self) { try ksg.estimate(x: x, y: y) }
        #expect(throws: MonteCarloError.self) { try KSGEstimator(tieBreakingNoise: -1).value(x: x, y: y) }
        #expect(throws: MonteCarloError.invalidParameter(name: "maximumBlockSize", value: 4, requirement: "at least k + 2")) {
            try KSGEstimator(neighbors: 3, maximumBlockSize: 4).value(x: x, y: y)
        }
    }

    /// The blocks hold b = min(⌊N/m⌋, maximumBlockSize) points: a cap at or above ⌊N/m⌋ changes
    /// nothing (the same permutation and blocks), a smaller one gives blocks of exactly the cap.
    @Test func blockSizeCap() throws {
        var g = Xoshiro256PlusPlus(seed: 37)
        let batch = correlatedGaussianBatch(count: 400, dimension: 1, correlation: 0.6, using: &g)
        let plain = try KSGEstimator(seed: 3).estimate(x: batch.x, y: batch.y)
        let atCap = try KSGEstimator(maximumBlockSize: 50, seed: 3).estimate(x: batch.x, y: batch.y)
        #expect(plain.value == atCap.value && plain.variance == atCap.variance)
        #expect(plain.diagnostics.figures["blockSize"] == 50)
        let capped = try KSGEstimator(maximumBlockSize: 20, seed: 3).estimate(x: batch.x, y: batch.y)
        #expect(capped.diagnostics.figures["blockSize"] == 20)
        #expect(capped.value == plain.value)
        #expect(capped.variance > 0 && capped.variance.isFinite && capped.variance != plain.variance)
    }

    /// The permutation's generator is `RandomStreams` stream 2 + r, reached by jumps.
    @Test func streamsByJumpsMatchRandomStreams() {
        for index in 0..<6 {
            var a = KSGEstimator.stream(index, seed: 99), b = RandomStreams(seed: 99).stream(index)
            #expect((0..<4).map { _ in a.next() } == (0..<4).map { _ in b.next() })
        }
    }

    /// Encodings without `maximumBlockSize` (from before it existed) decode with its default.
    @Test func decodesEncodingsWithoutTheBlockSizeCap() throws {
        let estimator = KSGEstimator(algorithm: .two, neighbors: 4, maximumBlockSize: 100, seed: 9, tieBreakingNoise: 1e-10)
        let data = try JSONEncoder().encode(estimator)
        #expect(try JSONDecoder().decode(KSGEstimator.self, from: data) == estimator)
        var object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        object["maximumBlockSize"] = nil
        let old = try JSONDecoder().decode(KSGEstimator.self, from: try JSONSerialization.data(withJSONObject: object))
        #expect(old.maximumBlockSize == KSGEstimator().maximumBlockSize && old.neighbors == 4 && old.tieBreakingNoise == 1e-10)
    }
}
