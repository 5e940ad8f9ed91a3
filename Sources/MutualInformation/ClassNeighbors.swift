import MonteCarloCore

/// The nearest neighbours of each point within its class, for one-dimensional points with
/// distinct values, from one sort: each class's values in order, and per point a merge of the
/// runs to its left and right (ties in distance by original index, as the k-d tree orders them).
struct ClassNeighbors {
    /// `count` nearest per point (by original index): distances and original indices, `count` each.
    var distances: [Double]
    var indices: [Int]

    /// - Parameters:
    ///   - sorted, order: All values in increasing order and the original index at each position.
    ///   - codes: The class of each point (0..<classes); `count` < every class size.
    /// - Returns: `nil` when two values are equal (the merge would not order ties by index).
    init?(sorted: [Double], order: [Int], codes: [Int], classes: Int, count k: Int, chunks: Int) {
        let n = sorted.count
        for p in 1..<max(n, 1) where sorted[p] == sorted[p - 1] { return nil }
        var classValues = [[Double]](repeating: [], count: classes), classIndices = [[Int]](repeating: [], count: classes)
        for p in 0..<n {
            classValues[codes[order[p]]].append(sorted[p])
            classIndices[codes[order[p]]].append(order[p])
        }
        var distances = [Double](repeating: 0, count: n * k), indices = [Int](repeating: 0, count: n * k)
        distances.withUnsafeMutableBufferPointer { db in
            indices.withUnsafeMutableBufferPointer { ib in
                let out = SharedPointer((db.baseAddress!, ib.baseAddress!))
                for c in 0..<classes {
                    let values = classValues[c], original = classIndices[c], size = values.count
                    ParallelLoop.run(iterations: chunks) { chunk in
                        for p in (chunk * size / chunks)..<((chunk + 1) * size / chunks) {
                            let base = original[p] * k
                            var left = p - 1, right = p + 1
                            for s in 0..<k {
                                let dl = left >= 0 ? values[p] - values[left] : .infinity
                                let dr = right < size ? values[right] - values[p] : .infinity
                                if dl < dr || (dl == dr && original[left] < original[right]) {
                                    out.pointer.0[base + s] = dl
                                    out.pointer.1[base + s] = original[left]
                                    left -= 1
                                } else {
                                    out.pointer.0[base + s] = dr
                                    out.pointer.1[base + s] = original[right]
                                    right += 1
                                }
                            }
                        }
                    }
                }
            }
        }
        self.distances = distances
        self.indices = indices
    }
}
