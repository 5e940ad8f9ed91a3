import MonteCarloCore

extension KSGComputation {
    /// The pass of ``evaluate(_:data:xs:ys:jointTree:xCounter:yCounter:psi:algorithm:k:into:)``
    /// with the jackknife's pieces, for any dimensions but 1 + 1: the same neighbours, radii,
    /// counts and terms, and the jackknife's replacement radii counted in the same traversal.
    ///
    /// First the k + 1 nearest of every point in the joint tree (the radii from the first k),
    /// then the replacement radii (`KSGJackknife.Replacement`), then per marginal the counts at
    /// the estimate's radius and at the one or two replacement radii: in a marginal tree one
    /// traversal per point counts all of them and records the estimate's window for the
    /// jackknife's scatter (`TreeWindows`), instead of a traversal per radius and one more for
    /// the scatter; on a line, the sorted windows as before. Counts are integers and exact on
    /// either route, so the terms, the value and the jackknife are those of separate passes.
    /// - Returns: The number of zero k-NN distances, the two marginals and what the jackknife reuses.
    static func recountedPass(_ data: PairedSamples, xs: [Double], ys: [Double], psi: [Double],
                              algorithm: KSGEstimator.Algorithm, k: Int, chunks: Int,
                              into points: inout KSGJackknife.PointData)
        -> (zeros: Int, x: KSGJackknife.Marginal, y: KSGJackknife.Marginal, recounted: KSGJackknife.Recounted)
    {
        let n = data.count, dx = data.xDimension, dy = data.yDimension, d = dx + dy, search = k + 1
        let jointTree = data.joint.withUnsafeBufferPointer { KDTree($0, count: n, dimension: d) }
        var zeroCounts = [Int](repeating: 0, count: chunks)
        points.withOutputs { output in
            zeroCounts.withUnsafeMutableBufferPointer { zerosBuffer in
                let zeros = SharedPointer(zerosBuffer.baseAddress!)
                ParallelLoop.run(iterations: chunks) { chunk in
                    let range = (chunk * n / chunks)..<((chunk + 1) * n / chunks)
                    zeros.pointer[chunk] = nearestRadii(range, data: data, xs: xs, ys: ys, jointTree: jointTree,
                                                        algorithm: algorithm, k: k, search: search, into: output)
                }
            }
        }
        let radii = KSGJackknife.Replacement(points: points, xs: xs, ys: ys, dx: dx, dy: dy, algorithm: algorithm, k: k,
                                             chunks: chunks)
        let strict = algorithm == .one, two = algorithm == .two
        // Counts at [the estimate's radius, keep, other (algorithm 2)] and, in a tree, the recorded window.
        func count(_ marginal: KSGJackknife.Marginal, _ values: [Double], _ dimension: Int, _ own: [Double],
                   _ keep: [Double], _ other: [Double]) -> (counts: [[Int]], windows: (TreeWindows, KDTree)?) {
            switch marginal {
            case .tree(let tree):
                let windows = TreeWindows(tree: tree, radii: two ? [own, keep, other] : [own, keep], coordinates: values,
                                          strict: strict, chunks: chunks)
                return (windows.counts, (windows, tree))
            case .line:
                var counts = [marginal.counts(own, coordinates: values, dimension: dimension, strict: strict, chunks: chunks),
                              marginal.counts(keep, coordinates: values, dimension: dimension, strict: strict, chunks: chunks)]
                if two { counts.append(marginal.counts(other, coordinates: values, dimension: dimension, strict: false, chunks: chunks)) }
                return (counts, nil)
            }
        }
        let x = KSGJackknife.Marginal(xs, count: n, dimension: dx), y = KSGJackknife.Marginal(ys, count: n, dimension: dy)
        let inX = count(x, xs, dx, points.radiusX, radii.keepX, radii.otherX)
        let inY = count(y, ys, dy, points.radiusY, radii.keepY, radii.otherY)
        for i in 0..<n {
            // Counts include the point itself (for a strict count unless ε = 0).
            let own = !strict || points.radiusX[i] > 0 ? 1 : 0
            let nx = inX.counts[0][i] - own, ny = inY.counts[0][i] - own
            points.countX[i] = nx
            points.countY[i] = ny
            points.terms[i] = strict ? -(psi[nx + 1] + psi[ny + 1]) : -(psi[nx] + psi[ny])
        }
        let recounted = KSGJackknife.Recounted(
            radii: radii, keepX: inX.counts[1], keepY: inY.counts[1], otherX: two ? inX.counts[2] : [],
            otherY: two ? inY.counts[2] : [], windowsX: inX.windows, windowsY: inY.windows)
        return (zeroCounts.reduce(0, +), x, y, recounted)
    }

    /// The k + 1 nearest neighbours (`output.neighbours`) and the radii (`output.radiusX`,
    /// `radiusY`: ε for algorithm 1, the marginal extents of the first k for algorithm 2) of the
    /// points at joint-tree positions `range`, as in `evaluate`; returns the number of zero k-NN distances.
    static func nearestRadii(_ range: Range<Int>, data: PairedSamples, xs: [Double], ys: [Double], jointTree: KDTree,
                             algorithm: KSGEstimator.Algorithm, k: Int, search: Int, into output: PointOutputs) -> Int {
        let dx = data.xDimension, dy = data.yDimension, d = dx + dy
        let distances = UnsafeMutablePointer<Double>.allocate(capacity: search)
        let stack = UnsafeMutablePointer<Int>.allocate(capacity: KDTree.stackCapacity)
        let scratch = UnsafeMutablePointer<Double>.allocate(capacity: KDTree.leafSize)
        defer {
            distances.deallocate()
            stack.deallocate()
            scratch.deallocate()
        }
        let found = output.neighbours!, radiusX = output.radiusX!, radiusY = output.radiusY!
        var zeros = 0
        jointTree.withView { tree in
            data.joint.withUnsafeBufferPointer { joint in
                xs.withUnsafeBufferPointer { xp in
                    ys.withUnsafeBufferPointer { yp in
                        for position in range {
                            let i = tree.indices[position]
                            let neighbours = found + i * search
                            tree.nearest(joint.baseAddress! + i * d, k: search, excluding: i, distances: distances,
                                         neighbours: neighbours, stack: stack, scratch: scratch)
                            if distances[k - 1] == 0 { zeros += 1 }
                            switch algorithm {
                            case .one:
                                radiusX[i] = distances[k - 1]
                                radiusY[i] = distances[k - 1]
                            case .two:
                                let xq = xp.baseAddress! + i * dx, yq = yp.baseAddress! + i * dy
                                var ex = 0.0, ey = 0.0
                                for t in 0..<k {
                                    let j = neighbours[t]
                                    for c in 0..<dx { ex = max(ex, abs(xp[j * dx + c] - xq[c])) }
                                    for c in 0..<dy { ey = max(ey, abs(yp[j * dy + c] - yq[c])) }
                                }
                                radiusX[i] = ex
                                radiusY[i] = ey
                            }
                        }
                    }
                }
            }
        }
        return zeros
    }
}
