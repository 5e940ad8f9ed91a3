import Foundation
import Testing
@testable import MonteCarloCore

@Suite("Random streams")
struct RandomStreamTests {
    @Test("xoshiro256++ matches the reference first output for state (1, 2, 3, 4)")
    func referenceOutput() throws {
        var generator = try #require(Xoshiro256PlusPlus(state: (1, 2, 3, 4)))
        // rotl(s0 + s3, 23) + s0 = rotl(5, 23) + 1 = 5·2²³ + 1.
        #expect(generator.next() == 41_943_041)
    }

    @Test("the all-zero state, the generator's fixed point, is refused")
    func zeroStateRefused() {
        #expect(Xoshiro256PlusPlus(state: (0, 0, 0, 0)) == nil)
        #expect(Xoshiro256PlusPlus(state: (0, 0, 0, 1)) != nil)
    }

    @Test("GSL draws continue the same stream as Swift draws")
    func gslBridgeSharesTheStream() {
        var swiftSide = Xoshiro256PlusPlus(seed: 99)
        var gslSide = swiftSide
        let expected = swiftSide.nextUniform()
        let throughGSL = GSL.uniformThroughGSL(using: &gslSide)
        #expect(throughGSL == expected)
        // The GSL call advanced the Swift state by exactly one word.
        #expect(gslSide == swiftSide)
    }

    @Test("stream(i) equals i successive jumps of the seeded generator", arguments: [0, 1, 2, 3, 5, 13, 64])
    func streamIndexIsJumpCount(index: Int) {
        var jumped = Xoshiro256PlusPlus(seed: 2024)
        for _ in 0..<index { jumped.jump() }
        #expect(RandomStreams(seed: 2024).stream(index) == jumped)
    }

    @Test("every bit of the 64-bit seed matters")
    func fullSeed() {
        let low = Xoshiro256PlusPlus(seed: 5)
        let high = Xoshiro256PlusPlus(seed: 5 | (1 << 40))
        #expect(low != high)
    }

    @Test("neighbouring streams are uncorrelated: |r| below 5/√n")
    func streamsUncorrelated() throws {
        let streams = RandomStreams(seed: 11)
        let n = 100_000
        for (a, b) in [(0, 1), (1, 2), (0, 1000)] {
            var first = streams.stream(a)
            var second = streams.stream(b)
            var moments = try CovarianceMoments(dimension: 2)
            for _ in 0..<n { moments.add([first.nextUniform(), second.nextUniform()]) }
            let r = moments.sampleCovariance(0, 1)
                / (moments.sampleCovariance(0, 0) * moments.sampleCovariance(1, 1)).squareRoot()
            // Under independence the sample correlation has standard error 1/√n.
            #expect(abs(r) < 5 / Double(n).squareRoot(), "streams \(a), \(b): r = \(r)")
        }
    }

    @Test("Codable round trip restores the generator")
    func codable() throws {
        var generator = Xoshiro256PlusPlus(seed: 3)
        _ = generator.next()
        let data = try JSONEncoder().encode(generator)
        var restored = try JSONDecoder().decode(Xoshiro256PlusPlus.self, from: data)
        #expect(restored.next() == generator.next())
    }
}

@Suite("Standard normal ziggurat")
struct ZigguratTests {
    @Test("tables are finite and strictly decreasing")
    func tables() {
        let x = Ziggurat.tables.x
        for i in 0..<256 { #expect(x[i].isFinite && x[i] > x[i + 1], "layer \(i)") }
        #expect(x[256] == 0)
    }

    @Test("moments and quantile frequencies of 10⁶ draws match N(0, 1) within 5 standard errors")
    func distribution() {
        var generator = Xoshiro256PlusPlus(seed: 1234)
        let n = 1_000_000
        var moments = RunningMoments()
        var fourth = 0.0
        let probabilities = [0.001, 0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 0.99, 0.999]
        let cuts = probabilities.map { NormalDistribution.standardQuantile($0) }
        var below = [Int](repeating: 0, count: cuts.count)
        var tail = 0
        for _ in 0..<n {
            let z = generator.nextStandardNormal()
            moments.add(z)
            fourth += z * z * z * z
            for (k, c) in cuts.enumerated() where z < c { below[k] += 1 }
            if abs(z) > Ziggurat.tailStart { tail += 1 }
        }
        let nd = Double(n)
        #expect(abs(moments.mean) < 5 / nd.squareRoot())
        // Var of the sample variance of N(0,1) is 2/n; of the mean of z⁴ it is (105 − 9)/n.
        #expect(abs(moments.sampleVariance - 1) < 5 * (2 / nd).squareRoot())
        #expect(abs(fourth / nd - 3) < 5 * (96 / nd).squareRoot())
        for (k, p) in probabilities.enumerated() {
            let se = (p * (1 - p) / nd).squareRoot()
            #expect(abs(Double(below[k]) / nd - p) < 5 * se, "P(Z < Φ⁻¹(\(p)))")
        }
        let tailProbability = 2 * (1 - NormalDistribution.standardCumulativeProbability(Ziggurat.tailStart))
        let tailSE = (tailProbability * (1 - tailProbability) / nd).squareRoot()
        #expect(abs(Double(tail) / nd - tailProbability) < 5 * tailSE)
    }
}

@Suite("GSL's Mersenne Twister")
struct MersenneTwisterTests {
    @Test("the 1000th output for seed 4357 is 1186927261, as GSL's own test suite checks")
    func referenceValue() {
        // GSL 2.x rng/test.c: rng_test(gsl_rng_mt19937, 4357, 1000, 1186927261).
        let generator = GSLMersenneTwister(seed: 4357)
        var value: UInt32 = 0
        for _ in 0..<1000 { value = generator.nextRawOutput() }
        #expect(value == 1_186_927_261)
    }

    @Test("64-bit words combine two outputs, high first")
    func words() {
        let a = GSLMersenneTwister(seed: 5), b = GSLMersenneTwister(seed: 5)
        let word = a.next()
        #expect(word == UInt64(b.nextRawOutput()) << 32 | UInt64(b.nextRawOutput()))
    }
}
