import Foundation
import MonteCarloCore
import Testing

@Suite("Long-run variance: input, guards and conventions")
struct LongRunVarianceInputTests {
    static let series = ChainTestSupport.ar1Chains(1, length: 400, rho: 0.6, seed: 41, stream: 0)

    @Test("Bad input is a typed error, never a trap", arguments: ChainTestSupport.allMethods)
    func badInput(method: LongRunVarianceMethod) {
        var withNaN = Self.series
        withNaN[17] = .nan
        #expect(throws: MonteCarloError.nonFinite(quantity: "series value", index: 17)) {
            try method.estimate(withNaN)
        }
        var withInfinity = Self.series
        withInfinity[3] = -.infinity
        #expect(throws: MonteCarloError.nonFinite(quantity: "series value", index: 3)) {
            try method.estimate(withInfinity)
        }
        #expect(throws: MonteCarloError.dimensionMismatch(what: "draws in the chains (sum of chain lengths)", expected: 400, actual: 390)) {
            try method.estimate(Self.series, chainLengths: [200, 190])
        }
        #expect(throws: MonteCarloError.invalidParameter(name: "chain length", value: 0, requirement: "at least 1")) {
            try method.estimate(Self.series, chainLengths: [400, 0])
        }
        #expect(throws: MonteCarloError.insufficientSamples(needed: 2, available: 1, reason: "for a long-run variance")) {
            try method.estimate([1.0])
        }
    }

    @Test("A chain shorter than two batches, and batch size 0")
    func batchSizes() {
        for method in [LongRunVarianceMethod.batchMeans(.fixed(10)), .overlappingBatchMeans(.fixed(10)),
                       .spectral(.bartlett, truncation: .fixed(10)), .spectral(.tukeyHanning, truncation: .fixed(10), lugsail: true)] {
            do {
                _ = try method.estimate(Array(Self.series[0..<45]), chainLengths: [30, 15])
                Issue.record("\(method) accepted a chain of 15 with batches of 10")
            } catch {
                guard case .insufficientSamples(needed: 20, available: 15, _) = error else {
                    Issue.record("\(method): \(error)")
                    continue
                }
            }
        }
        for method in [LongRunVarianceMethod.batchMeans(.fixed(0)), .overlappingBatchMeans(.fixed(-1)),
                       .spectral(.bartlett, truncation: .fixed(0))] {
            #expect(throws: MonteCarloError.self) { try method.estimate(Self.series) }
        }
        #expect(throws: MonteCarloError.invalidParameter(name: "batch size", value: 0, requirement: "at least 1")) {
            try LongRunVarianceMethod.BatchSize.fixed(0).resolve(length: 100)
        }
        // A huge batch size is an error, not an overflow trap.
        for method in [LongRunVarianceMethod.batchMeans(.fixed(.max)), .spectral(.tukeyHanning, truncation: .fixed(.max))] {
            #expect(throws: MonteCarloError.insufficientSamples(needed: .max, available: 400,
                                                                reason: method.resolved == .batchMeans(.fixed(.max))
                                                                    ? "(two batches of \(Int.max)) in every chain for batch means"
                                                                    : "(two batches of \(Int.max)) in every chain for a spectral estimate (truncation \(Int.max) at most half the chain)")) {
                try method.estimate(Self.series)
            }
        }
        #expect(throws: MonteCarloError.invalidParameter(name: "chains", value: 0, requirement: "at least 1")) {
            try LongRunVarianceMethod.auto.estimate(chains: [])
        }
        #expect(throws: MonteCarloError.self) {
            try LongRunVarianceMethod.auto.estimateCovariance(columnMajor: [], dimension: 3, chainLengths: [0])
        }
        // Vector NaN: the flat index; finite values whose sum overflows: a typed error.
        var columns = Self.series + Self.series
        columns[400 + 9] = .nan
        #expect(throws: MonteCarloError.nonFinite(quantity: "series value", index: 409)) {
            try LongRunVarianceMethod.auto.estimateCovariance(columnMajor: columns, dimension: 2, chainLengths: [400])
        }
        #expect(throws: MonteCarloError.self) {
            try LongRunVarianceMethod.auto.estimate([Double](repeating: 1e308, count: 10) + [0])
        }
        #expect(throws: MonteCarloError.self) {
            var state = try BatchMeansState(batchSize: .max)
            try state.add(1)
            return try state.longRunVariance()
        }
        #expect(throws: MonteCarloError.self) {
            try LongRunVarianceMethod.initialSequence().estimateCovariance(columnMajor: Self.series, dimension: 2, chainLengths: [200])
        }
        #expect(throws: MonteCarloError.self) {
            try LongRunVarianceMethod.auto.estimateCovariance(columnMajor: Self.series + [1], dimension: 2, chainLengths: [200])
        }
    }

    @Test("Batch size rules are exact on squares and cubes")
    func integerRoots() throws {
        typealias B = LongRunVarianceMethod.BatchSize
        #expect(try B.cubeRoot.resolve(length: 1000) == 10)
        #expect(try B.cubeRoot.resolve(length: 999) == 9)
        #expect(try B.cubeRoot.resolve(length: 1_000_000) == 100)
        #expect(try B.cubeRoot.resolve(length: 1_000_000_000_000) == 10_000)
        #expect(try B.squareRoot.resolve(length: 1_000_000) == 1000)
        #expect(try B.squareRoot.resolve(length: 999_999) == 999)
        // k = 2²⁶ + 1: √(k² − 1) rounds to k in double precision.
        #expect(try B.squareRoot.resolve(length: 4_503_599_761_588_225) == 67_108_865)
        #expect(try B.squareRoot.resolve(length: 4_503_599_761_588_224) == 67_108_864)
        for k in 1...200 {
            #expect(try B.cubeRoot.resolve(length: k * k * k) == k)
            #expect(try B.cubeRoot.resolve(length: k * k * k - 1) == max(1, k - 1))
            #expect(try B.squareRoot.resolve(length: k * k) == k)
        }
    }

    @Test("A constant series has variance 0 and ESS n", arguments: ChainTestSupport.allMethods)
    func constant(method: LongRunVarianceMethod) throws {
        let r = try method.estimate([Double](repeating: 0.1, count: 300), chainLengths: [100, 200])
        #expect(r.longRunVariance == 0 && r.varianceOfMean == 0 && r.sampleVariance == 0)
        #expect(r.effectiveSampleSize == 300)
        #expect(r.mean == 0.1)
        if case .initialSequence = method.resolved { return }
        let v = try method.estimateCovariance(columns: [[Double](repeating: 2, count: 300), Self.series.prefix(300).map { $0 }],
                                              chainLengths: [300])
        #expect(v.longRunCovariance[0] == 0 && v.longRunCovariance[1] == 0 && v.multivariateEffectiveSampleSize == nil)
    }

    @Test("Convenience entry points agree with estimate(_:chainLengths:)")
    func convenience() throws {
        let x = Self.series
        for method in ChainTestSupport.allMethods {
            #expect(try method.estimate(x) == method.estimate(x, chainLengths: [400]))
            #expect(try method.estimate(chains: [Array(x[0..<150]), Array(x[150...])]) == method.estimate(x, chainLengths: [150, 250]))
        }
        // A one-column covariance is the scalar estimate of the vector default.
        for method in ChainTestSupport.allMethods where method.resolvedForVectors == method.resolved {
            if case .initialSequence = method.resolved { continue }
            let scalar = try method.estimate(x, chainLengths: [150, 250])
            let vector = try method.estimateCovariance(columnMajor: x, dimension: 1, chainLengths: [150, 250])
            #expect(abs(vector.longRunCovariance[0] - scalar.longRunVariance) <= 1e-12 * scalar.longRunVariance, "\(method)")
            #expect(abs(vector.multivariateEffectiveSampleSize! - scalar.effectiveSampleSize) <= 1e-9 * scalar.effectiveSampleSize)
        }
    }

    @Test("Chains that disagree inflate the estimate")
    func disagreeingChains() throws {
        let a = ChainTestSupport.ar1Chains(4, length: 1000, rho: 0.5, seed: 42, stream: 0)
        let shifted = a.enumerated().map { $0.offset < 2000 ? $0.element - 1 : $0.element + 1 }
        for method in ChainTestSupport.allMethods {
            let mixed = try method.estimate(a, chainLengths: [1000, 1000, 1000, 1000])
            let stuck = try method.estimate(shifted, chainLengths: [1000, 1000, 1000, 1000])
            // Chain means ±1 about the grand mean: every batch mean (every lag product) gains 1,
            // so a window of b lags (b = batch size, truncation or lags summed) adds about b.
            let b = Double(stuck.batchSize!)
            #expect(stuck.longRunVariance - mixed.longRunVariance > 0.5 * b,
                    "\(method): \(stuck.longRunVariance) vs \(mixed.longRunVariance), b = \(b)")
        }
    }

    @Test("Guards: lugsail never below plain, never negative or NaN, Stan's ESS cap on antithetic series")
    func guards() throws {
        var g = RandomStreams(seed: 43).stream(0)
        // Alternating signs: every estimator's raw value is tiny or negative.
        let antithetic = (0..<1000).map { t in (t % 2 == 0 ? 1.0 : -1.0) + 0.01 * g.nextStandardNormal() }
        let n = 1000.0
        for x in [antithetic, Self.series] {
            let s2 = try LongRunVarianceMethod.independent(x).sampleVariance
            for method in ChainTestSupport.allMethods {
                let r = try method.estimate(x)
                #expect(r.longRunVariance.isFinite && r.longRunVariance >= s2 / log10(Double(x.count)) * (1 - 1e-12), "\(method)")
                #expect(r.effectiveSampleSize <= Double(x.count) * log10(Double(x.count)) * (1 + 1e-12))
            }
            for plain in [LongRunVarianceMethod.batchMeans(), .overlappingBatchMeans(), .spectral(.bartlett), .spectral(.tukeyHanning)] {
                let lugsail: LongRunVarianceMethod = switch plain {
                case .batchMeans(let b, _): .batchMeans(b, lugsail: true)
                case .overlappingBatchMeans(let b, _): .overlappingBatchMeans(b, lugsail: true)
                case .spectral(let w, let b, _): .spectral(w, truncation: b, lugsail: true)
                default: plain
                }
                #expect(try lugsail.estimate(x).longRunVariance >= plain.estimate(x).longRunVariance)
            }
        }
        // The antithetic series hits the floor exactly for the Tukey–Hanning window.
        let th = try LongRunVarianceMethod.spectral(.tukeyHanning).estimate(antithetic)
        let s2 = try LongRunVarianceMethod.independent(antithetic).sampleVariance
        #expect(abs(th.longRunVariance - s2 / log10(n)) <= 1e-12 * s2)
    }

    @Test("Degrees of freedom: batches − 1 for BM, Satterthwaite otherwise, normal for initial sequences")
    func degreesOfFreedom() throws {
        let x = ChainTestSupport.ar1Chains(1, length: 10_000, rho: 0.5, seed: 44, stream: 0)
        #expect(try LongRunVarianceMethod.batchMeans().estimate(x).degreesOfFreedom == 99)
        let lugsail = try #require(try LongRunVarianceMethod.batchMeans(lugsail: true).estimate(x).degreesOfFreedom)
        #expect(abs(lugsail - 100.0 / 3) < 1.5)   // ≈ a/3
        let obm = try #require(try LongRunVarianceMethod.overlappingBatchMeans().estimate(x).degreesOfFreedom)
        #expect(abs(obm - 1.5 * 99) < 1e-6)       // (n − b)/(b · 2/3)
        let th = try #require(try LongRunVarianceMethod.spectral(.tukeyHanning).estimate(x).degreesOfFreedom)
        #expect(abs(th - 99 / 0.75) < 1e-6)
        #expect(try LongRunVarianceMethod.auto.estimate(x).degreesOfFreedom == nil)
        #expect(try LongRunVarianceMethod.auto.estimate(x).method.hasPrefix("initial-monotone-sequence"))
        #expect(try LongRunVarianceMethod.auto.estimateCovariance(columnMajor: x, dimension: 1, chainLengths: [10_000])
            .method.hasPrefix("lugsail-overlapping-batch-means"))
    }
}
