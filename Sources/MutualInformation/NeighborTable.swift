/// The k nearest neighbours of each of n query points: distances and indices, n·k entries each,
/// row-major, ordered by (distance, index) within a row.
struct NeighborTable: Sendable {
    let k: Int
    let distances: [Double]
    let indices: [Int]

    /// The number of query points whose neighbour of 1-based rank `rank` is at distance 0.
    func zeroDistances(atRank rank: Int) -> Int {
        var zeros = 0
        for i in 0..<(distances.count / k) where distances[i * k + rank - 1] == 0 { zeros += 1 }
        return zeros
    }
}
