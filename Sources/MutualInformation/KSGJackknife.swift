import Foundation
import MonteCarloCore

/// The leave-one-out (jackknife) values of a KSG estimate, computed from one pass's neighbours,
/// counts and windows instead of N recomputations: exactly, or with the other points' radii held
/// fixed.
///
/// Removing point j changes the other points' terms in two ways, and nothing else:
/// - for each i that does not have j among its k nearest neighbours, j leaves i's marginal
///   windows (if it was inside), so nₓ(i) or n_y(i) drops by one and tᵢ rises by
///   ψ(nₓ + 1) − ψ(nₓ) (algorithm 1) or ψ(nₓ) − ψ(nₓ − 1) (algorithm 2);
/// - for each i that has j among its k nearest neighbours, the (k + 1)-th neighbour takes j's
///   place: for algorithm 1 ε(i) becomes the (k + 1)-th distance, for algorithm 2 the marginal
///   extents are the largest among the new k neighbours (two possible values per marginal,
///   depending on whether j held the largest), and the counts are redone at the new radii.
/// So one extra neighbour per point, one or two extra counts per marginal, and a scatter of
/// each point's increments over its marginal windows give all N leave-one-out sums
/// S₋ⱼ = S − tⱼ + aⱼ + bⱼ exactly (checked against N recomputations in the tests).
///
/// **Fixed radii** (without `recounted`, as ``KSGEstimator`` uses it when X and Y are both
/// one-dimensional and its blocks hold at least 1024 points): the second effect is left out, S₋ⱼ = S − tⱼ + aⱼ, the leave-one-out sums
/// with every other point's radius held at its value (checked against recomputation with fixed
/// radii in the tests). That needs only the estimate's own counts and windows: the extra
/// neighbour, the extra counts and the corrections cost more than the estimate itself in one
/// dimension. Rescaled on subsamples, the two calibrate alike in 1 + 1 dimensions but not in
/// 10 + 10, where the replacements carry much of the variance (see the MutualInformation article
/// "Standard errors of the plug-in estimators").
struct KSGJackknife {
    /// The delete-one jackknife variance ((N − 1)/N) Σⱼ (Î₋ⱼ − Ī₋)² = Σⱼ (Dⱼ − D̄)² / (N(N − 1)),
    /// Dⱼ = S − S₋ⱼ. Exact: by the Efron–Stein inequality its expectation is at least
    /// Var(Î_{N−1}) for any symmetric statistic of i.i.d. data; for KSG it is measured 1.5–2.9
    /// times too large. With fixed radii it is another multiple of Var(Î_N); both are rescaled
    /// on subsamples by ``KSGEstimator``.
    let variance: Double

    /// Which leave-one-out values.
    enum Kind {
        /// The exact delete-one values (needs `recounted`).
        case exact
        /// With every other point's radius held fixed (one-dimensional X and Y).
        case fixedRadii
    }

    /// One marginal space for counting within a radius and for spreading weights over windows.
    enum Marginal {
        /// One dimension: the values in increasing order and the original index at each position.
        case line(sorted: [Double], order: [Int])
        /// Several dimensions: a k-d tree.
        case tree(KDTree)

        init(_ values: [Double], count n: Int, dimension: Int) {
            if dimension == 1 {
                let order = PlanarNeighborIndex.order(values)
                self = .line(sorted: order.map { values[$0] }, order: order)
            } else {
                self = .tree(values.withUnsafeBufferPointer { KDTree($0, count: n, dimension: dimension) })
            }
        }
    }

    /// The windows of the points of a sorted line (by sorted position): how many points each
    /// holds, the first position it holds, and its radius.
    struct Windows {
        var counts: [Int]
        var lefts: [Int]
        var radii: [Double]
    }

    /// What one KSG pass knows about each point (all by original index).
    struct PointData {
        /// tᵢ = −ψ(nₓ + 1) − ψ(n_y + 1) (algorithm 1) or −ψ(nₓ) − ψ(n_y) (algorithm 2).
        var terms: [Double]
        /// nₓ(i), n_y(i) as used in tᵢ (the point itself excluded).
        var countX: [Int]
        var countY: [Int]
        /// The window radii (ε for algorithm 1, the marginal extents for algorithm 2).
        var radiusX: [Double]
        var radiusY: [Double]
        /// The k + 1 nearest neighbours of each point (k + 1 per point, ties by index); empty
        /// with fixed radii.
        var neighbours: [Int]
    }

    /// - Parameters:
    ///   - xs, ys: Row-major coordinates by original index (d_x and d_y per point).
    ///   - psi: ψ at integers, psi[m] = ψ(m) for m ≥ 1.
    ///   - windows: For line marginals, the windows at `points.radiusX` and `points.radiusY` if the
    ///     pass already has them (else they are counted here).
    ///   - recounted: The replacement radii and their counts, with the recorded windows of tree
    ///     marginals, for the exact jackknife; `nil` for the jackknife with fixed radii.
    init(points: PointData, xs: [Double], ys: [Double], dx: Int, dy: Int, x: Marginal, y: Marginal,
         windows: (x: Windows, y: Windows)? = nil, recounted: Recounted? = nil, psi: [Double],
         algorithm: KSGEstimator.Algorithm, k: Int, chunks: Int) {
        let n = points.terms.count, strict = algorithm == .one
        var weightX = [Double](repeating: 0, count: n), weightY = weightX
        weightX.withUnsafeMutableBufferPointer { wx in
            weightY.withUnsafeMutableBufferPointer { wy in
                let out = SharedPointer((wx.baseAddress!, wy.baseAddress!))
                ParallelLoop.run(iterations: chunks) { chunk in
                    for i in (chunk * n / chunks)..<((chunk + 1) * n / chunks) {
                        out.pointer.0[i] = Self.increment(points.countX[i], psi: psi, algorithm: algorithm)
                        out.pointer.1[i] = Self.increment(points.countY[i], psi: psi, algorithm: algorithm)
                    }
                }
            }
        }
        let incrementsX = weightX, incrementsY = weightY
        // aⱼ: the increments of every i whose window holds j (j ≠ i).
        // The two marginals concurrently (a tree's spread is one serial traversal per point).
        var spreads = [[Double]](repeating: [], count: 2)
        spreads.withUnsafeMutableBufferPointer { buffer in
            let out = SharedPointer(buffer.baseAddress!)
            ParallelLoop.run(iterations: 2) { which in
                if which == 0 {
                    out.pointer[0] = recounted?.windowsX.map { $0.spread(incrementsX, tree: $1) }
                        ?? x.spread(incrementsX, radii: points.radiusX, coordinates: xs, dimension: dx, strict: strict,
                                    chunks: chunks, windows: windows?.x)
                } else {
                    out.pointer[1] = recounted?.windowsY.map { $0.spread(incrementsY, tree: $1) }
                        ?? y.spread(incrementsY, radii: points.radiusY, coordinates: ys, dimension: dy, strict: strict,
                                    chunks: chunks, windows: windows?.y)
                }
            }
        }
        let spreadX = spreads[0], spreadY = spreads[1]
        var leaveOneOut = [Double](repeating: 0, count: n)
        leaveOneOut.withUnsafeMutableBufferPointer { buffer in
            let out = SharedPointer(buffer.baseAddress!)
            ParallelLoop.run(iterations: chunks) { chunk in
                for j in (chunk * n / chunks)..<((chunk + 1) * n / chunks) {
                    // Remove j's own window from its spread: it holds itself unless a strict radius is 0.
                    let selfX = !strict || points.radiusX[j] > 0 ? incrementsX[j] : 0
                    let selfY = !strict || points.radiusY[j] > 0 ? incrementsY[j] : 0
                    out.pointer[j] = points.terms[j] - (spreadX[j] - selfX) - (spreadY[j] - selfY)
                }
            }
        }
        if let recounted {
            leaveOneOut.withUnsafeMutableBufferPointer { buffer in
                Self.replaceNeighbours(in: buffer, points: points, increments: (incrementsX, incrementsY),
                                       recounted: recounted, psi: psi, algorithm: algorithm, k: k, chunks: chunks)
            }
        }
        var moments = RunningMoments()
        moments.add(contentsOf: leaveOneOut)
        variance = moments.sampleVariance / Double(n)
    }

    /// Adds bⱼ to the leave-one-out differences: for the pairs (i, j) with j among i's k
    /// neighbours, the change of tᵢ when j leaves (i's radii move to the replacement radii),
    /// replacing the count decrements counted in aⱼ.
    static func replaceNeighbours(in leaveOneOut: UnsafeMutableBufferPointer<Double>, points: PointData,
                                  increments: (x: [Double], y: [Double]), recounted: Recounted, psi: [Double],
                                  algorithm: KSGEstimator.Algorithm, k: Int, chunks: Int) {
        let n = points.terms.count
        let radii = recounted.radii
        let keepX = recounted.keepX, keepY = recounted.keepY, otherX = recounted.otherX, otherY = recounted.otherY
        let incrementsX = increments.x, incrementsY = increments.y
        var corrections = [Double](repeating: 0, count: n * k)
        corrections.withUnsafeMutableBufferPointer { buffer in
            let out = SharedPointer(buffer.baseAddress!)
            ParallelLoop.run(iterations: chunks) { chunk in
                for i in (chunk * n / chunks)..<((chunk + 1) * n / chunks) {
                    let term = points.terms[i]
                    let base = i * (k + 1)
                    for s in 0..<k {
                        let gx = radii.gapsX[base + s], gy = radii.gapsY[base + s]
                        let changed: Double, counted: Double
                        switch algorithm {
                        case .one:
                            // ε becomes the (k + 1)-th joint distance whichever neighbour leaves.
                            let epsilon = radii.keepX[i], own = epsilon > 0 ? 1 : 0
                            let mx = keepX[i] - own - (gx < epsilon ? 1 : 0), my = keepY[i] - own - (gy < epsilon ? 1 : 0)
                            changed = -(psi[mx + 1] + psi[my + 1])
                            counted = (gx < points.radiusX[i] ? incrementsX[i] : 0) + (gy < points.radiusY[i] ? incrementsY[i] : 0)
                        case .two:
                            // The extents without j: `other` if j held the largest, else `keep`.
                            let holdsX = s == radii.largestX[i], holdsY = s == radii.largestY[i]
                            let ex = holdsX ? radii.otherX[i] : radii.keepX[i], ey = holdsY ? radii.otherY[i] : radii.keepY[i]
                            let cx = holdsX ? otherX[i] : keepX[i], cy = holdsY ? otherY[i] : keepY[i]
                            let mx = cx - 1 - (gx <= ex ? 1 : 0), my = cy - 1 - (gy <= ey ? 1 : 0)
                            changed = -(psi[max(mx, 1)] + psi[max(my, 1)])
                            counted = (gx <= points.radiusX[i] ? incrementsX[i] : 0) + (gy <= points.radiusY[i] ? incrementsY[i] : 0)
                        }
                        out.pointer[i * k + s] = changed - term - counted
                    }
                }
            }
        }
        for i in 0..<n {
            for s in 0..<k { leaveOneOut[points.neighbours[i * (k + 1) + s]] -= corrections[i * k + s] }
        }
    }

    /// The increment of a point's term when one point leaves one of its marginal windows, which
    /// holds `count` points besides it: ψ(count + 1) − ψ(count) (algorithm 1) or
    /// ψ(count) − ψ(count − 1) (algorithm 2), 0 when the window holds none that could leave.
    @inline(__always)
    static func increment(_ count: Int, psi: [Double], algorithm: KSGEstimator.Algorithm) -> Double {
        switch algorithm {
        case .one: return count >= 1 ? psi[count + 1] - psi[count] : 0
        case .two: return count >= 2 ? psi[count] - psi[count - 1] : 0
        }
    }

    /// The replacement radii with their counts, found by the estimate's own pass (see
    /// `KSGComputation/recountedPass`), and for tree marginals the recorded windows (with their
    /// trees) that replace the scatter's traversals.
    struct Recounted {
        var radii: Replacement
        var keepX: [Int], keepY: [Int]
        /// Empty for algorithm 1.
        var otherX: [Int], otherY: [Int]
        var windowsX: (TreeWindows, KDTree)?, windowsY: (TreeWindows, KDTree)?
    }

    /// The radii of point i's windows once one of its k neighbours has left: for algorithm 1 the
    /// (k + 1)-th joint distance (`keepX` = `keepY`); for algorithm 2 the largest marginal
    /// distances among the k + 1 nearest without the neighbour, which is `keep` unless the
    /// neighbour at slot `largest` left, then `other`.
    struct Replacement {
        var keepX: [Double], keepY: [Double]
        var otherX: [Double], otherY: [Double]
        var largestX: [Int], largestY: [Int]
        /// The marginal max-norm distances from each point to its k + 1 nearest neighbours
        /// (k + 1 per point, in neighbour order).
        var gapsX: [Double], gapsY: [Double]

        init(points: PointData, xs: [Double], ys: [Double], dx: Int, dy: Int, algorithm: KSGEstimator.Algorithm, k: Int,
             chunks: Int) {
            let n = points.terms.count, two = algorithm == .two
            keepX = [Double](repeating: 0, count: n)
            keepY = keepX
            otherX = two ? keepX : []
            otherY = otherX
            largestX = two ? [Int](repeating: 0, count: n) : []
            largestY = largestX
            gapsX = [Double](repeating: 0, count: n * (k + 1))
            gapsY = gapsX
            var outputs = Outputs()
            outputs.with(&self) { out in
                points.neighbours.withUnsafeBufferPointer { nb in
                    xs.withUnsafeBufferPointer { xp in
                        ys.withUnsafeBufferPointer { yp in
                            let input = SharedPointer((nb.baseAddress!, xp.baseAddress!, yp.baseAddress!))
                            // Each chunk writes the entries of its own points.
                            ParallelLoop.run(iterations: chunks) { chunk in
                                for i in (chunk * n / chunks)..<((chunk + 1) * n / chunks) {
                                    Self.replace(i, neighbours: input.pointer.0, xs: input.pointer.1, ys: input.pointer.2,
                                                 dx: dx, dy: dy, k: k, two: two, into: out)
                                }
                            }
                        }
                    }
                }
            }
        }

        /// Pointers to a `Replacement`'s arrays (the optional ones `nil` for algorithm 1).
        struct Outputs: @unchecked Sendable {
            var keepX: UnsafeMutablePointer<Double>? = nil, keepY: UnsafeMutablePointer<Double>? = nil
            var otherX: UnsafeMutablePointer<Double>? = nil, otherY: UnsafeMutablePointer<Double>? = nil
            var largestX: UnsafeMutablePointer<Int>? = nil, largestY: UnsafeMutablePointer<Int>? = nil
            var gapsX: UnsafeMutablePointer<Double>? = nil, gapsY: UnsafeMutablePointer<Double>? = nil

            /// Runs `body` with pointers to the arrays of `r` (empty arrays give nil).
            mutating func with(_ r: inout Replacement, _ body: (Outputs) -> Void) {
                r.keepX.withUnsafeMutableBufferPointer { a in keepX = a.baseAddress
                    r.keepY.withUnsafeMutableBufferPointer { a in keepY = a.baseAddress
                        r.otherX.withUnsafeMutableBufferPointer { a in otherX = a.isEmpty ? nil : a.baseAddress
                            r.otherY.withUnsafeMutableBufferPointer { a in otherY = a.isEmpty ? nil : a.baseAddress
                                r.largestX.withUnsafeMutableBufferPointer { a in largestX = a.isEmpty ? nil : a.baseAddress
                                    r.largestY.withUnsafeMutableBufferPointer { a in largestY = a.isEmpty ? nil : a.baseAddress
                                        r.gapsX.withUnsafeMutableBufferPointer { a in gapsX = a.baseAddress
                                            r.gapsY.withUnsafeMutableBufferPointer { a in
                                                gapsY = a.baseAddress
                                                body(self)
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

        /// Point i's gaps to its k + 1 nearest and its radii once one of its k neighbours has left.
        @inline(__always)
        static func replace(_ i: Int, neighbours nb: UnsafePointer<Int>, xs: UnsafePointer<Double>, ys: UnsafePointer<Double>,
                            dx: Int, dy: Int, k: Int, two: Bool, into out: Outputs) {
            let ax = out.gapsX! + i * (k + 1), ay = out.gapsY! + i * (k + 1)
            if dx == 1 && dy == 1 {
                for t in 0...k {
                    let j = nb[i * (k + 1) + t]
                    ax[t] = abs(xs[j] - xs[i])
                    ay[t] = abs(ys[j] - ys[i])
                }
            } else {
                for t in 0...k {
                    let j = nb[i * (k + 1) + t]
                    var gx = 0.0, gy = 0.0
                    for c in 0..<dx { gx = max(gx, abs(xs[j * dx + c] - xs[i * dx + c])) }
                    for c in 0..<dy { gy = max(gy, abs(ys[j * dy + c] - ys[i * dy + c])) }
                    ax[t] = gx
                    ay[t] = gy
                }
            }
            if !two {
                out.keepX![i] = max(ax[k], ay[k])
                out.keepY![i] = out.keepX![i]
                return
            }
            var firstX = 0, firstY = 0
            for t in 1..<max(k, 1) {
                if ax[t] > ax[firstX] { firstX = t }
                if ay[t] > ay[firstY] { firstY = t }
            }
            var restX = ax[k], restY = ay[k]
            for t in 0..<k {
                if t != firstX { restX = max(restX, ax[t]) }
                if t != firstY { restY = max(restY, ay[t]) }
            }
            out.keepX![i] = max(ax[firstX], ax[k])
            out.keepY![i] = max(ay[firstY], ay[k])
            out.otherX![i] = restX
            out.otherY![i] = restY
            out.largestX![i] = firstX
            out.largestY![i] = firstY
        }
    }
}

extension KSGJackknife.Marginal {
    /// counts[i] = #{points within radii[i] of point i} (max norm, strict or not, i included).
    func counts(_ radii: [Double], coordinates values: [Double], dimension d: Int, strict: Bool, chunks: Int) -> [Int] {
        let n = radii.count
        var result = [Int](repeating: 0, count: n)
        switch self {
        case .line(let sorted, let order):
            let windows = Self.windows(sorted: sorted, order: order, radii: radii, strict: strict, chunks: chunks)
            for p in 0..<n { result[order[p]] = windows.counts[p] }
        case .tree(let tree):
            result.withUnsafeMutableBufferPointer { buffer in
                let out = SharedPointer(buffer.baseAddress!)
                ParallelLoop.run(iterations: chunks) { chunk in
                    let stack = UnsafeMutablePointer<Int>.allocate(capacity: KDTree.stackCapacity)
                    let scratch = UnsafeMutablePointer<Double>.allocate(capacity: KDTree.leafSize)
                    defer {
                        stack.deallocate()
                        scratch.deallocate()
                    }
                    tree.withView { view in
                        values.withUnsafeBufferPointer { v in
                            for i in (chunk * n / chunks)..<((chunk + 1) * n / chunks) {
                                out.pointer[i] = view.count(v.baseAddress! + i * d, radius: radii[i], strict: strict,
                                                            stack: stack, scratch: scratch)
                            }
                        }
                    }
                }
            }
        }
        return result
    }

    /// The windows of a sorted line by position: counts and first positions (C kernel
    /// `mc_ksg_range_counts`, queries in sorted order), radii given by original index.
    static func windows(sorted: [Double], order: [Int], radii: [Double], strict: Bool, chunks: Int) -> KSGJackknife.Windows {
        let n = sorted.count
        var byPosition = [Double](repeating: 0, count: n)
        for p in 0..<n { byPosition[p] = radii[order[p]] }
        var counts = [Int](repeating: 0, count: n), lefts = counts
        counts.withUnsafeMutableBufferPointer { c in
            lefts.withUnsafeMutableBufferPointer { l in
                sorted.withUnsafeBufferPointer { s in
                    byPosition.withUnsafeBufferPointer { r in
                        let pointers = SharedPointer((c.baseAddress!, l.baseAddress!, s.baseAddress!, r.baseAddress!))
                        ParallelLoop.run(iterations: chunks) { chunk in
                            let range = (chunk * n / chunks)..<((chunk + 1) * n / chunks)
                            ShimKernels.rangeCounts(pointers.pointer.2, count: n, radius: pointers.pointer.3 + range.lowerBound,
                                                    strict: strict, positions: range, into: pointers.pointer.0 + range.lowerBound,
                                                    lefts: pointers.pointer.1 + range.lowerBound)
                        }
                    }
                }
            }
        }
        return KSGJackknife.Windows(counts: counts, lefts: lefts, radii: byPosition)
    }

    /// result[j] = Σ over i whose window (radius radii[i] around point i) holds j of weights[i],
    /// i = j included.
    /// `windows`, if given, are the line's windows at `radii` (as ``windows(sorted:order:radii:strict:chunks:)``
    /// would count them).
    func spread(_ weights: [Double], radii: [Double], coordinates values: [Double], dimension d: Int, strict: Bool,
                chunks: Int, windows known: KSGJackknife.Windows? = nil) -> [Double] {
        let n = weights.count
        switch self {
        case .line(let sorted, let order):
            // Each window is a run of positions: add its weight at the first and remove it after the last.
            var difference = [Double](repeating: 0, count: n + 1)
            let windows = known ?? Self.windows(sorted: sorted, order: order, radii: radii, strict: strict, chunks: chunks)
            for p in 0..<n where windows.counts[p] > 0 {
                let weight = weights[order[p]]
                difference[windows.lefts[p]] += weight
                difference[windows.lefts[p] + windows.counts[p]] -= weight
            }
            var result = [Double](repeating: 0, count: n)
            var running = 0.0
            for p in 0..<n {
                running += difference[p]
                result[order[p]] = running
            }
            return result
        case .tree(let tree):
            return tree.withView { view in
                var nodeSums = [Double](repeating: 0, count: tree.nodes.count)
                var pointSums = [Double](repeating: 0, count: n)
                let stack = UnsafeMutablePointer<Int>.allocate(capacity: KDTree.stackCapacity)
                defer { stack.deallocate() }
                values.withUnsafeBufferPointer { v in
                    for i in 0..<n where weights[i] != 0 {
                        view.spread(weights[i], over: v.baseAddress! + i * d, radius: radii[i], strict: strict,
                                    nodeSums: &nodeSums, pointSums: &pointSums, stack: stack)
                    }
                }
                return Self.passDown(nodeSums: nodeSums, pointSums: pointSums, tree: tree)
            }
        }
    }

    /// result[tree.indices[p]] = pointSums[p] + the nodeSums of the nodes holding position p: the
    /// node sums spread over their position ranges by a running difference array.
    static func passDown(nodeSums: [Double], pointSums: [Double], tree: KDTree) -> [Double] {
        let n = pointSums.count
        var difference = [Double](repeating: 0, count: n + 1)
        for (id, node) in tree.nodes.enumerated() where nodeSums[id] != 0 {
            difference[node.start] += nodeSums[id]
            difference[node.end] -= nodeSums[id]
        }
        var result = [Double](repeating: 0, count: n)
        var running = 0.0
        for p in 0..<n {
            running += difference[p]
            result[tree.indices[p]] = running + pointSums[p]
        }
        return result
    }
}

extension KDTreeView {
    /// Adds `weight` to every point within `radius` of q (max norm): to `nodeSums` for nodes
    /// wholly inside (to be passed down to their points afterwards), else to `pointSums` by tree
    /// position. The same traversal and predicates as ``count(_:radius:strict:stack:scratch:)``.
    func spread(_ weight: Double, over q: UnsafePointer<Double>, radius r: Double, strict: Bool,
                nodeSums: inout [Double], pointSums: inout [Double], stack: UnsafeMutablePointer<Int>) {
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
                nodeSums[id] += weight
                continue
            }
            if n.left < 0 {
                for p in n.start..<n.end {
                    let d = distance(p, q)
                    if strict ? d < r : d <= r { pointSums[p] += weight }
                }
                continue
            }
            stack[top] = n.left
            stack[top + 1] = n.right
            top += 2
        }
    }
}
