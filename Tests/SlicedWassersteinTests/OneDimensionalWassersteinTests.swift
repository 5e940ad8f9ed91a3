import Foundation
import MonteCarloCore
import Testing
@testable import SlicedWassersteinModule

@Suite("One-dimensional Wasserstein")
struct OneDimensionalWassersteinTests {
    @Test("hand-computed cases from the reference notes")
    func handCases() throws {
        // {0,1,2} vs {0,2}: breakpoints 1/3, 1/2, 2/3; W₂² = W₁ = 1/3.
        #expect(abs(try OneDimensionalWasserstein.powerDistance([0, 1, 2], [0, 2], p: 2) - 1.0 / 3) < 1e-15)
        #expect(abs(try OneDimensionalWasserstein.powerDistance([2, 0, 1], [2, 0], p: 1) - 1.0 / 3) < 1e-15)
        // {0: .5, 1: .25, 2: .25} vs {0, 2}: W₂² = 0.25.
        let weighted = try OneDimensionalWasserstein.powerDistance([0, 1, 2], [0, 2], p: 2, weightsX: [0.5, 0.25, 0.25])
        #expect(abs(weighted - 0.25) < 1e-15)
        // Unnormalized weights are normalized.
        let scaled = try OneDimensionalWasserstein.powerDistance([0, 1, 2], [0, 2], p: 2, weightsX: [2, 1, 1], weightsY: [7, 7])
        #expect(abs(scaled - 0.25) < 1e-15)
        // Equal sizes: mean of |x₍ᵢ₎ − y₍ᵢ₎|^p on sorted samples: {3,1} vs {0,4}: (1 + 1)/2 for p = 1, (1+1)/2 for p = 2.
        #expect(try OneDimensionalWasserstein.powerDistance([3, 1], [0, 4], p: 1) == 1)
        #expect(try OneDimensionalWasserstein.powerDistance([3, 1], [0, 4], p: 3) == 1)
        #expect(abs(try OneDimensionalWasserstein.distance([0, 1, 2], [0, 2], p: 2) - (1.0 / 3).squareRoot()) < 1e-15)
        #expect(try OneDimensionalWasserstein.powerDistance([5], [2], p: 2) == 9)
    }

    @Test("a shift by c costs |c|^p exactly", arguments: [1.0, 1.5, 2.0, 3.7])
    func shift(p: Double) throws {
        var g = Xoshiro256PlusPlus(seed: 11)
        let x = (0..<257).map { _ in g.nextStandardNormal() }
        let c = -0.75
        let w = try OneDimensionalWasserstein.powerDistance(x, x.map { $0 + c }, p: p)
        #expect(abs(w - pow(abs(c), p)) < 1e-12 * pow(abs(c), p))
        // Same with weights (the coupling stays the identity).
        let weights = (0..<257).map { _ in g.nextUniform() + 0.01 }
        let ww = try OneDimensionalWasserstein.powerDistance(x, x.map { $0 + c }, p: p, weightsX: weights, weightsY: weights)
        #expect(abs(ww - pow(abs(c), p)) < 1e-12 * pow(abs(c), p))
    }

    /// ∫₀¹ |F_x⁻¹ − F_y⁻¹|^p by brute force: every interval between merged breakpoints, both
    /// quantile functions evaluated at its midpoint by linear search.
    func bruteForce(_ x: [Double], _ wx: [Double], _ y: [Double], _ wy: [Double], p: Double) -> Double {
        func quantile(_ v: [Double], _ w: [Double], _ q: Double) -> Double {
            let order = v.indices.sorted { v[$0] < v[$1] }
            let total = w.reduce(0, +)
            var cumulative = 0.0
            for i in order {
                cumulative += w[i] / total
                if cumulative >= q { return v[i] }
            }
            return v[order.last!]
        }
        func breakpoints(_ v: [Double], _ w: [Double]) -> [Double] {
            let order = v.indices.sorted { v[$0] < v[$1] }
            let total = w.reduce(0, +)
            var cumulative = 0.0
            return order.map { cumulative += w[$0] / total; return cumulative }
        }
        let grid = ([0.0] + breakpoints(x, wx) + breakpoints(y, wy)).sorted()
        var total = 0.0
        for k in 1..<grid.count where grid[k] > grid[k - 1] {
            let q = (grid[k] + grid[k - 1]) / 2
            total += (grid[k] - grid[k - 1]) * pow(abs(quantile(x, wx, q) - quantile(y, wy, q)), p)
        }
        return total
    }

    @Test("unequal sizes and weights against a brute-force quantile integral", arguments: [(7, 3), (10, 10), (1, 5), (13, 8), (64, 100)])
    func bruteForceComparison(sizes: (Int, Int)) throws {
        let (n, m) = sizes
        var g = Xoshiro256PlusPlus(seed: UInt64(n * 1000 + m))
        let x = (0..<n).map { _ in g.nextStandardNormal() }
        let y = (0..<m).map { _ in 2 * g.nextUniform() }
        let wx = (0..<n).map { _ in g.nextUniform() }
        let wy = (0..<m).map { _ in g.nextUniform() }
        for p in [1.0, 2.0, 2.5] {
            let uniform = try OneDimensionalWasserstein.powerDistance(x, y, p: p)
            let uniformTruth = bruteForce(x, Array(repeating: 1, count: n), y, Array(repeating: 1, count: m), p: p)
            #expect(abs(uniform - uniformTruth) <= 1e-12 * max(1, uniformTruth), "uniform n=\(n) m=\(m) p=\(p)")
            let weighted = try OneDimensionalWasserstein.powerDistance(x, y, p: p, weightsX: wx, weightsY: wy)
            let weightedTruth = bruteForce(x, wx, y, wy, p: p)
            #expect(abs(weighted - weightedTruth) <= 1e-12 * max(1, weightedTruth), "weighted n=\(n) m=\(m) p=\(p)")
            // Only one side weighted.
            let half = try OneDimensionalWasserstein.powerDistance(x, y, p: p, weightsX: wx)
            let halfTruth = bruteForce(x, wx, y, Array(repeating: 1, count: m), p: p)
            #expect(abs(half - halfTruth) <= 1e-12 * max(1, halfTruth))
        }
    }

    @Test("zero weights drop points; duplicated points equal doubled weights")
    func zeroAndDuplicateWeights() throws {
        let a = try OneDimensionalWasserstein.powerDistance([0, 5, 1], [0.5, 3], p: 2, weightsX: [1, 0, 1])
        let b = try OneDimensionalWasserstein.powerDistance([0, 1], [0.5, 3], p: 2)
        #expect(abs(a - b) < 1e-15)
        let c = try OneDimensionalWasserstein.powerDistance([0, 1, 4], [2, -1, 7, 3], p: 1.5, weightsX: [2, 1, 1])
        let dup = try OneDimensionalWasserstein.powerDistance([0, 0, 1, 4], [2, -1, 7, 3], p: 1.5)
        #expect(abs(c - dup) < 1e-14)
    }

    @Test("the in-place sort agrees with the standard library, with and without a companion")
    func sorting() {
        var g = Xoshiro256PlusPlus(seed: 5)
        for n in [0, 1, 2, 3, 15, 16, 17, 100, 1000, 5000] {
            // Many ties too (rounded values), to exercise the partition.
            var values = (0..<n).map { i in i % 3 == 0 ? (g.nextStandardNormal() * 4).rounded() : g.nextStandardNormal() }
            var companion = values.map { $0 * 10 + 1 }
            let expected = values.sorted()
            values.withUnsafeMutableBufferPointer { v in
                companion.withUnsafeMutableBufferPointer { c in
                    if n > 0 { sortInPlace(v.baseAddress!, companion: c.baseAddress!, count: n) }
                }
            }
            #expect(values == expected, "n = \(n)")
            #expect(zip(values, companion).allSatisfy { $0 * 10 + 1 == $1 }, "companion follows, n = \(n)")
            var plain = (0..<n).map { _ in g.nextUniform() }
            let plainExpected = plain.sorted()
            plain.withUnsafeMutableBufferPointer { if n > 0 { sortInPlace($0.baseAddress!, count: n) } }
            #expect(plain == plainExpected)
        }
        // Already sorted and reversed inputs (quicksort worst cases without median-of-three).
        var sorted = (0..<10_000).map(Double.init)
        sorted.withUnsafeMutableBufferPointer { sortInPlace($0.baseAddress!, count: $0.count) }
        #expect(sorted == (0..<10_000).map(Double.init))
        var reversed = (0..<10_000).reversed().map(Double.init)
        reversed.withUnsafeMutableBufferPointer { sortInPlace($0.baseAddress!, count: $0.count) }
        #expect(reversed == (0..<10_000).map(Double.init))
    }

    @Test("the radix sort agrees with the standard library (signs, zeros, ties, huge and tiny values), with a companion")
    func radixSorting() {
        var g = Xoshiro256PlusPlus(seed: 9)
        var sorter = RadixSorter(capacity: 3000, withCompanion: true)
        for n in [255, 256, 257, 1000, 3000] {
            var values = (0..<n).map { i -> Double in
                switch i % 7 {
                case 0: return 0
                case 1: return -0.0
                case 2: return (g.nextStandardNormal() * 3).rounded()
                case 3: return g.nextStandardNormal() * 1e300
                case 4: return g.nextStandardNormal() * 1e-300
                default: return g.nextStandardNormal()
                }
            }
            var companion = (0..<n).map(Double.init)
            let original = values
            let expected = values.sorted()
            values.withUnsafeMutableBufferPointer { v in
                companion.withUnsafeMutableBufferPointer { c in sorter.sort(v.baseAddress!, count: n, companion: c.baseAddress!) }
            }
            #expect(values == expected, "n = \(n)")
            #expect(companion.indices.allSatisfy { original[Int(companion[$0])] == values[$0] }, "companion, n = \(n)")
            #expect(Set(companion.map { Int($0) }).count == n)
            var plain = original
            plain.withUnsafeMutableBufferPointer { sorter.sort($0.baseAddress!, count: n) }
            #expect(plain == expected)
        }
    }

    @Test("bad input gives typed errors")
    func errors() {
        #expect(throws: MonteCarloError.insufficientSamples(needed: 1, available: 0, reason: "in the first sample")) {
            try OneDimensionalWasserstein.powerDistance([], [1])
        }
        #expect(throws: MonteCarloError.insufficientSamples(needed: 1, available: 0, reason: "in the second sample")) {
            try OneDimensionalWasserstein.powerDistance([1], [])
        }
        #expect(throws: MonteCarloError.nonFinite(quantity: "first sample value", index: 1)) {
            try OneDimensionalWasserstein.powerDistance([1, .nan], [1])
        }
        #expect(throws: MonteCarloError.nonFinite(quantity: "second sample value", index: 0)) {
            try OneDimensionalWasserstein.powerDistance([1], [.infinity])
        }
        #expect(throws: MonteCarloError.invalidParameter(name: "p", value: 0.5, requirement: "finite and at least 1")) {
            try OneDimensionalWasserstein.powerDistance([1], [2], p: 0.5)
        }
        #expect(throws: MonteCarloError.invalidParameter(name: "weights[1]", value: -1, requirement: "non-negative")) {
            try OneDimensionalWasserstein.powerDistance([1, 2], [2], weightsX: [1, -1])
        }
        #expect(throws: MonteCarloError.invalidParameter(name: "sum of weights", value: 0, requirement: "finite and positive")) {
            try OneDimensionalWasserstein.powerDistance([1, 2], [2], weightsY: [0])
        }
        #expect(throws: MonteCarloError.dimensionMismatch(what: "weights (one per point)", expected: 2, actual: 1)) {
            try OneDimensionalWasserstein.powerDistance([1, 2], [2], weightsX: [1])
        }
        #expect(throws: MonteCarloError.nonFinite(quantity: "weight", index: 0)) {
            try OneDimensionalWasserstein.powerDistance([1, 2], [2], weightsX: [.nan, 1])
        }
    }
}
