/// Max-norm neighbour queries for points in the plane (one-dimensional X and Y), from sorted
/// arrays instead of a tree.
///
/// The points are sorted by x (ties by index) and cut into consecutive blocks of `blockSize`
/// points; inside a block they are re-sorted by y. A k-nearest query for point i starts in
/// i's own block and visits neighbouring blocks outwards in x order, nearer side first,
/// skipping a side once the block's x-gap exceeds the current k-th distance; inside a block it
/// binary-searches yᵢ and walks outwards in y until the y-gap exceeds the k-th distance. Only
/// points inside the current k-th-distance box are ever examined, so the cost per query is
/// O(blocks crossed × log blockSize + points in the box).
///
/// Marginal counts use the sorted x and y arrays: each point knows its own position (rank),
/// so the counts within a radius are found by galloping outwards from it, in O(log count)
/// instead of O(log n).
///
/// Exactness: distances are the same floating-point expressions as the k-d tree and the
/// brute-force reference (max(|Δx|, |Δy|)), pruning compares gaps computed with the same
/// (monotone) subtractions, and ties are ordered by original index, so the k neighbours, ε and
/// the counts are identical to theirs.
struct PlanarNeighborIndex: Sendable {
    static let blockSize = 32

    let count: Int
    /// x values in x order.
    let sortedX: [Double]
    /// y values in y order.
    let sortedY: [Double]
    /// Position of each original point in the x order and in the y order.
    let rankX: [Int]
    let rankY: [Int]
    /// Blocks of the x order, each re-sorted by y: y, x and original index per slot.
    let blockY: [Double]
    let blockX: [Double]
    let blockIndex: [Int]
    /// Per block: smallest and largest x.
    let blockLower: [Double]
    let blockUpper: [Double]

    /// - Parameters:
    ///   - x: The n x values.
    ///   - y: The n y values, paired with `x` by index.
    init(x: [Double], y: [Double]) {
        let n = x.count
        count = n
        let xOrder = PlanarNeighborIndex.order(x)
        let yOrder = PlanarNeighborIndex.order(y)
        var rankX = [Int](repeating: 0, count: n), rankY = [Int](repeating: 0, count: n)
        for p in 0..<n {
            rankX[xOrder[p]] = p
            rankY[yOrder[p]] = p
        }
        sortedX = xOrder.map { x[$0] }
        sortedY = yOrder.map { y[$0] }
        self.rankX = rankX
        self.rankY = rankY
        let size = PlanarNeighborIndex.blockSize
        let blocks = (n + size - 1) / size
        var blockY = [Double](repeating: 0, count: n), blockX = blockY
        var blockIndex = [Int](repeating: 0, count: n)
        var lower = [Double](repeating: 0, count: blocks), upper = lower
        for b in 0..<blocks {
            let range = (b * size)..<min((b + 1) * size, n)
            let members = xOrder[range].sorted { y[$0] < y[$1] || (y[$0] == y[$1] && $0 < $1) }
            for (slot, i) in zip(range, members) {
                blockY[slot] = y[i]
                blockX[slot] = x[i]
                blockIndex[slot] = i
            }
            lower[b] = x[xOrder[range.lowerBound]]
            upper[b] = x[xOrder[range.upperBound - 1]]
        }
        self.blockY = blockY
        self.blockX = blockX
        self.blockIndex = blockIndex
        blockLower = lower
        blockUpper = upper
    }

    /// Indices sorted by value, ties by index.
    static func order(_ values: [Double]) -> [Int] {
        var pairs = values.enumerated().map { (value: $0.element, index: $0.offset) }
        pairs.sort { $0.value < $1.value || ($0.value == $1.value && $0.index < $1.index) }
        return pairs.map(\.index)
    }

    /// Runs `body` with a pointer view of the storage.
    func withView<R>(_ body: (PlanarNeighborView) -> R) -> R {
        sortedX.withUnsafeBufferPointer { sx in
            sortedY.withUnsafeBufferPointer { sy in
                rankX.withUnsafeBufferPointer { rx in
                    rankY.withUnsafeBufferPointer { ry in
                        blockY.withUnsafeBufferPointer { by in
                            blockX.withUnsafeBufferPointer { bx in
                                blockIndex.withUnsafeBufferPointer { bi in
                                    blockLower.withUnsafeBufferPointer { bl in
                                        blockUpper.withUnsafeBufferPointer { bu in
                                            body(PlanarNeighborView(
                                                count: count, sortedX: sx.baseAddress!, sortedY: sy.baseAddress!,
                                                rankX: rx.baseAddress!, rankY: ry.baseAddress!, blockY: by.baseAddress!,
                                                blockX: bx.baseAddress!, blockIndex: bi.baseAddress!,
                                                blockLower: bl.baseAddress!, blockUpper: bu.baseAddress!))
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Unsafe pointers into a ``PlanarNeighborIndex``; valid only inside its `withView`.
struct PlanarNeighborView {
    let count: Int
    let sortedX: UnsafePointer<Double>
    let sortedY: UnsafePointer<Double>
    let rankX: UnsafePointer<Int>
    let rankY: UnsafePointer<Int>
    let blockY: UnsafePointer<Double>
    let blockX: UnsafePointer<Double>
    let blockIndex: UnsafePointer<Int>
    let blockLower: UnsafePointer<Double>
    let blockUpper: UnsafePointer<Double>

    /// The k nearest neighbours of point `i` in max-norm (excluding i), ordered by
    /// (distance, original index), written to `distances` and `neighbours` (k entries each).
    @inline(__always)
    func nearest(_ i: Int, x xq: Double, y yq: Double, k: Int,
                 distances: UnsafeMutablePointer<Double>, neighbours: UnsafeMutablePointer<Int>) {
        for t in 0..<k {
            distances[t] = .infinity
            neighbours[t] = Int.max
        }
        let size = PlanarNeighborIndex.blockSize
        let blocks = (count + size - 1) / size
        let home = rankX[i] / size
        scan(block: home, i, xq, yq, k, distances, neighbours)
        var left = home - 1, right = home + 1
        while true {
            // x-gap of the next block on each side (∞ when exhausted); a block whose gap exceeds
            // the k-th distance cannot hold a neighbour, nor can any block beyond it.
            let leftGap = left >= 0 ? xq - blockUpper[left] : .infinity
            let rightGap = right < blocks ? blockLower[right] - xq : .infinity
            let worst = distances[k - 1]
            let leftOpen = leftGap <= worst, rightOpen = rightGap <= worst
            if !leftOpen && !rightOpen { return }
            if leftOpen && (!rightOpen || leftGap <= rightGap) {
                scan(block: left, i, xq, yq, k, distances, neighbours)
                left -= 1
            } else {
                scan(block: right, i, xq, yq, k, distances, neighbours)
                right += 1
            }
        }
    }

    @inline(__always)
    func scan(block: Int, _ i: Int, _ xq: Double, _ yq: Double, _ k: Int,
              _ distances: UnsafeMutablePointer<Double>, _ neighbours: UnsafeMutablePointer<Int>) {
        let size = PlanarNeighborIndex.blockSize
        let start = block * size, end = Swift.min(start + size, count)
        // First slot with y ≥ yq.
        var lo = start, hi = end
        while lo < hi {
            let mid = (lo + hi) >> 1
            if blockY[mid] < yq { lo = mid + 1 } else { hi = mid }
        }
        var t = lo
        while t < end {
            let dy = blockY[t] - yq
            if dy > distances[k - 1] { break }
            offer(t, i, xq, yq, k, distances, neighbours)
            t += 1
        }
        t = lo - 1
        while t >= start {
            let dy = yq - blockY[t]
            if dy > distances[k - 1] { break }
            offer(t, i, xq, yq, k, distances, neighbours)
            t -= 1
        }
    }

    @inline(__always)
    func offer(_ slot: Int, _ i: Int, _ xq: Double, _ yq: Double, _ k: Int,
               _ distances: UnsafeMutablePointer<Double>, _ neighbours: UnsafeMutablePointer<Int>) {
        let original = blockIndex[slot]
        if original == i { return }
        // Same expression as the k-d tree's max-norm distance.
        let d = Swift.max(Swift.max(0.0, abs(blockX[slot] - xq)), abs(blockY[slot] - yq))
        let worst = distances[k - 1]
        if d > worst || (d == worst && original > neighbours[k - 1]) { return }
        var t = k - 1
        while t > 0 && (distances[t - 1] > d || (distances[t - 1] == d && neighbours[t - 1] > original)) {
            distances[t] = distances[t - 1]
            neighbours[t] = neighbours[t - 1]
            t -= 1
        }
        distances[t] = d
        neighbours[t] = original
    }

    /// #{j : |xⱼ − xᵢ| < r} (strict) or ≤ r, point i included, galloping from i's rank.
    @inline(__always)
    func countX(_ i: Int, radius r: Double, strict: Bool) -> Int {
        PlanarNeighborView.count(sortedX, count, at: rankX[i], radius: r, strict: strict)
    }

    /// #{j : |yⱼ − yᵢ| < r} (strict) or ≤ r, point i included.
    @inline(__always)
    func countY(_ i: Int, radius r: Double, strict: Bool) -> Int {
        PlanarNeighborView.count(sortedY, count, at: rankY[i], radius: r, strict: strict)
    }

    /// #{v ∈ sorted : |v − x| < r} (strict) or ≤ r, where x = sorted[p]; the same predicates
    /// as `SortedLine.count`, searched by galloping outwards from p.
    @inline(__always)
    static func count(_ sorted: UnsafePointer<Double>, _ n: Int, at p: Int, radius r: Double, strict: Bool) -> Int {
        if strict && !(r > 0) { return 0 }
        let x = sorted[p]
        @inline(__always) func inside(_ q: Int) -> Bool {
            let v = sorted[q]
            return v >= x || (strict ? x - v < r : x - v <= r)
        }
        @inline(__always) func outside(_ q: Int) -> Bool {
            let v = sorted[q]
            return v > x && (strict ? v - x >= r : v - x > r)
        }
        // Left edge: the first q ≤ p with inside(q) (inside(p) holds; monotone in q).
        var hi = p, lo = 0, step = 1
        while true {
            let probe = p - step
            if probe < 0 { lo = 0; break }
            if inside(probe) { hi = probe; step <<= 1 } else { lo = probe + 1; break }
        }
        while lo < hi {
            let mid = (lo + hi) >> 1
            if inside(mid) { hi = mid } else { lo = mid + 1 }
        }
        let first = lo
        // Right edge: the first q > p with outside(q), or n.
        lo = p + 1
        hi = n
        step = 1
        while true {
            let probe = p + step
            if probe >= n { break }
            if outside(probe) { hi = probe; break }
            lo = probe + 1
            step <<= 1
        }
        while lo < hi {
            let mid = (lo + hi) >> 1
            if outside(mid) { hi = mid } else { lo = mid + 1 }
        }
        return lo - first
    }
}
