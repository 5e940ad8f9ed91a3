import MonteCarloCore

extension KSGComputation {
    /// ``evaluate(_:data:xs:ys:jointTree:xCounter:yCounter:psi:algorithm:k:into:)`` for one-dimensional
    /// X and Y, with sorted arrays instead of trees; the same neighbours, ε and counts.
    ///
    /// Three passes, each split into a fixed number of chunks (results independent of the thread
    /// count): the k nearest neighbours of every point, in x order (neighbouring queries share
    /// blocks), giving the marginal radii; the x counts in x order and the y counts in y order
    /// (C kernel `mc_ksg_range_counts`: each query's window edges are predicted from the previous
    /// query's points per unit length); then the per-point terms by original index, gathered in
    /// index order from the passes' positions.
    ///
    /// With the jackknife, `windows` receives the marginal windows of the count pass (by sorted
    /// position), which are the windows the jackknife spreads its increments over.
    /// - Returns: The number of zero k-NN distances.
    static func evaluatePlanar(plane: PlanarNeighborIndex, xs: [Double], ys: [Double], psi: [Double],
                               algorithm: KSGEstimator.Algorithm, k: Int, chunks: Int,
                               into points: inout KSGJackknife.PointData, jackknife: Bool,
                               windows: inout (x: KSGJackknife.Windows, y: KSGJackknife.Windows)?) -> Int {
        let n = plane.count
        // Radii by x position and by y position (ε for algorithm 1, the marginal extents for 2).
        var radiusX = [Double](repeating: 0, count: n), radiusY = [Double](repeating: 0, count: n)
        var zeroCounts = [Int](repeating: 0, count: chunks)
        radiusX.withUnsafeMutableBufferPointer { rx in
            radiusY.withUnsafeMutableBufferPointer { ry in
                zeroCounts.withUnsafeMutableBufferPointer { zeros in
                    let out = PlanarRadii(x: rx.baseAddress!, y: ry.baseAddress!, zeros: zeros.baseAddress!)
                    ParallelLoop.run(iterations: chunks) { chunk in
                        out.zeros[chunk] = nearestRadii((chunk * n / chunks)..<((chunk + 1) * n / chunks),
                                                        plane: plane, xs: xs, ys: ys, algorithm: algorithm, k: k, into: out)
                    }
                }
            }
        }
        // Marginal counts (point itself included): x counts by x position, y counts by y position,
        // and with the jackknife the first position of each window.
        let strict = algorithm == .one
        var countX = [Int](repeating: 0, count: n), countY = [Int](repeating: 0, count: n)
        var leftX = [Int](repeating: 0, count: jackknife ? n : 0), leftY = leftX
        countX.withUnsafeMutableBufferPointer { cx in
            countY.withUnsafeMutableBufferPointer { cy in
                leftX.withUnsafeMutableBufferPointer { lx in
                    leftY.withUnsafeMutableBufferPointer { ly in
                        plane.sortedX.withUnsafeBufferPointer { sx in
                            plane.sortedY.withUnsafeBufferPointer { sy in
                                radiusX.withUnsafeBufferPointer { rx in
                                    radiusY.withUnsafeBufferPointer { ry in
                                        let counts = SharedPointer((cx.baseAddress!, cy.baseAddress!))
                                        let lefts = SharedPointer((lx.isEmpty ? nil : lx.baseAddress,
                                                                   ly.isEmpty ? nil : ly.baseAddress))
                                        let sorted = SharedPointer((sx.baseAddress!, sy.baseAddress!))
                                        let radii = SharedPointer((rx.baseAddress!, ry.baseAddress!))
                                        ParallelLoop.run(iterations: 2 * chunks) { item in
                                            let chunk = item / 2, range = (chunk * n / chunks)..<((chunk + 1) * n / chunks)
                                            let onY = item % 2 == 1
                                            let start = range.lowerBound
                                            ShimKernels.rangeCounts(
                                                onY ? sorted.pointer.1 : sorted.pointer.0, count: n,
                                                radius: (onY ? radii.pointer.1 : radii.pointer.0) + start, strict: strict,
                                                positions: range, into: (onY ? counts.pointer.1 : counts.pointer.0) + start,
                                                lefts: (onY ? lefts.pointer.1 : lefts.pointer.0).map { $0 + start })
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        windows = jackknife
            ? (KSGJackknife.Windows(counts: countX, lefts: leftX, radii: radiusX),
               KSGJackknife.Windows(counts: countY, lefts: leftY, radii: radiusY)) : nil
        // Per-point terms by original index, in index order (each gathers from its positions:
        // sequential writes, independent reads).
        let epsilons = radiusX, radiiY = radiusY, xCounts = countX, yCounts = countY
        points.withOutputs { output in
            ParallelLoop.run(iterations: chunks) { chunk in
                for i in (chunk * n / chunks)..<((chunk + 1) * n / chunks) {
                    let position = plane.rankX[i], yPosition = plane.rankY[i]
                    let nx: Int, ny: Int
                    switch algorithm {
                    case .one:
                        // The strict count includes the point itself unless ε = 0.
                        let own = epsilons[position] > 0 ? 1 : 0
                        nx = xCounts[position] - own
                        ny = yCounts[yPosition] - own
                        output.terms[i] = -(psi[nx + 1] + psi[ny + 1])
                    case .two:
                        nx = xCounts[position] - 1
                        ny = yCounts[yPosition] - 1
                        output.terms[i] = -(psi[nx] + psi[ny])
                    }
                    output.record(i, nx, ny, epsilons[position], radiiY[yPosition])
                }
            }
        }
        return zeroCounts.reduce(0, +)
    }

    /// The k-NN radii of the points at x positions `range` (C kernel `mc_ksg_plane_radii`):
    /// `out.x[position]` and `out.y[y position]`; returns the number of zero k-NN distances.
    static func nearestRadii(_ range: Range<Int>, plane: PlanarNeighborIndex, xs: [Double], ys: [Double],
                             algorithm: KSGEstimator.Algorithm, k: Int, into out: PlanarRadii) -> Int {
        plane.withView { view in
            xs.withUnsafeBufferPointer { xp in
                ys.withUnsafeBufferPointer { yp in
                    ShimKernels.planeRadii(view, x: xp.baseAddress!, y: yp.baseAddress!, positions: range, k: k,
                                           algorithmTwo: algorithm == .two, radiusX: out.x, radiusY: out.y)
                }
            }
        }
    }
}

/// Output pointers of the neighbour pass; each chunk writes disjoint entries.
struct PlanarRadii: @unchecked Sendable {
    let x: UnsafeMutablePointer<Double>
    let y: UnsafeMutablePointer<Double>
    let zeros: UnsafeMutablePointer<Int>
}
