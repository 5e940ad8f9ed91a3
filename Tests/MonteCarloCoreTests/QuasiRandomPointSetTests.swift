import Foundation
import Testing
@testable import MonteCarloCore

@Suite("Quasi-random point sets")
struct QuasiRandomPointSetTests {
    @Test("the first 2^m Sobol points form a (0, m, 2)-net: one point in every 4 × 4 box")
    func sobolNet() throws {
        let set = try QuasiRandomPointSet(.sobol, dimension: 2, count: 16)
        var counts = [Int](repeating: 0, count: 16)
        for i in 0..<16 {
            let a = Int(set.points[2 * i] * 4), b = Int(set.points[2 * i + 1] * 4)
            counts[a * 4 + b] += 1
        }
        #expect(counts == Array(repeating: 1, count: 16))
        let oneDimensional = try QuasiRandomPointSet(.sobol, dimension: 1, count: 8)
        #expect(oneDimensional.points.map { $0 * 8 }.sorted() == (0..<8).map(Double.init))
    }

    @Test("a digital shift keeps the net property and every point is uniform")
    func digitalShift() throws {
        let set = try QuasiRandomPointSet(.sobol, dimension: 2, count: 16)
        var generator = Xoshiro256PlusPlus(seed: 4)
        let shifted = set.randomized(using: &generator)
        var counts = [Int](repeating: 0, count: 16)
        for i in 0..<16 {
            counts[Int(shifted[2 * i] * 4) * 4 + Int(shifted[2 * i + 1] * 4)] += 1
        }
        #expect(counts == Array(repeating: 1, count: 16))
        // Uniformity of one randomized point: the mean of the first point's coordinate over many
        // randomizations is ½ within 5 standard errors (sd of U(0,1) is 1/√12).
        var moments = RunningMoments()
        for _ in 0..<20_000 { moments.add(set.randomized(using: &generator)[3]) }
        #expect(abs(moments.mean - 0.5) < 5 / (12 * 20_000.0).squareRoot())
    }

    @Test("dimension and count outside the supported range are typed errors")
    func badInput() {
        #expect(throws: MonteCarloError.self) { try QuasiRandomPointSet(.sobol, dimension: 41, count: 8) }
        #expect(throws: MonteCarloError.self) { try QuasiRandomPointSet(.halton, dimension: 0, count: 8) }
        #expect(throws: MonteCarloError.self) { try QuasiRandomPointSet(.sobol, dimension: 2, count: 0) }
    }
}
