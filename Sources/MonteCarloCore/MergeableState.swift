/// An accumulator state that can absorb another state built from disjoint draws.
///
/// Merging is what makes blocks, parallel chunks, resumed runs and shards on other machines the
/// same operation: `a.merge(b)` equals the state built from a's draws followed by b's draws, up
/// to a few ulps of rounding. States are `Codable`, so a shard's state can be written to disk,
/// carried to another process and merged there.
public protocol MergeableState: Sendable, Codable {
    /// Absorbs a state built from draws disjoint from this one's.
    /// - Throws: ``MonteCarloError/incompatibleStates(_:)`` when the two were configured differently.
    mutating func merge(_ other: Self) throws(MonteCarloError)
}
