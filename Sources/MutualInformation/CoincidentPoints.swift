import MonteCarloCore

/// The groups of identical points of a sample, thinned for the nearest-neighbour search.
///
/// Neighbours are ordered by (distance, index), so among the members of a group of identical
/// points, which are all at the same distance from any query, only the lowest-indexed ones can
/// be chosen: a query outside the group takes at most its first k members, a member takes at
/// most k others, all at distance 0, the group's first k + 1 members less itself. Searching
/// only the first `keep` members of each group (k + 1 when the queries are the sample's own
/// points, k otherwise) therefore finds the same neighbours, the same distances and the same
/// tie order as searching all of them; a member beyond them has the group's first k members as
/// its neighbours, at distance 0. Without this, every query on a group of t identical points
/// scans all t of them (the k-d tree cannot split them, the sorted line walks them), O(t²) per
/// group: the atoms of discrete or mixed data (``MixedMutualInformation`` at N = 10⁵ on the
/// half-discrete mixture took seconds, all of it in those scans).
struct CoincidentPoints {
    /// The indices of the points searched, increasing: every point but the surplus members.
    let searched: [Int]
    /// The surplus members (the points not searched), each with its group's number.
    let surplus: [(point: Int, group: Int)]
    /// The first `keep` members of every group, `keep` entries per group (−1 past a small group's end).
    let heads: [Int]
    let keep: Int

    /// Finds the groups of identical points (equal coordinates; −0 equals +0) by hashing the
    /// rows; `nil` when no group has more than `keep` members.
    /// - Complexity: O(N d) expected.
    init?(_ sample: NeighborSample, keep: Int) {
        let n = sample.count, d = sample.dimension
        guard n > keep, keep >= 1 else { return nil }
        // Open addressing: table slots hold a group's number + 1 (0 = empty).
        var capacity = 1
        while capacity < 2 * n { capacity <<= 1 }
        var table = [Int](repeating: 0, count: capacity)
        var groupLeader = [Int](), groupSize = [Int]()
        var heads = [Int](), surplus = [(point: Int, group: Int)]()
        sample.values.withUnsafeBufferPointer { v in
            func sameRow(_ a: Int, _ b: Int) -> Bool {
                for c in 0..<d where v[a * d + c] != v[b * d + c] { return false }
                return true
            }
            for i in 0..<n {
                var hash: UInt64 = 0xcbf2_9ce4_8422_2325
                for c in 0..<d {
                    hash = (hash ^ (v[i * d + c] + 0).bitPattern) &* 0x0000_0100_0000_01b3  // + 0: −0 → +0
                    hash ^= hash >> 29
                }
                var slot = Int(truncatingIfNeeded: hash) & (capacity - 1)
                while true {
                    let entry = table[slot]
                    if entry == 0 {
                        table[slot] = groupLeader.count + 1
                        groupLeader.append(i)
                        groupSize.append(1)
                        heads.append(contentsOf: repeatElement(-1, count: keep))
                        heads[(groupLeader.count - 1) * keep] = i
                        break
                    }
                    let group = entry - 1
                    if sameRow(groupLeader[group], i) {
                        let rank = groupSize[group]
                        groupSize[group] += 1
                        if rank < keep { heads[group * keep + rank] = i } else { surplus.append((i, group)) }
                        break
                    }
                    slot = (slot + 1) & (capacity - 1)
                }
            }
        }
        guard !surplus.isEmpty else { return nil }
        var isSurplus = [Bool](repeating: false, count: n)
        for (point, _) in surplus { isSurplus[point] = true }
        var searched = [Int]()
        searched.reserveCapacity(n - surplus.count)
        for i in 0..<n where !isSurplus[i] { searched.append(i) }
        self.searched = searched
        self.surplus = surplus
        self.heads = heads
        self.keep = keep
    }

    /// The neighbour table of `sample` (each point excluding itself, k < `keep`) or of
    /// `queries` among `sample`, from a search among the searched points only; equal to the
    /// search among all of them (see the type's discussion).
    func neighbors(in sample: NeighborSample, of queries: NeighborSample?, k: Int,
                   search: (NeighborSample, NeighborSample?) -> NeighborTable) -> NeighborTable {
        let reduced = sample.subset(searched[...])
        guard let queries else {
            let found = search(reduced, nil)
            var distances = [Double](repeating: 0, count: sample.count * k)
            var indices = [Int](repeating: 0, count: sample.count * k)
            for (r, i) in searched.enumerated() {
                for t in 0..<k {
                    distances[i * k + t] = found.distances[r * k + t]
                    indices[i * k + t] = searched[found.indices[r * k + t]]
                }
            }
            for (i, group) in surplus {
                for t in 0..<k { indices[i * k + t] = heads[group * keep + t] }  // distances stay 0
            }
            return NeighborTable(k: k, distances: distances, indices: indices)
        }
        let found = search(reduced, queries)
        var indices = found.indices
        for e in indices.indices { indices[e] = searched[indices[e]] }
        return NeighborTable(k: k, distances: found.distances, indices: indices)
    }
}
