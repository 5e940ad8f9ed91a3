/// A k-d tree over points stored contiguously, for max-norm (Chebyshev) neighbour queries.
///
/// Built by splitting the widest coordinate at its median; leaves hold at most `leafSize`
/// points (64: bucket leaves whose distances are computed in branch-free, vectorisable passes
/// over a column-major copy of the points, one pass per coordinate; counting queries add whole
/// nodes that lie inside the ball without visiting their points). Queries are exact: pruning
/// compares node-box distances computed with the same floating-point subtractions as point
/// distances, and subtraction is monotone, so a pruned node never holds a point that would
/// have counted.
struct KDTree: Sendable {
    struct Node: Sendable {
        var start: Int
        var end: Int
        var left: Int   // −1 for a leaf
        var right: Int
    }

    let dimension: Int
    /// Points in tree order, row-major.
    let points: [Double]
    /// The same points column-major (coordinate c of tree position p at c·n + p), so that a
    /// leaf's coordinates are contiguous and its distances are computed in vectorised passes.
    let columns: [Double]
    /// The original index of each point in tree order.
    let indices: [Int]
    let nodes: [Node]
    /// Per node: lower corner then upper corner (2·dimension values).
    let boxes: [Double]

    static let leafSize = 64

    /// - Parameter data: n·dimension values, row-major.
    init(_ data: UnsafeBufferPointer<Double>, count n: Int, dimension: Int) {
        self.dimension = dimension
        var order = Array(0..<n)
        var nodes = [Node]()
        var boxes = [Double]()
        nodes.reserveCapacity(2 * n / KDTree.leafSize + 2)
        func build(_ start: Int, _ end: Int) -> Int {
            let id = nodes.count
            nodes.append(Node(start: start, end: end, left: -1, right: -1))
            var lower = [Double](repeating: .infinity, count: dimension)
            var upper = [Double](repeating: -.infinity, count: dimension)
            for p in start..<end {
                let base = order[p] * dimension
                for c in 0..<dimension {
                    let v = data[base + c]
                    if v < lower[c] { lower[c] = v }
                    if v > upper[c] { upper[c] = v }
                }
            }
            boxes.append(contentsOf: lower)
            boxes.append(contentsOf: upper)
            guard end - start > KDTree.leafSize else { return id }
            var axis = 0, widest = -1.0
            for c in 0..<dimension where upper[c] - lower[c] > widest {
                widest = upper[c] - lower[c]
                axis = c
            }
            guard widest > 0 else { return id }  // all points equal: keep as a leaf
            let middle = (start + end) / 2
            order.withUnsafeMutableBufferPointer { o in
                KDTreeView.select(o, start, end, nth: middle) { data[$0 * dimension + axis] }
            }
            let left = build(start, middle)
            let right = build(middle, end)
            nodes[id].left = left
            nodes[id].right = right
            return id
        }
        _ = build(0, n)
        var points = [Double](repeating: 0, count: n * dimension)
        for p in 0..<n {
            for c in 0..<dimension { points[p * dimension + c] = data[order[p] * dimension + c] }
        }
        self.points = points
        var columns = [Double](repeating: 0, count: n * dimension)
        for p in 0..<n { for c in 0..<dimension { columns[c * n + p] = points[p * dimension + c] } }
        self.columns = columns
        self.indices = order
        self.nodes = nodes
        self.boxes = boxes
    }

    /// Runs `body` with a pointer view of the tree, for allocation-free queries in a loop.
    func withView<R>(_ body: (KDTreeView) -> R) -> R {
        points.withUnsafeBufferPointer { pts in
            columns.withUnsafeBufferPointer { cols in
                indices.withUnsafeBufferPointer { idx in
                    nodes.withUnsafeBufferPointer { nds in
                        boxes.withUnsafeBufferPointer { bxs in
                            body(KDTreeView(dimension: dimension, count: indices.count, points: pts.baseAddress!,
                                            columns: cols.baseAddress!, indices: idx.baseAddress!,
                                            nodes: nds.baseAddress!, boxes: bxs.baseAddress!))
                        }
                    }
                }
            }
        }
    }

    /// Stack entries a query needs: 2 × (depth + 1), with depth ≤ log₂ n + 1 for median splits.
    static let stackCapacity = 256
}

/// Unsafe pointers into a ``KDTree``'s storage; valid only inside ``KDTree/withView(_:)``.
struct KDTreeView {
    let dimension: Int
    let count: Int
    let points: UnsafePointer<Double>
    let columns: UnsafePointer<Double>
    let indices: UnsafePointer<Int>
    let nodes: UnsafePointer<KDTree.Node>
    let boxes: UnsafePointer<Double>

    /// Rearranges o[start..<end] so that o[nth] holds the element of rank nth − start by `key`,
    /// smaller-or-equal keys before it and greater-or-equal after (Hoare quickselect with a
    /// median-of-three pivot; O(n) expected).
    static func select(_ o: UnsafeMutableBufferPointer<Int>, _ start: Int, _ end: Int, nth: Int,
                       key: (Int) -> Double) {
        var lo = start, hi = end - 1
        while lo < hi {
            let mid = lo + (hi - lo) / 2
            // Median of three as pivot value.
            let a = key(o[lo]), b = key(o[mid]), c = key(o[hi])
            let pivot = max(min(a, b), min(max(a, b), c))
            var i = lo, j = hi
            while i <= j {
                while key(o[i]) < pivot { i += 1 }
                while key(o[j]) > pivot { j -= 1 }
                if i <= j {
                    o.swapAt(i, j)
                    i += 1
                    j -= 1
                }
            }
            if nth <= j { hi = j } else if nth >= i { lo = i } else { return }
        }
    }

    @inline(__always)
    func minimumDistance(_ node: Int, _ q: UnsafePointer<Double>) -> Double {
        var d = 0.0
        let lower = boxes + node * 2 * dimension, upper = lower + dimension
        // Branch-free: at most one of lower − x and x − upper is positive (lower ≤ upper), and
        // both are ≤ 0 (never −0: x − x = +0) inside the box, where d ≥ 0 is kept; so this is
        // exactly max(d, lower − x) below the box and max(d, x − upper) above it.
        for c in 0..<dimension {
            let x = q[c]
            let below = lower[c] - x, above = x - upper[c]
            let gap = below > above ? below : above
            d = gap > d ? gap : d
        }
        return d
    }

    @inline(__always)
    func maximumDistance(_ node: Int, _ q: UnsafePointer<Double>) -> Double {
        var d = 0.0
        let lower = boxes + node * 2 * dimension, upper = lower + dimension
        for c in 0..<dimension {
            let x = q[c]
            d = Swift.max(d, Swift.max(abs(x - lower[c]), abs(upper[c] - x)))
        }
        return d
    }

    @inline(__always)
    func distance(_ p: Int, _ q: UnsafePointer<Double>) -> Double {
        var d = 0.0
        let point = points + p * dimension
        for c in 0..<dimension { d = Swift.max(d, abs(point[c] - q[c])) }
        return d
    }

    /// Max-norm distances from `q` to the points at tree positions start..<end (at most
    /// `KDTree.leafSize` of them), written to `scratch`: one vectorisable pass per coordinate,
    /// the same values as ``distance(_:_:)``.
    @inline(__always)
    func leafDistances(_ start: Int, _ end: Int, _ q: UnsafePointer<Double>, into scratch: UnsafeMutablePointer<Double>) {
        let m = end - start
        let first = columns + start, q0 = q[0]
        for t in 0..<m { scratch[t] = abs(first[t] - q0) }
        for c in 1..<Swift.max(dimension, 1) {
            let column = columns + c * count + start, qc = q[c]
            for t in 0..<m {
                let a = abs(column[t] - qc), old = scratch[t]
                scratch[t] = a > old ? a : old
            }
        }
    }

    /// #{p ∈ start..<end : ‖p − q‖∞ < r} (strict) or ≤ r, branch-free: the distances of all but
    /// the last coordinate go to `scratch`, the last pass compares and counts.
    @inline(__always)
    func leafCount(_ start: Int, _ end: Int, _ q: UnsafePointer<Double>, radius r: Double, strict: Bool,
                   scratch: UnsafeMutablePointer<Double>) -> Int {
        let m = end &- start
        let first = columns + start, q0 = q[0]
        for t in 0..<m { scratch[t] = abs(first[t] - q0) }
        for c in 1..<Swift.max(dimension - 1, 1) {
            let column = columns + c &* count + start, qc = q[c]
            for t in 0..<m {
                let a = abs(column[t] - qc), old = scratch[t]
                scratch[t] = a > old ? a : old
            }
        }
        let lastColumn = columns + (dimension &- 1) &* count + start, ql = q[dimension &- 1]
        var inside = 0
        if strict {
            for t in 0..<m {
                let a = abs(lastColumn[t] - ql), old = scratch[t]
                let d = a > old ? a : old
                inside &+= d < r ? 1 : 0
            }
        } else {
            for t in 0..<m {
                let a = abs(lastColumn[t] - ql), old = scratch[t]
                let d = a > old ? a : old
                inside &+= d <= r ? 1 : 0
            }
        }
        return inside
    }

    /// The k nearest neighbours of `q` (excluding original index `excluded`), ordered by
    /// (distance, original index), written to `distances` and `neighbours` (k entries each).
    /// `stack` needs room for 2 × (tree depth + 1) entries, `scratch` for `KDTree.leafSize` values.
    func nearest(_ q: UnsafePointer<Double>, k: Int, excluding excluded: Int,
                 distances: UnsafeMutablePointer<Double>, neighbours: UnsafeMutablePointer<Int>,
                 stack: UnsafeMutablePointer<Int>, scratch: UnsafeMutablePointer<Double>) {
        for t in 0..<k {
            distances[t] = .infinity
            neighbours[t] = Int.max
        }
        var top = 0
        stack[0] = 0
        top = 1
        while top > 0 {
            top -= 1
            let id = stack[top]
            if minimumDistance(id, q) > distances[k - 1] { continue }
            let n = nodes[id]
            if n.left < 0 {
                let vectorised = n.end - n.start <= KDTree.leafSize
                if vectorised { leafDistances(n.start, n.end, q, into: scratch) }
                for p in n.start..<n.end {
                    let d = vectorised ? scratch[p - n.start] : distance(p, q)
                    let worst = distances[k - 1]
                    if d > worst { continue }
                    let original = indices[p]
                    if original == excluded { continue }
                    if d == worst && original > neighbours[k - 1] { continue }
                    var t = k - 1
                    while t > 0 && (distances[t - 1] > d || (distances[t - 1] == d && neighbours[t - 1] > original)) {
                        distances[t] = distances[t - 1]
                        neighbours[t] = neighbours[t - 1]
                        t -= 1
                    }
                    distances[t] = d
                    neighbours[t] = original
                }
                continue
            }
            // Push the farther child first so the nearer one is searched first.
            let dl = minimumDistance(n.left, q), dr = minimumDistance(n.right, q)
            if dl <= dr {
                stack[top] = n.right; stack[top + 1] = n.left
            } else {
                stack[top] = n.left; stack[top + 1] = n.right
            }
            top += 2
        }
    }

    /// The number of points p with ‖p − q‖∞ < r (strict) or ≤ r, the query point included if stored.
    func count(_ q: UnsafePointer<Double>, radius r: Double, strict: Bool, stack: UnsafeMutablePointer<Int>,
               scratch: UnsafeMutablePointer<Double>) -> Int {
        var total = 0
        stack[0] = 0
        var top = 1
        while top > 0 {
            top -= 1
            let id = stack[top]
            let near = minimumDistance(id, q)
            if strict ? near >= r : near > r { continue }
            let n = nodes[id]
            let far = maximumDistance(id, q)
            if strict ? far < r : far <= r {
                total += n.end - n.start
                continue
            }
            if n.left < 0 {
                if n.end - n.start <= KDTree.leafSize {
                    total += leafCount(n.start, n.end, q, radius: r, strict: strict, scratch: scratch)
                } else {
                    for p in n.start..<n.end {
                        let d = distance(p, q)
                        if strict ? d < r : d <= r { total += 1 }
                    }
                }
                continue
            }
            stack[top] = n.left
            stack[top + 1] = n.right
            top += 2
        }
        return total
    }
}

/// Counting in one dimension with a sorted array (binary search).
struct SortedLine: Sendable {
    let sorted: [Double]

    init(_ values: [Double]) { sorted = values.sorted() }

    /// #{v : |v − x| < r} (strict) or ≤ r.
    func count(_ x: Double, radius r: Double, strict: Bool) -> Int {
        sorted.withUnsafeBufferPointer { SortedLine.count($0, x, radius: r, strict: strict) }
    }

    /// #{v ∈ sorted : |v − x| < r} (strict) or ≤ r, by two binary searches.
    @inline(__always)
    static func count(_ sorted: UnsafeBufferPointer<Double>, _ x: Double, radius r: Double, strict: Bool) -> Int {
        if strict && !(r > 0) { return 0 }  // |v − x| < 0 never holds
        // Left edge: first v with x − v < r (or ≤ r); x − v is non-increasing in v.
        var lo = 0, hi = sorted.count
        while lo < hi {
            let mid = (lo + hi) / 2
            let v = sorted[mid]
            let inside = v >= x || (strict ? x - v < r : x - v <= r)
            if inside { hi = mid } else { lo = mid + 1 }
        }
        let first = lo
        // Right edge: first v with v − x ≥ r (or > r), searching from `first`.
        hi = sorted.count
        while lo < hi {
            let mid = (lo + hi) / 2
            let v = sorted[mid]
            let outside = v > x && (strict ? v - x >= r : v - x > r)
            if outside { hi = mid } else { lo = mid + 1 }
        }
        return lo - first
    }
}
