import MonteCarloCore

/// Max-norm neighbour queries for points in the plane (one-dimensional X and Y), from sorted
/// arrays instead of a tree.
///
/// The points are sorted by x (ties by index) and cut into consecutive blocks of about
/// √(k n) points; inside a block they are ordered by y. A k-nearest query for point i starts in
/// i's own block and visits neighbouring blocks outwards in x order, nearer side first,
/// skipping a side once the block's x-gap exceeds the current k-th distance; inside a block it
/// walks outwards in y, nearer side first, until the y-gap exceeds the k-th distance. The walk
/// starts at i's own slot in its own block and, in each next block, at the slot that a cascade
/// (per slot, the first slot of the neighbouring block with y at least its own, as in
/// fractional cascading) gives for the previous block's start, so no search is needed (a
/// bisection only when the previous block has no y ≥ yᵢ). Only points inside the current
/// k-th-distance box and a few next to the starts are examined, so a query costs
/// O(blocks crossed + points in the box). Building sorts x and y once (radix sort, O(n)),
/// fills the blocks from the y order and sweeps each pair of neighbouring blocks for the
/// cascades, also O(n).
///
/// The queries run in C (`mc_ksg_plane_radii` for the neighbours, `mc_ksg_range_counts` for
/// the marginal counts within a radius, from the sorted x and y arrays, queries in sorted order
/// so each window's edges are predicted from the previous one's and placed by counting the
/// predicate over the positions around the prediction).
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
    /// The slot of each x position in its own block (where its query starts).
    let homeSlot: [Int32]
    /// Per slot: the first slot of the next block with y ≥ this slot's y, or that block's end
    /// (0 in the last block), so a query's scan of the next block starts without a search.
    let cascadeUp: [Int32]
    /// Per slot: the same in the previous block (0 in the first block).
    let cascadeDown: [Int32]

    /// - Parameters:
    ///   - x: The n x values.
    ///   - y: The n y values, paired with `x` by index.
    init(x: [Double], y: [Double], neighbors k: Int) {
        let n = x.count
        precondition(n < Int(Int32.max), "PlanarNeighborIndex: more than 2³¹ − 1 points")
        count = n
        blockSize = Swift.max(8, Int((Double(n) * Double(k)).squareRoot()))
        // The two axes concurrently (each is deterministic on its own): the order, the ranks
        // and the values in that order.
        var axes = [(order: [Int], rank: [Int], sorted: [Double])](repeating: ([], [], []), count: 2)
        var crossed = [Double]()  // y in x order
        axes.withUnsafeMutableBufferPointer { buffer in
            withUnsafeMutablePointer(to: &crossed) { crossedPointer in
                let out = SharedPointer((buffer.baseAddress!, crossedPointer))
                ParallelLoop.run(iterations: 2) { which in
                    let values = which == 0 ? x : y
                    let order = PlanarNeighborIndex.order(values)
                    var rank = [Int](repeating: 0, count: n)
                    for p in 0..<n { rank[order[p]] = p }
                    out.pointer.0[which] = (order, rank, order.map { values[$0] })
                    if which == 0 { out.pointer.1.pointee = order.map { y[$0] } }
                }
            }
        }
        xOrder = axes[0].order
        yOrder = axes[1].order
        rankX = axes[0].rank
        rankY = axes[1].rank
        sortedX = axes[0].sorted
        sortedY = axes[1].sorted
        yInXOrder = crossed
        let xOrder = self.xOrder, yOrder = self.yOrder, rankX = self.rankX
        let size = blockSize
        let blocks = (n + size - 1) / size
        var blockY = [Double](repeating: 0, count: n), blockX = blockY
        var blockIndex = [Int](repeating: 0, count: n)
        var lower = [Double](repeating: 0, count: blocks), upper = lower
        // Distribute the points in y order into their x blocks: each block comes out sorted by
        // y with ties by index (the y order's tie rule), in O(n). Two halves of the blocks
        // concurrently (each sweeps the y order and takes its own blocks' points).
        var homeSlot = [Int32](repeating: 0, count: n)
        var cascadeUp = [Int32](repeating: 0, count: n), cascadeDown = cascadeUp
        let sortedY = self.sortedY
        blockY.withUnsafeMutableBufferPointer { by in
            blockX.withUnsafeMutableBufferPointer { bx in
                blockIndex.withUnsafeMutableBufferPointer { bi in
                    homeSlot.withUnsafeMutableBufferPointer { hs in
                        cascadeUp.withUnsafeMutableBufferPointer { cu in
                            cascadeDown.withUnsafeMutableBufferPointer { cd in
                                let out = SharedPointer((by.baseAddress!, bx.baseAddress!, bi.baseAddress!, hs.baseAddress!,
                                                         cu.baseAddress!, cd.baseAddress!))
                                let halves = Swift.min(2, blocks)
                                ParallelLoop.run(iterations: halves) { half in
                                    let first = half * blocks / halves, last = (half + 1) * blocks / halves
                                    var fill = [Int](repeating: 0, count: last - first)
                                    for b in first..<last { fill[b - first] = b * size }
                                    for q in 0..<n {
                                        let i = yOrder[q], position = rankX[i], block = position / size
                                        guard block >= first && block < last else { continue }
                                        let slot = fill[block - first]
                                        fill[block - first] = slot + 1
                                        out.pointer.0[slot] = sortedY[q]
                                        out.pointer.1[slot] = x[i]
                                        out.pointer.2[slot] = i
                                        out.pointer.3[position] = Int32(slot)
                                    }
                                }
                                // The cascades: both blocks are sorted by y, so one merge-like sweep per
                                // pair of neighbours; the blocks in chunks, concurrently.
                                let chunks = Swift.min(16, blocks)
                                ParallelLoop.run(iterations: chunks) { chunk in
                                    let by = out.pointer.0
                                    for b in (chunk * blocks / chunks)..<((chunk + 1) * blocks / chunks) {
                                        let slots = (b * size)..<Swift.min((b + 1) * size, n)
                                        if b + 1 < blocks {
                                            let end = Swift.min((b + 2) * size, n)
                                            var j = (b + 1) * size
                                            for s in slots {
                                                while j < end && by[j] < by[s] { j += 1 }
                                                out.pointer.4[s] = Int32(j)
                                            }
                                        }
                                        if b > 0 {
                                            let end = b * size
                                            var j = (b - 1) * size
                                            for s in slots {
                                                while j < end && by[j] < by[s] { j += 1 }
                                                out.pointer.5[s] = Int32(j)
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
        for b in 0..<blocks {
            lower[b] = x[xOrder[b * size]]
            upper[b] = x[xOrder[Swift.min((b + 1) * size, n) - 1]]
        }
        self.blockY = blockY
        self.blockX = blockX
        self.blockIndex = blockIndex
        blockLower = lower
        blockUpper = upper
        self.homeSlot = homeSlot
        self.cascadeUp = cascadeUp
        self.cascadeDown = cascadeDown
    }

    /// Indices sorted by value, ties by index: a stable least-significant-digit radix sort
    /// (six 11-bit passes, their histograms counted in one sweep, skipping passes where every
    /// key has the same digit) on the order-preserving integer image of each value.
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
        // The six 11-bit digits' histograms in one sweep.
        let bits = 11, radix = 1 << bits, mask = radix - 1, passes = (64 + bits - 1) / bits
        var histograms = [Int](repeating: 0, count: passes * radix)
        keys.withUnsafeBufferPointer { k in
            histograms.withUnsafeMutableBufferPointer { h in
                for p in 0..<n {
                    let key = k[p]
                    for pass in 0..<passes { h[pass * radix + Int(truncatingIfNeeded: key >> UInt64(bits * pass)) & mask] += 1 }
                }
            }
        }
        for pass in 0..<passes {
            let shift = UInt64(bits * pass)
            let moved: Bool = keys.withUnsafeBufferPointer { k in
                order.withUnsafeBufferPointer { o in
                    nextKeys.withUnsafeMutableBufferPointer { nk in
                        nextOrder.withUnsafeMutableBufferPointer { no in
                            histograms.withUnsafeMutableBufferPointer { h in
                                let c = UnsafeMutableBufferPointer(rebasing: h[(pass * radix)..<((pass + 1) * radix)])
                                if c[Int(truncatingIfNeeded: k[0] >> shift) & mask] == n { return false }
                                var total = 0
                                for t in 0..<radix {
                                    let count = c[t]
                                    c[t] = total
                                    total += count
                                }
                                for p in 0..<n {
                                    let digit = Int(truncatingIfNeeded: k[p] >> shift) & mask
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
                                                    homeSlot.withUnsafeBufferPointer { hs in
                                                        cascadeUp.withUnsafeBufferPointer { cu in
                                                            cascadeDown.withUnsafeBufferPointer { cd in
                                                                body(PlanarNeighborView(
                                                                    count: count, blockSize: blockSize, xOrder: xo.baseAddress!,
                                                                    sortedX: sx.baseAddress!, yInXOrder: yx.baseAddress!,
                                                                    sortedY: sy.baseAddress!, rankX: rx.baseAddress!,
                                                                    rankY: ry.baseAddress!, blockY: by.baseAddress!,
                                                                    blockX: bx.baseAddress!, blockIndex: bi.baseAddress!,
                                                                    blockLower: bl.baseAddress!, blockUpper: bu.baseAddress!,
                                                                    homeSlot: hs.baseAddress!, cascadeUp: cu.baseAddress!,
                                                                    cascadeDown: cd.baseAddress!))
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
    let homeSlot: UnsafePointer<Int32>
    let cascadeUp: UnsafePointer<Int32>
    let cascadeDown: UnsafePointer<Int32>
}
