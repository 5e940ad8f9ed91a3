import MonteCarloCore

extension NeighborSample {
    /// ``neighbors(of:k:chunks:)`` for one-dimensional samples, by one sort instead of a k-d tree.
    ///
    /// With the points sorted by (value, index), the k nearest points of a query x lie in a
    /// window around x's place: the two sides are walked outwards, nearest first (distances
    /// |x − xⱼ|, non-decreasing along each side), until k points are taken and the next point on
    /// either side is farther than the k-th; ties at the k-th distance are all taken, and the
    /// candidates are ordered by (distance, index). The result is the tree search's exactly (same
    /// distances, same tie order).
    /// - Complexity: O(N log N) for the sort, then O(log N + k) per query (plus the ties).
    func lineNeighbors(of queries: NeighborSample?, k: Int, chunks: Int) -> NeighborTable {
        precondition(dimension == 1, "the sorted-line search is for one-dimensional samples")
        let query = queries ?? self, excludingSelf = queries == nil
        let n = query.count, count = self.count
        let order = (0..<count).sorted { (values[$0], $0) < (values[$1], $1) }
        let sorted = order.map { values[$0] }
        // Each point's place in the sorted order (for self-exclusion).
        var places = [Int](repeating: 0, count: excludingSelf ? count : 0)
        if excludingSelf { for (position, i) in order.enumerated() { places[i] = position } }
        let place = places
        var distances = [Double](repeating: 0, count: n * k)
        var indices = [Int](repeating: 0, count: n * k)
        let chunkCount = min(n, max(1, chunks))
        distances.withUnsafeMutableBufferPointer { distanceBuffer in
            indices.withUnsafeMutableBufferPointer { indexBuffer in
                let out = SharedPointer((distanceBuffer.baseAddress!, indexBuffer.baseAddress!))
                ParallelLoop.run(iterations: chunkCount) { chunk in
                    var candidates: [(distance: Double, index: Int)] = []
                    candidates.reserveCapacity(2 * k + 2)
                    for i in (chunk * n / chunkCount)..<((chunk + 1) * n / chunkCount) {
                        let x = query.values[i]
                        var left: Int, right: Int
                        if excludingSelf {
                            left = place[i] - 1
                            right = place[i] + 1
                        } else {
                            // First place whose value is ≥ x.
                            var low = 0, high = count
                            while low < high {
                                let middle = (low + high) / 2
                                if sorted[middle] < x { low = middle + 1 } else { high = middle }
                            }
                            left = low - 1
                            right = low
                        }
                        candidates.removeAll(keepingCapacity: true)
                        var kth = Double.infinity
                        while true {
                            let leftDistance = left >= 0 ? abs(sorted[left] - x) : .infinity
                            let rightDistance = right < count ? abs(sorted[right] - x) : .infinity
                            let nearest = Swift.min(leftDistance, rightDistance)
                            if nearest == .infinity || (candidates.count >= k && nearest > kth) { break }
                            if leftDistance <= rightDistance {
                                candidates.append((leftDistance, order[left]))
                                left -= 1
                            } else {
                                candidates.append((rightDistance, order[right]))
                                right += 1
                            }
                            if candidates.count == k { kth = nearest }
                        }
                        candidates.sort { ($0.distance, $0.index) < ($1.distance, $1.index) }
                        for t in 0..<k {
                            out.pointer.0[i * k + t] = candidates[t].distance
                            out.pointer.1[i * k + t] = candidates[t].index
                        }
                    }
                }
            }
        }
        return NeighborTable(k: k, distances: distances, indices: indices)
    }
}
