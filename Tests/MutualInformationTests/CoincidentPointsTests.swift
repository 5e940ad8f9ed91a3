import MonteCarloCore
import Testing
@testable import MutualInformation

/// The neighbour search that visits only the first members of each group of identical points,
/// against the full search it shortcuts.
@Suite("Neighbour search among coincident points")
struct CoincidentPointsTests {
    /// Same distances and indices, in the same (distance, index) order, as searching every point:
    /// atoms holding hundreds of points beside continuous points, in one and two dimensions (line
    /// and tree searches), for self-neighbours and for the queries of another sample (which
    /// themselves sit on the atoms), k = 1, 4, 11; −0 and +0 count as one atom.
    @Test("equals the search among all points", arguments: [1, 4, 11])
    func equalsFullSearch(k: Int) throws {
        var generator = Xoshiro256PlusPlus(seed: 78)
        for dimension in [1, 2] {
            var values = [Double](), queryValues = [Double]()
            for i in 0..<900 {
                for c in 0..<dimension {
                    // A third continuous, the rest on four atoms (one of them at ±0).
                    let atom = [0.0, 1, -2, 0.5][(i + c) % 4]
                    let zero = i % 2 == 0 ? 0.0 : -0.0
                    values.append(i % 3 == 0 ? generator.nextStandardNormal() : atom == 0 ? zero : atom)
                }
            }
            for i in 0..<200 {
                for c in 0..<dimension { queryValues.append(i % 2 == 0 ? [0.0, 1, -2, 0.5][(i + c) % 4] : generator.nextStandardNormal()) }
            }
            let sample = NeighborSample(count: 900, dimension: dimension, values: values)
            let queries = NeighborSample(count: 200, dimension: dimension, values: queryValues)
            #expect(CoincidentPoints(sample, keep: k + 1) != nil, "the test data must hold groups larger than k + 1")
            func full(_ queries: NeighborSample?) -> NeighborTable {
                dimension == 1 ? sample.lineNeighbors(of: queries, k: k, chunks: 3) : sample.treeNeighbors(of: queries, k: k, chunks: 3)
            }
            for (thinned, reference) in [(sample.neighbors(k: k, chunks: 5), full(nil)),
                                         (sample.neighbors(of: queries, k: k, chunks: 5), full(queries))] {
                #expect(thinned.distances == reference.distances, "d = \(dimension)")
                #expect(thinned.indices == reference.indices, "d = \(dimension)")
            }
        }
    }

    /// Continuous data has no group beyond one point: no thinning, the plain search.
    @Test("no groups on continuous data")
    func continuousData() {
        var generator = Xoshiro256PlusPlus(seed: 79)
        let sample = NeighborSample(count: 500, dimension: 2, values: (0..<1000).map { _ in generator.nextStandardNormal() })
        #expect(CoincidentPoints(sample, keep: 2) == nil)
    }
}
