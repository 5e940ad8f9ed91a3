/// A k-d tree over points stored contiguously, for max-norm (Chebyshev) neighbour queries.
///
/// Built by splitting the widest coordinate at its median; leaves hold at most `leafSize`
/// points. Queries are exact: pruning compares node-box distances computed with the same
/// floating-point subtractions as point distances, and subtraction is monotone, so a pruned
/// node never holds a point that would have counted.
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
    /// The original index of each point in tree order.
    let indices: [Int]
    let nodes: [Node]
    /// Per node: lower corner then upper corner (2·dimension values).
    let boxes: [Double]

    static let leafSize = 12

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
            order[start..<end].sort { data[$0 * dimension + axis] < data[$1 * dimension + axis] }
            let middle = (start + end) / 2
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
        self.indices = order
        self.nodes = nodes
        self.boxes = boxes
    }

    @inline(__always)
    func minimumDistance(_ node: Int, _ q: UnsafePointer<Double>) -> Double {
        var d = 0.0
        let base = node * 2 * dimension
        for c in 0..<dimension {
            let lo = boxes[base + c], hi = boxes[base + dimension + c]
            let x = q[c]
            if x < lo { d = max(d, lo - x) } else if x > hi { d = max(d, x - hi) }
        }
        return d
    }

    @inline(__always)
    func maximumDistance(_ node: Int, _ q: UnsafePointer<Double>) -> Double {
        var d = 0.0
        let base = node * 2 * dimension
        for c in 0..<dimension {
            let x = q[c]
            d = max(d, abs(x - boxes[base + c]), abs(boxes[base + dimension + c] - x))
        }
        return d
    }

    /// The k nearest neighbours of `q` (excluding original index `excluded`), ordered by
    /// (distance, original index), written to `distances` and `neighbours` (k entries each).
    func nearest(_ q: UnsafePointer<Double>, k: Int, excluding excluded: Int,
                 distances: inout [Double], neighbours: inout [Int]) {
        for t in 0..<k {
            distances[t] = .infinity
            neighbours[t] = Int.max
        }
        points.withUnsafeBufferPointer { pts in
            func visit(_ node: Int) {
                let n = nodes[node]
                if n.left < 0 {
                    for p in n.start..<n.end {
                        let original = indices[p]
                        if original == excluded { continue }
                        var d = 0.0
                        let base = p * dimension
                        for c in 0..<dimension { d = max(d, abs(pts[base + c] - q[c])) }
                        let worst = distances[k - 1]
                        if d > worst || (d == worst && original > neighbours[k - 1]) { continue }
                        var t = k - 1
                        while t > 0 && (distances[t - 1] > d || (distances[t - 1] == d && neighbours[t - 1] > original)) {
                            distances[t] = distances[t - 1]
                            neighbours[t] = neighbours[t - 1]
                            t -= 1
                        }
                        distances[t] = d
                        neighbours[t] = original
                    }
                    return
                }
                let dl = minimumDistance(n.left, q), dr = minimumDistance(n.right, q)
                let (first, second, d1, d2) = dl <= dr ? (n.left, n.right, dl, dr) : (n.right, n.left, dr, dl)
                if d1 <= distances[k - 1] { visit(first) }
                if d2 <= distances[k - 1] { visit(second) }
            }
            visit(0)
        }
    }

    /// The number of points p with ‖p − q‖∞ < r (strict) or ≤ r, the query point included if stored.
    func count(_ q: UnsafePointer<Double>, radius r: Double, strict: Bool) -> Int {
        points.withUnsafeBufferPointer { pts in
            func visit(_ node: Int) -> Int {
                let n = nodes[node]
                let near = minimumDistance(node, q)
                if strict ? near >= r : near > r { return 0 }
                let far = maximumDistance(node, q)
                if strict ? far < r : far <= r { return n.end - n.start }
                if n.left < 0 {
                    var total = 0
                    for p in n.start..<n.end {
                        var d = 0.0
                        let base = p * dimension
                        for c in 0..<dimension { d = max(d, abs(pts[base + c] - q[c])) }
                        if strict ? d < r : d <= r { total += 1 }
                    }
                    return total
                }
                return visit(n.left) + visit(n.right)
            }
            return visit(0)
        }
    }
}

/// Counting in one dimension with a sorted array (binary search).
struct SortedLine: Sendable {
    let sorted: [Double]

    init(_ values: [Double]) { sorted = values.sorted() }

    /// #{v : |v − x| < r} (strict) or ≤ r.
    func count(_ x: Double, radius r: Double, strict: Bool) -> Int {
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
