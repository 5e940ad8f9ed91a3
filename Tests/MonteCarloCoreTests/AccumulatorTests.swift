import Foundation
import Testing
@testable import MonteCarloCore

@Suite("Mergeable accumulators")
struct AccumulatorTests {
    static func sample(_ n: Int, seed: UInt64) -> [Double] {
        var generator = Xoshiro256PlusPlus(seed: seed)
        return (0..<n).map { _ in 3 + 2 * generator.nextStandardNormal() }
    }

    @Test("running moments agree with the two-pass formulas")
    func runningMomentsTwoPass() {
        let xs = Self.sample(10_001, seed: 1)
        var moments = RunningMoments()
        for x in xs { moments.add(x) }
        let mean = xs.reduce(0, +) / Double(xs.count)
        let squares = xs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        // Welford's update is backward stable: errors of order n·ε relative.
        #expect(abs(moments.mean - mean) <= 1e-12 * abs(mean))
        #expect(abs(moments.sumOfSquaredDeviations - squares) <= 1e-10 * squares)
    }

    @Test("block splitting and merge order change results only by rounding")
    func mergeLaws() {
        let xs = Self.sample(9_999, seed: 2)
        var whole = RunningMoments()
        whole.add(contentsOf: xs)
        for cut in [1, 17, 5_000, 9_998] {
            var a = RunningMoments(), b = RunningMoments()
            a.add(contentsOf: Array(xs[..<cut]))
            b.add(contentsOf: Array(xs[cut...]))
            var ab = a
            ab.merge(b)
            var ba = b
            ba.merge(a)
            for merged in [ab, ba] {
                #expect(merged.count == whole.count)
                #expect(abs(merged.mean - whole.mean) <= 1e-13 * abs(whole.mean))
                #expect(abs(merged.sumOfSquaredDeviations - whole.sumOfSquaredDeviations) <= 1e-11 * whole.sumOfSquaredDeviations)
            }
        }
        // Associativity: (a + b) + c versus a + (b + c).
        let parts = [Array(xs[..<3000]), Array(xs[3000..<7000]), Array(xs[7000...])].map { part -> RunningMoments in
            var m = RunningMoments()
            m.add(contentsOf: part)
            return m
        }
        var left = parts[0]
        left.merge(parts[1])
        left.merge(parts[2])
        var right = parts[1]
        right.merge(parts[2])
        var leftFirst = parts[0]
        leftFirst.merge(right)
        #expect(abs(left.mean - leftFirst.mean) <= 1e-14 * abs(left.mean))
        #expect(abs(left.sumOfSquaredDeviations - leftFirst.sumOfSquaredDeviations) <= 1e-12 * left.sumOfSquaredDeviations)
    }

    @Test("covariance moments merge to the whole-sample covariance")
    func covarianceMerge() throws {
        let xs = Self.sample(4_000, seed: 3)
        let pairs: [[Double]] = (0..<2_000).map { (i: Int) -> [Double] in
            let first: Double = xs[2 * i]
            return [first, first * 0.5 + xs[2 * i + 1]]
        }
        var whole = try CovarianceMoments(dimension: 2)
        for p in pairs { whole.add(p) }
        var a = try CovarianceMoments(dimension: 2), b = try CovarianceMoments(dimension: 2)
        for p in pairs[..<700] { a.add(p) }
        for p in pairs[700...] { b.add(p) }
        try a.merge(b)
        for i in 0..<4 { #expect(abs(a.comoments[i] - whole.comoments[i]) <= 1e-10 * abs(whole.comoments[0])) }
        // Cross-check one entry against the two-pass covariance.
        var m0 = 0.0, m1 = 0.0
        for p in pairs {
            m0 += p[0] / 2000
            m1 += p[1] / 2000
        }
        var c01 = 0.0
        for p in pairs { c01 += (p[0] - m0) * (p[1] - m1) / 1999 }
        #expect(abs(whole.sampleCovariance(0, 1) - c01) <= 1e-12 * abs(c01))
        var wrong = try CovarianceMoments(dimension: 3)
        #expect(throws: MonteCarloError.incompatibleStates("dimension 3 vs 2")) { try wrong.merge(whole) }
    }

    @Test("weighted moments: unit weights reduce to plain moments; merge equals whole")
    func weighted() {
        let xs = Self.sample(3_000, seed: 4)
        var unit = WeightedMoments()
        for x in xs { unit.add(x, weight: 1) }
        var plain = RunningMoments()
        plain.add(contentsOf: xs)
        #expect(abs(unit.weightedMean - plain.mean) <= 1e-12 * abs(plain.mean))
        #expect(abs(unit.weightedSquaredDeviations - plain.sumOfSquaredDeviations) <= 1e-10 * plain.sumOfSquaredDeviations)
        #expect(unit.kishEffectiveSampleSize == 3000)

        var generator = Xoshiro256PlusPlus(seed: 5)
        let weights = xs.map { _ in generator.nextStandardExponential() }
        var whole = WeightedMoments(), a = WeightedMoments(), b = WeightedMoments()
        for (x, w) in zip(xs, weights) { whole.add(x, weight: w) }
        for (x, w) in zip(xs, weights).prefix(1234) { a.add(x, weight: w) }
        for (x, w) in zip(xs, weights).dropFirst(1234) { b.add(x, weight: w) }
        a.merge(b)
        #expect(abs(a.weightedMean - whole.weightedMean) <= 1e-12 * abs(whole.weightedMean))
        #expect(abs(a.squaredWeightDeviations(about: 3) - whole.squaredWeightDeviations(about: 3))
            <= 1e-10 * whole.squaredWeightDeviations(about: 3))
        let direct = zip(xs, weights).reduce(0) { $0 + $1.1 * $1.1 * ($1.0 - 3) * ($1.0 - 3) }
        #expect(abs(whole.squaredWeightDeviations(about: 3) - direct) <= 1e-10 * direct)
    }
}

@Suite("Estimate")
struct EstimateTests {
    let estimate = Estimate(
        value: 1.718_3, variance: 2.4e-5, sampleCount: 10_000, effectiveSampleSize: 10_000,
        diagnostics: Diagnostics(method: "plain"))

    @Test("normal interval uses Φ⁻¹(0.975) = 1.959964")
    func normalInterval() throws {
        let interval = try estimate.confidenceInterval(level: 0.95)
        #expect(abs(interval.upper - (1.718_3 + 1.959_963_984_540_054 * 2.4e-5.squareRoot())) < 1e-12)
        #expect(interval.contains(1.7183))
    }

    @Test("Student-t interval uses t_{9, 0.975} = 2.262157")
    func tInterval() throws {
        let small = Estimate(value: 0, variance: 1, sampleCount: 10, effectiveSampleSize: 10,
                             degreesOfFreedom: 9, diagnostics: Diagnostics(method: "rqmc"))
        let interval = try small.confidenceInterval(level: 0.95)
        #expect(abs(interval.upper - 2.262_157_163) < 1e-8)
    }

    @Test("levels outside (0, 1) are a typed error", arguments: [0.0, 1.0, -0.5, 1.5, Double.nan])
    func invalidLevel(level: Double) {
        #expect(throws: MonteCarloError.self) { try estimate.confidenceInterval(level: level) }
    }

    @Test("prints value ± error (n, ESS) with the value rounded to its error")
    func description() {
        #expect(estimate.description == "1.7183 ± 0.0049 (n = 10000, ESS = 10000)")
    }

    @Test("Codable round trip")
    func codable() throws {
        let data = try JSONEncoder().encode(estimate)
        #expect(try JSONDecoder().decode(Estimate.self, from: data) == estimate)
    }
}

@Suite("Largest values")
struct LargestValuesTests {
    @Test("keeps exactly the k largest, whatever the order and the merge split")
    func keepsLargest() throws {
        var generator = Xoshiro256PlusPlus(seed: 9)
        let xs = (0..<5000).map { _ in generator.nextStandardNormal() }
        let expected = Array(xs.sorted(by: >).prefix(100))
        var whole = LargestValues(capacity: 100)
        for x in xs { whole.add(x) }
        #expect(whole.descending == expected)
        var a = LargestValues(capacity: 100), b = LargestValues(capacity: 100)
        for x in xs[..<1234] { a.add(x) }
        for x in xs[1234...] { b.add(x) }
        try a.merge(b)
        #expect(a.descending == expected)
    }
}
