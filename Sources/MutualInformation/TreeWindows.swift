import MonteCarloCore

/// Max-norm range counts of every point of a k-d tree at up to three radii each, found in one
/// traversal per point, with the window of the first radius recorded as the nodes wholly inside
/// it and the single points of the leaves it cuts.
///
/// The KSG jackknife in several dimensions needs, per point and marginal, the count at the
/// estimate's radius, the counts at the radii after a neighbour leaves (one or two more), and a
/// scatter of a weight over the estimate's window (`KSGJackknife.Marginal/spread`). Separate
/// passes traverse the tree once per radius plus once for the scatter; here one traversal serves
/// all of them, and the scatter replays the recorded windows.
///
/// Exactness: for each radius the traversal makes the decisions of
/// `KDTreeView/count(_:radius:strict:stack:scratch:)` at the same nodes (a radius stays pending
/// below a node only while the node neither misses the ball nor lies wholly inside it), so the
/// counts are equal, and the recorded window holds exactly the nodes and points that
/// `KDTreeView/spread(_:over:radius:strict:nodeSums:pointSums:stack:)` adds to. Replaying the
/// windows in index order adds the same weights to the same sums in the same order, so the
/// scatter is bit-identical to the traversal's.
struct TreeWindows {
    /// counts[r][i]: points within radii[r][i] of point i (i included), r < number of radii.
    let counts: [[Int]]
    /// The recorded windows of the first radius, point by point in index order: `−1 − id` for a
    /// node wholly inside, a tree position for a single point.
    let items: [Int]
    /// Point i's window is items[starts[i]..<starts[i + 1]].
    let starts: [Int]

    /// - Parameters:
    ///   - radii: One to three arrays of n radii by original index; the first one's windows are recorded.
    ///   - values: Row-major coordinates by original index (`tree.dimension` per point).
    init(tree: KDTree, radii: [[Double]], coordinates values: [Double], strict: Bool, chunks: Int) {
        let n = tree.indices.count, m = radii.count
        precondition((1...3).contains(m), "one to three radii per point")
        // Radius r's counts at r·n + i (one flat buffer: the chunks write disjoint entries).
        var flat = [Int](repeating: 0, count: m * n)
        var lengths = [Int](repeating: 0, count: n)
        // Each chunk of tree positions records into its own buffer; stitched in index order below.
        var chunkItems = [[Int]](repeating: [], count: chunks)
        var offsets = [Int](repeating: 0, count: n)
        flat.withUnsafeMutableBufferPointer { c in
            lengths.withUnsafeMutableBufferPointer { l in
                offsets.withUnsafeMutableBufferPointer { o in
                    chunkItems.withUnsafeMutableBufferPointer { buffers in
                        let out = SharedPointer((c.baseAddress!, l.baseAddress!, o.baseAddress!, buffers.baseAddress!))
                        ParallelLoop.run(iterations: chunks) { chunk in
                            let stack = UnsafeMutablePointer<Int>.allocate(capacity: KDTree.stackCapacity)
                            let masks = UnsafeMutablePointer<Int>.allocate(capacity: KDTree.stackCapacity)
                            let scratch = UnsafeMutablePointer<Double>.allocate(capacity: KDTree.leafSize)
                            var found = (0, 0, 0)
                            var items: [Int] = []
                            defer {
                                stack.deallocate()
                                masks.deallocate()
                                scratch.deallocate()
                            }
                            tree.withView { view in
                                values.withUnsafeBufferPointer { v in
                                    // Queries in tree order: neighbouring queries visit the same nodes.
                                    for position in (chunk * n / chunks)..<((chunk + 1) * n / chunks) {
                                        let i = view.indices[position]
                                        let r = (radii[0][i], m > 1 ? radii[1][i] : 0, m > 2 ? radii[2][i] : 0)
                                        let before = items.count
                                        view.counts(v.baseAddress! + i * view.dimension, radii: r, m, strict: strict,
                                                    into: &found, recording: &items, stack: stack, masks: masks,
                                                    scratch: scratch)
                                        out.pointer.0[i] = found.0
                                        if m > 1 { out.pointer.0[n + i] = found.1 }
                                        if m > 2 { out.pointer.0[2 * n + i] = found.2 }
                                        out.pointer.1[i] = items.count - before
                                        out.pointer.2[i] = before
                                    }
                                }
                            }
                            out.pointer.3[chunk] = items
                        }
                    }
                }
            }
        }
        // Stitch the chunks' buffers into one, point by point in index order.
        var starts = [Int](repeating: 0, count: n + 1)
        for i in 0..<n { starts[i + 1] = starts[i] + lengths[i] }
        var items = [Int](repeating: 0, count: starts[n])
        for chunk in 0..<chunks {
            let source = chunkItems[chunk]
            for position in (chunk * n / chunks)..<((chunk + 1) * n / chunks) {
                let i = tree.indices[position], from = offsets[i]
                for t in 0..<lengths[i] { items[starts[i] + t] = source[from + t] }
            }
        }
        var counts: [[Int]] = []
        for r in 0..<m { counts.append(Array(flat[(r * n)..<((r + 1) * n)])) }
        self.counts = counts
        self.items = items
        self.starts = starts
    }

    /// result[j] = Σ over i whose recorded window holds j of weights[i] (i = j included): the
    /// same sums, in the same order, as `KSGJackknife.Marginal/spread` on the tree at the
    /// recorded radii.
    func spread(_ weights: [Double], tree: KDTree) -> [Double] {
        let n = weights.count
        var nodeSums = [Double](repeating: 0, count: tree.nodes.count)
        var pointSums = [Double](repeating: 0, count: n)
        for i in 0..<n where weights[i] != 0 {
            let weight = weights[i]
            for t in starts[i]..<starts[i + 1] {
                let item = items[t]
                if item < 0 { nodeSums[-1 - item] += weight } else { pointSums[item] += weight }
            }
        }
        return KSGJackknife.Marginal.passDown(nodeSums: nodeSums, pointSums: pointSums, tree: tree)
    }
}

extension KDTreeView {
    /// found.r = #{p : ‖p − q‖∞ < radius r} (strict) or ≤, for the first `m` (1…3) of `radii`,
    /// in one traversal; the nodes wholly inside radius 0 (as −1 − id) and the points inside it
    /// in the leaves it cuts (as tree positions) are appended to `recording`. `stack` and `masks`
    /// need `KDTree.stackCapacity` entries, `scratch` `KDTree.leafSize` values.
    func counts(_ q: UnsafePointer<Double>, radii: (Double, Double, Double), _ m: Int, strict: Bool,
                into found: inout (Int, Int, Int), recording: inout [Int], stack: UnsafeMutablePointer<Int>,
                masks: UnsafeMutablePointer<Int>, scratch: UnsafeMutablePointer<Double>) {
        var total = (0, 0, 0)
        let all = (1 << m) - 1
        stack[0] = 0
        masks[0] = all
        var top = 1
        @inline(__always) func radius(_ r: Int) -> Double { r == 0 ? radii.0 : r == 1 ? radii.1 : radii.2 }
        @inline(__always) func add(_ r: Int, _ amount: Int) {
            if r == 0 { total.0 &+= amount } else if r == 1 { total.1 &+= amount } else { total.2 &+= amount }
        }
        while top > 0 {
            top -= 1
            let id = stack[top], pending = masks[top]
            let near = minimumDistance(id, q)
            let node = nodes[id]
            var far = -1.0
            var open = 0
            for r in 0..<m where pending & (1 << r) != 0 {
                let limit = radius(r)
                if strict ? near >= limit : near > limit { continue }
                if far < 0 { far = maximumDistance(id, q) }
                if strict ? far < limit : far <= limit {
                    add(r, node.end - node.start)
                    if r == 0 { recording.append(-1 - id) }
                    continue
                }
                open |= 1 << r
            }
            if open == 0 { continue }
            if node.left < 0 {
                let vectorised = node.end - node.start <= KDTree.leafSize
                if vectorised { leafDistances(node.start, node.end, q, into: scratch) }
                for p in node.start..<node.end {
                    let d = vectorised ? scratch[p - node.start] : distance(p, q)
                    for r in 0..<m where open & (1 << r) != 0 {
                        let limit = radius(r)
                        if strict ? d < limit : d <= limit {
                            add(r, 1)
                            if r == 0 { recording.append(p) }
                        }
                    }
                }
                continue
            }
            stack[top] = node.left
            masks[top] = open
            stack[top + 1] = node.right
            masks[top + 1] = open
            top += 2
        }
        found = total
    }
}
