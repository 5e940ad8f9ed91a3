import ArgumentParser

/// `--shard i/N`: this process computes shard i (0-based) of N.
struct ShardSpec: Sendable, Hashable, ExpressibleByArgument, CustomStringConvertible {
    /// The shard's index, in `0..<count`.
    let index: Int
    /// The number of shards N.
    let count: Int

    init(index: Int, count: Int) {
        self.index = index
        self.count = count
    }

    init?(argument: String) {
        let parts = argument.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]), n >= 1, i >= 0, i < n else { return nil }
        self.init(index: i, count: n)
    }

    static var defaultCompletionKind: CompletionKind { .default }

    var description: String { "\(index)/\(count)" }

    /// The part of `total` units that shard i of N gets: ⌊i·U/N⌋ ..< ⌊(i+1)·U/N⌋ (contiguous,
    /// disjoint, covering everything, sizes differing by at most one).
    func units(of total: Int) -> Range<Int> {
        // Full-width products: i·U overflows Int for U near 10¹⁵ blocks and N near 10⁴.
        func cut(_ i: Int) -> Int { count.dividingFullWidth(i.multipliedFullWidth(by: total)).quotient }
        return cut(index)..<cut(index + 1)
    }
}
