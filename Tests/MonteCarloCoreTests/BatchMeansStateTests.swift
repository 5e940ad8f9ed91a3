import Foundation
import MonteCarloCore
import Testing

@Suite("Batch-means state: streaming and merging")
struct BatchMeansStateTests {
    static let chain = ChainTestSupport.ar1Chains(1, length: 1237, rho: 0.7, seed: 51, stream: 0).map { $0 + 3 }

    static func single(_ x: ArraySlice<Double>, batchSize: Int, start: Int = 0) throws -> BatchMeansState {
        var state = try BatchMeansState(batchSize: batchSize, chainStart: start)
        try state.add(contentsOf: x)
        return state
    }

    /// Relative agreement of two finalized estimates: both sum the same batch means in different
    /// groupings (Welford vs Chan merges; a split batch summed in two parts), so they differ by
    /// rounding of a few operations per term (measured: within 16 ε here, not within 4 ε; the
    /// chain's mean 3 against unit spread costs a few ε in the Welford/Chan mean shifts).
    static func agree(_ a: LongRunVariance, _ b: LongRunVariance, ulps: Double = 16) -> Bool {
        let e = Double.ulpOfOne
        return abs(a.longRunVariance - b.longRunVariance) <= ulps * e * a.longRunVariance
            && abs(a.mean - b.mean) <= ulps * e * abs(a.mean) && a.sampleCount == b.sampleCount
            && a.degreesOfFreedom == b.degreesOfFreedom
            && abs(a.sampleVariance - b.sampleVariance) <= ulps * e * a.sampleVariance
    }

    @Test("One pass equals batchMeans(.fixed(b)) on the whole chain")
    func singlePass() throws {
        for b in [1, 7, 50] {
            let state = try Self.single(Self.chain[...], batchSize: b)
            let direct = try LongRunVarianceMethod.batchMeans(.fixed(b)).estimate(Self.chain)
            let streamed = try state.longRunVariance()
            // Raw batch sums (state) vs centred ones (estimate): relative rounding ≲ 1e-13 here.
            #expect(abs(streamed.longRunVariance - direct.longRunVariance) <= 1e-12 * direct.longRunVariance, "b = \(b)")
            #expect(streamed.degreesOfFreedom == direct.degreesOfFreedom && streamed.batchSize == b)
        }
    }

    @Test("Consecutive segments appended equal a single pass, wherever the cuts fall",
          arguments: [[0, 1237], [0, 500, 1237], [0, 13, 14, 27, 1000, 1237], [0, 3, 9, 10, 11, 600, 1236, 1237]])
    func appendSegments(cuts: [Int]) throws {
        let b = 10
        let reference = try Self.single(Self.chain[...], batchSize: b).longRunVariance()
        var states = try (0..<(cuts.count - 1)).map { i in
            try Self.single(Self.chain[cuts[i]..<cuts[i + 1]], batchSize: b, start: cuts[i])
        }
        // Left to right.
        var joined = states[0]
        for state in states.dropFirst() { try joined.append(state) }
        #expect(Self.agree(reference, try joined.longRunVariance()), "\(cuts)")
        #expect(joined.count == 1237)
        // Right to left (associativity): (s₁ + (s₂ + (… + s_k))).
        while states.count > 1 {
            let last = states.removeLast()
            try states[states.count - 1].append(last)
        }
        #expect(Self.agree(reference, try states[0].longRunVariance()), "\(cuts) right to left")
    }

    @Test("Merging chains equals batchMeans(.fixed(b)) with chain lengths; partial batches dropped")
    func mergeChains() throws {
        let b = 10
        let lengths = [400, 437, 400]
        var start = 0
        var merged: BatchMeansState?
        for length in lengths {
            let state = try Self.single(Self.chain[start..<(start + length)], batchSize: b)
            start += length
            if merged == nil { merged = state } else { try merged!.merge(state) }
        }
        let result = try merged!.longRunVariance()
        let direct = try LongRunVarianceMethod.batchMeans(.fixed(b)).estimate(Self.chain, chainLengths: lengths)
        #expect(abs(result.longRunVariance - direct.longRunVariance) <= 1e-12 * direct.longRunVariance)
        #expect(result.degreesOfFreedom == 122 && merged!.chainCount == 3 && merged!.droppedCount == 7)
        // A merged state takes no more values and cannot be appended to.
        #expect(throws: MonteCarloError.self) { try merged!.add(1) }
        #expect(throws: MonteCarloError.self) { try merged!.append(BatchMeansState(batchSize: b, chainStart: 1237)) }
    }

    @Test("Incompatible states, bad values and too few batches are typed errors")
    func errors() throws {
        var a = try Self.single(Self.chain[0..<100], batchSize: 10)
        #expect(throws: MonteCarloError.self) { try a.merge(BatchMeansState(batchSize: 11)) }
        #expect(throws: MonteCarloError.self) { try a.append(Self.single(Self.chain[101..<200], batchSize: 10, start: 101)) }
        #expect(throws: MonteCarloError.nonFinite(quantity: "series value", index: 100)) { try a.add(.nan) }
        #expect(a.count == 100)
        #expect(throws: MonteCarloError.self) { try Self.single(Self.chain[0..<19], batchSize: 10).longRunVariance() }
        #expect(throws: MonteCarloError.invalidParameter(name: "batch size", value: 0, requirement: "at least 1")) {
            try BatchMeansState(batchSize: 0)
        }
    }

    @Test("Codable round trip and a constant chain")
    func codableAndConstant() throws {
        let state = try Self.single(Self.chain[0..<555], batchSize: 20, start: 0)
        let decoded = try JSONDecoder().decode(BatchMeansState.self, from: JSONEncoder().encode(state))
        #expect(decoded == state)
        let constant = try Self.single([Double](repeating: 0.1, count: 100)[...], batchSize: 10).longRunVariance()
        #expect(constant.longRunVariance == 0 && constant.effectiveSampleSize == 100)
    }
}
