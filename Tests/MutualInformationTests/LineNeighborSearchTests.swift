import MonteCarloCore
import Testing
@testable import MutualInformation

/// The one-dimensional sorted-line neighbour search against the k-d tree it replaces in d = 1.
@Suite("Sorted-line neighbour search")
struct LineNeighborSearchTests {
    /// Same distances and indices, in the same (distance, index) order, as the tree: on continuous
    /// draws, and on rounded draws full of exact ties (equal values and equidistant neighbours on
    /// both sides), for self-neighbours and for the queries of another sample, k = 1, 4, 11.
    @Test("equals the k-d tree search", arguments: [1, 4, 11])
    func equalsTree(k: Int) throws {
        var generator = Xoshiro256PlusPlus(seed: 77)
        let continuous = (0..<700).map { _ in generator.nextStandardNormal() }
        let tied = continuous.map { ($0 * 4).rounded() / 4 }
        let other = (0..<300).map { _ in 0.5 * generator.nextStandardNormal() }
        for line in [continuous, tied] {
            let sample = NeighborSample(count: line.count, dimension: 1, values: line)
            let queries = NeighborSample(count: other.count, dimension: 1, values: other.map { ($0 * 8).rounded() / 8 })
            for (fast, reference) in [(sample.lineNeighbors(of: nil, k: k, chunks: 7), sample.treeNeighbors(k: k, chunks: 3)),
                                      (sample.lineNeighbors(of: queries, k: k, chunks: 5), sample.treeNeighbors(of: queries, k: k))] {
                #expect(fast.distances == reference.distances)
                #expect(fast.indices == reference.indices)
            }
        }
    }
}
