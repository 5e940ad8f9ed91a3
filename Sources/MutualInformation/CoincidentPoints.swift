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
    /// The first `keep` members of every group larger than `keep`, `keep` entries per group.
    let heads: [Int]
    let keep: Int

    /// Finds the groups of identical points (equal coordinates; −0 equals +0) by hashing the
    /// rows; `nil` when no group has more than `keep` members.
    ///
    /// The first pass only counts, in flat 32-bit tables, so that data without large groups
    /// (continuous data, the common case) pay one hashing pass and no per-group allocation.
    /// - Complexity: O(N d) expected.
    init?(_ sample: NeighborSample, keep: Int) {
        let n = sample.count, d = sample.dimension
        // Slots (< 4n) and point numbers fit in 32 bits; beyond 2²⁹ points the plain search is used.
        guard n > keep, keep >= 1, n <= Int(Int32.max) / 4 else { return nil }
        var capacity = 1
        while capacity < 2 * n { capacity <<= 1 }
        let mask = capacity - 1
        // Pass 1: per slot, the first point of its row + 1 (0: empty) and how many points share
        // the row; per point, its slot.
        var leader = [Int32](repeating: 0, count: capacity)
        var size = [Int32](repeating: 0, count: capacity)
        var slotOf = [Int32](repeating: 0, count: n)
        var largest: Int32 = 0
        sample.values.withUnsafeBufferPointer { v in
            leader.withUnsafeMutableBufferPointer { leader in
                size.withUnsafeMutableBufferPointer { size in
                    slotOf.withUnsafeMutableBufferPointer { slotOf in
                        for i in 0..<n {
                            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
                            for c in 0..<d {
                                hash = (hash ^ (v[i * d + c] + 0).bitPattern) &* 0x0000_0100_0000_01b3  // + 0: −0 → +0
                                hash ^= hash >> 29
                            }
                            var slot = Int(truncatingIfNeeded: hash) & mask
                            while true {
                                let first = Int(leader[slot]) - 1
                                if first < 0 {
                                    leader[slot] = Int32(i + 1)
                                    break
                                }
                                var same = true
                                for c in 0..<d where v[first * d + c] != v[i * d + c] {
                                    same = false
                                    break
                                }
                                if same { break }
                                slot = (slot + 1) & mask
                            }
                            size[slot] += 1
                            largest = max(largest, size[slot])
                            slotOf[i] = Int32(slot)
                        }
                    }
                }
            }
        }
        guard largest > keep else { return nil }
        // Pass 2, only with a group larger than `keep`: the first `keep` members of each such
        // group (points come in index order) and the rest, its surplus.
        var rank = [Int32](repeating: 0, count: capacity)
        var groupOfSlot: [Int: Int] = [:]
        var heads = [Int](), surplus = [(point: Int, group: Int)]()
        for i in 0..<n {
            let slot = Int(slotOf[i])
            guard size[slot] > keep else { continue }
            let group: Int
            if let known = groupOfSlot[slot] {
                group = known
            } else {
                group = groupOfSlot.count
                groupOfSlot[slot] = group
                heads.append(contentsOf: repeatElement(-1, count: keep))
            }
            let r = Int(rank[slot])
            rank[slot] += 1
            if r < keep { heads[group * keep + r] = i } else { surplus.append((i, group)) }
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
