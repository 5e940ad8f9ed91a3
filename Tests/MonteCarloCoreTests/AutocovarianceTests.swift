import MonteCarloCore
import Testing

@Suite("Autocovariances")
struct AutocovarianceTests {
    /// The direct definition, for comparison with both code paths.
    static func reference(_ x: [Double], maxLag: Int) -> [Double] {
        let n = x.count
        let mean = x.reduce(0, +) / Double(n)
        return (0...maxLag).map { k in
            (0..<(n - k)).reduce(0.0) { $0 + (x[$1] - mean) * (x[$1 + k] - mean) } / Double(n)
        }
    }

    @Test("FFT and direct paths agree with the definition to rounding")
    func agreesWithDefinition() throws {
        var generator = RandomStreams(seed: 11).stream(0)
        let x = (0..<1000).map { _ in Double.random(in: -1...1, using: &generator) + 3 }
        let expected = Self.reference(x, maxLag: 999)
        let fft = try Autocovariances.estimate(x)                 // all lags: FFT path
        let direct = try Autocovariances.estimate(x, maxLag: 10)  // direct path
        #expect(fft.count == 1000 && direct.count == 11)
        // Rounding of an FFT of length 2048: relative to γ₀, a few hundred ε at most.
        for k in 0..<1000 { #expect(abs(fft[k] - expected[k]) <= 1e-12 * expected[0]) }
        for k in 0...10 { #expect(abs(direct[k] - expected[k]) <= 1e-13 * expected[0]) }
    }

    @Test("Bad input: too short, NaN, negative lag")
    func badInput() {
        #expect(throws: MonteCarloError.insufficientSamples(needed: 2, available: 1, reason: "for autocovariances")) {
            try Autocovariances.estimate([1])
        }
        #expect(throws: MonteCarloError.nonFinite(quantity: "series value", index: 2)) {
            try Autocovariances.estimate([1, 2, .nan, 4])
        }
        #expect(throws: MonteCarloError.self) { try Autocovariances.estimate([1, 2, 3], maxLag: -1) }
    }
}
