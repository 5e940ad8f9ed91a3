import MonteCarloCore

/// Max-norm neighbour queries for points in the plane (one-dimensional X and Y), from sorted
/// arrays instead of a tree.
///
/// The points are sorted by x (ties by index) and cut into consecutive blocks of about
/// √(k n) points; inside a block they are ordered by y. A k-nearest query for point i starts in
/// i's own block and visits neighbouring blocks outwards in x order, nearer side first,
/// skipping a side once the block's x-gap exceeds the current k-th distance; inside a block it
/// bisects for yᵢ and walks outwards in y, nearer side first, until the y-gap exceeds the
/// k-th distance. Only points inside the current k-th-distance box are examined, so a query
/// costs O(blocks crossed × log blockSize + points in the box). Building sorts x and y once
/// (radix sort, O(n)) and fills the blocks from the y order, also O(n).
///
/// The queries run in C (`mc_ksg_plane_radii` for the neighbours, `mc_ksg_range_counts` for
/// the marginal counts within a radius, from the sorted x and y arrays, queries in sorted order
/// so each window's edges are found by galloping from a prediction made from the previous one).
///
/// Exactness: distances are the same floating-point expressions as the k-d tree and the
/// brute-force reference (max(|Δx|, |Δy|)), pruning compares gaps computed with the same
/// (monotone) subtractions, and ties are ordered by original index, so the k neighbours, ε and
/// the counts are identical to theirs.
struct PlanarNeighborIndex: Sendable {
    let count: Int
    /// Points per block: about √(k n) (measured fastest among √(kn)·{1/16, 1/8, 1/4, 1/2, 1, 2, 4}
    /// at n = 10⁵, k = 3): a query crosses a few blocks, each searched by bisection.
    let blockSize: Int
    /// Original indices in x order (queries run in this order: neighbouring queries share blocks).
    let xOrder: [Int]
    /// Original indices in y order.
    let yOrder: [Int]
    /// x values in x order.
    let sortedX: [Double]
    /// y values in x order (the query coordinates, read sequentially).
    let yInXOrder: [Double]
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
    init(x: [Double], y: [Double], neighbors k: Int) {
        let n = x.count
        count = n
        blockSize = Swift.max(8, Int((Double(n) * Double(k)).squareRoot()))
        // The two sorts run concurrently (each is deterministic on its own).
        var orders = [[Int]](repeating: [], count: 2)
        orders.withUnsafeMutableBufferPointer { buffer in
            let out = SharedPointer(buffer.baseAddress!)
            ParallelLoop.run(iterations: 2) { which in
                out.pointer[which] = PlanarNeighborIndex.order(which == 0 ? x : y)
            }
        }
        let xOrder = orders[0], yOrder = orders[1]
        var rankX = [Int](repeating: 0, count: n), rankY = [Int](repeating: 0, count: n)
        for p in 0..<n {
            rankX[xOrder[p]] = p
            rankY[yOrder[p]] = p
        }
        self.xOrder = xOrder
        self.yOrder = yOrder
        sortedX = xOrder.map { x[$0] }
        yInXOrder = xOrder.map { y[$0] }
        sortedY = yOrder.map { y[$0] }
        self.rankX = rankX
        self.rankY = rankY
        let size = blockSize
        let blocks = (n + size - 1) / size
        var blockY = [Double](repeating: 0, count: n), blockX = blockY
        var blockIndex = [Int](repeating: 0, count: n)
        var lower = [Double](repeating: 0, count: blocks), upper = lower
        // Distribute the points in y order into their x blocks: each block comes out sorted by
        // y with ties by index (the y order's tie rule), in O(n).
        var fill = (0..<blocks).map { $0 * size }
        for i in yOrder {
            let block = rankX[i] / size
            let slot = fill[block]
            fill[block] += 1
            blockY[slot] = y[i]
            blockX[slot] = x[i]
            blockIndex[slot] = i
        }
        for b in 0..<blocks {
            lower[b] = x[xOrder[b * size]]
            upper[b] = x[xOrder[Swift.min((b + 1) * size, n) - 1]]
        }
        self.blockY = blockY
        self.blockX = blockX
        self.blockIndex = blockIndex
        blockLower = lower
        blockUpper = upper
    }

    /// Indices sorted by value, ties by index: a stable least-significant-digit radix sort
    /// (eight 8-bit passes, skipping passes where every key has the same digit) on the
    /// order-preserving integer image of each value.
    static func order(_ values: [Double]) -> [Int] {
        let n = values.count
        // Order-preserving map Double → UInt64 (−0 and +0 map to the same key; no NaN here).
        var keys = values.map { value -> UInt64 in
            let bits = (value + 0.0).bitPattern
            return bits & (1 << 63) != 0 ? ~bits : bits | (1 << 63)
        }
        var order = Array(0..<n)
        guard n > 1 else { return order }
        var nextKeys = [UInt64](repeating: 0, count: n), nextOrder = [Int](repeating: 0, count: n)
        var counts = [Int](repeating: 0, count: 256)
        for pass in 0..<8 {
            let shift = UInt64(8 * pass)
            let moved: Bool = keys.withUnsafeBufferPointer { k in
                order.withUnsafeBufferPointer { o in
                    nextKeys.withUnsafeMutableBufferPointer { nk in
                        nextOrder.withUnsafeMutableBufferPointer { no in
                            counts.withUnsafeMutableBufferPointer { c in
                                for t in 0..<256 { c[t] = 0 }
                                for p in 0..<n { c[Int(truncatingIfNeeded: k[p] >> shift) & 0xFF] += 1 }
                                if c[Int(truncatingIfNeeded: k[0] >> shift) & 0xFF] == n { return false }
                                var total = 0
                                for t in 0..<256 {
                                    let count = c[t]
                                    c[t] = total
                                    total += count
                                }
                                for p in 0..<n {
                                    let digit = Int(truncatingIfNeeded: k[p] >> shift) & 0xFF
                                    let target = c[digit]
                                    c[digit] = target + 1
                                    nk[target] = k[p]
                                    no[target] = o[p]
                                }
                                return true
                            }
                        }
                    }
                }
            }
            if moved {
                swap(&keys, &nextKeys)
                swap(&order, &nextOrder)
            }
        }
        return order
    }

    /// Runs `body` with a pointer view of the storage.
    func withView<R>(_ body: (PlanarNeighborView) -> R) -> R {
        xOrder.withUnsafeBufferPointer { xo in
            yInXOrder.withUnsafeBufferPointer { yx in
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
                                                        count: count, blockSize: blockSize, xOrder: xo.baseAddress!,
                                                        sortedX: sx.baseAddress!, yInXOrder: yx.baseAddress!,
                                                        sortedY: sy.baseAddress!, rankX: rx.baseAddress!,
                                                        rankY: ry.baseAddress!, blockY: by.baseAddress!,
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
    }
}

/// Unsafe pointers into a ``PlanarNeighborIndex``; valid only inside its `withView`.
struct PlanarNeighborView {
    let count: Int
    let blockSize: Int
    let xOrder: UnsafePointer<Int>
    let sortedX: UnsafePointer<Double>
    let yInXOrder: UnsafePointer<Double>
    let sortedY: UnsafePointer<Double>
    let rankX: UnsafePointer<Int>
    let rankY: UnsafePointer<Int>
    let blockY: UnsafePointer<Double>
    let blockX: UnsafePointer<Double>
    let blockIndex: UnsafePointer<Int>
    let blockLower: UnsafePointer<Double>
    let blockUpper: UnsafePointer<Double>
}
