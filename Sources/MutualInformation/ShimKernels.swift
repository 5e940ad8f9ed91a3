internal import MonteCarloShims

/// The module's only door to its C kernels (`Sources/MonteCarloShims`): thin, typed wrappers
/// over the score-matrix and KSG kernels. Each call is single-threaded and deterministic; the
/// callers split the work into a fixed number of items and merge them in a fixed order.
enum ShimKernels {
    /// The off-diagonal maximum of rows `rows` of a B×B row-major matrix (−∞ if none), writing
    /// `diagonal[i] = S[i, i]` for those rows, and with a `sampleStride` > 0 the rows' off-diagonal
    /// entries at row-major indices that are multiples of it to `sample`, in order.
    static func offDiagonalMaximum(_ scores: UnsafePointer<Double>, batchSize: Int, rows: Range<Int>,
                                   diagonal: UnsafeMutablePointer<Double>, sampleStride: Int = 0,
                                   sample: UnsafeMutablePointer<Double>? = nil) -> Double {
        mc_score_offdiagonal_max(scores, Int64(batchSize), Int64(rows.lowerBound), Int64(rows.upperBound), diagonal,
                                 Int64(sampleStride), sample)
    }

    /// The weights w = exp(min(max(S + logShift, −clip), clip) − maximum) of the partition bounds
    /// and what to collect besides their sums.
    struct PartitionParameters {
        var logShift: Double
        var clip: Double
        var maximum: Double
        var pairShift: Double
        var tailFloor: Double
        /// How many of a band's largest weights to keep (0: none).
        var tailCapacity: Int
        /// Whether to sum softplus(S) over the off-diagonal entries too.
        var softplus: Bool
        /// `nil`, or B per-row shifts added to S before clipping (InfoNCE: −log Σⱼ e^{Sᵢⱼ}).
        var rowShift: SharedPointer<UnsafePointer<Double>?> = SharedPointer(nil)
    }

    /// The scalar sums of one band (see `mc_partition_band`).
    struct BandSums {
        var squares: Double
        var pairSquares: Double
        var softplusSum: Double
        var tailCount: Int
    }

    /// Row/column sums, squares, pair squares, tail candidates (and softplus sum) of the pairs
    /// i < j with i in rows [64·band, 64·band + 64).
    ///
    /// - Parameters:
    ///   - rowSums, columnSums: B − 64·band entries, entry k for index 64·band + k (added to).
    ///   - tail: Room for 4 · `tailCapacity` values.
    ///   - workspace: Room for 3 · 64 · 64 values.
    static func partitionBand(_ scores: UnsafePointer<Double>, batchSize: Int, band: Int, _ parameters: PartitionParameters,
                              rowSums: UnsafeMutablePointer<Double>, columnSums: UnsafeMutablePointer<Double>,
                              tail: UnsafeMutablePointer<Double>, workspace: UnsafeMutablePointer<Double>) -> BandSums {
        var c = mc_partition_parameters(
            log_shift: parameters.logShift, clip: parameters.clip, maximum: parameters.maximum,
            pair_shift: parameters.pairShift, tail_floor: parameters.tailFloor, tail_capacity: Int64(parameters.tailCapacity),
            softplus: parameters.softplus ? 1 : 0, row_shift: parameters.rowShift.pointer)
        var sums = mc_partition_band_sums()
        mc_partition_band(scores, Int64(batchSize), Int64(band), &c, rowSums, columnSums, tail, workspace, &sums)
        return BandSums(squares: sums.squares, pairSquares: sums.pair_squares, softplusSum: sums.softplus_sum,
                        tailCount: Int(sums.tail_count))
    }

    /// The band size of ``partitionBand(_:batchSize:band:_:rowSums:columnSums:tail:workspace:)``.
    static let bandRows = 64

    /// InfoNCE rows: rowMaximum[i], rowSum[i] = Σⱼ e^{Sᵢⱼ − max}, and columnSums[j] += the
    /// row-softmax entries, rows in order. `buffer` holds B values.
    static func infoNCERows(_ scores: UnsafePointer<Double>, batchSize: Int, rows: Range<Int>,
                            rowMaximum: UnsafeMutablePointer<Double>, rowSum: UnsafeMutablePointer<Double>,
                            columnSums: UnsafeMutablePointer<Double>, buffer: UnsafeMutablePointer<Double>) {
        mc_infonce_rows(scores, Int64(batchSize), Int64(rows.lowerBound), Int64(rows.upperBound), rowMaximum, rowSum,
                        columnSums, buffer)
    }

    /// For the positions p in `positions` of an increasing array: counts[p − lowerBound] =
    /// #{q : |sorted[q] − sorted[p]| < radius[p − lowerBound]} when `strict` (0 for a radius ≤ 0),
    /// else ≤ radius; p itself included. Exact (the reference's predicates). With `lefts`, also
    /// each window's first position (the window is lefts[·] ..< lefts[·] + counts[·]).
    static func rangeCounts(_ sorted: UnsafePointer<Double>, count n: Int, radius: UnsafePointer<Double>, strict: Bool,
                            positions: Range<Int>, into counts: UnsafeMutablePointer<Int>,
                            lefts: UnsafeMutablePointer<Int>? = nil) {
        func wide(_ p: UnsafeMutablePointer<Int>) -> UnsafeMutablePointer<Int64> {
            UnsafeMutableRawPointer(p).assumingMemoryBound(to: Int64.self)  // Int is Int64 on every supported platform
        }
        mc_ksg_range_counts(sorted, Int64(n), radius, strict ? 1 : 0, Int64(positions.lowerBound),
                            Int64(positions.upperBound), wide(counts), lefts.map(wide))
    }

    /// The KSG radii of the points at x positions `positions` (see `mc_ksg_plane_radii`):
    /// radiusX by x position and radiusY by y position; returns the number of zero k-NN distances.
    static func planeRadii(_ view: PlanarNeighborView, x: UnsafePointer<Double>, y: UnsafePointer<Double>,
                           positions: Range<Int>, k: Int, algorithmTwo: Bool, radiusX: UnsafeMutablePointer<Double>,
                           radiusY: UnsafeMutablePointer<Double>) -> Int {
        func wide(_ p: UnsafePointer<Int>) -> UnsafePointer<Int64> {
            UnsafeRawPointer(p).assumingMemoryBound(to: Int64.self)  // Int is Int64 on every supported platform
        }
        var plane = mc_ksg_plane(
            count: Int64(view.count), block_size: Int64(view.blockSize), sorted_x: view.sortedX,
            y_in_x_order: view.yInXOrder, x_order: wide(view.xOrder), rank_y: wide(view.rankY), block_y: view.blockY,
            block_x: view.blockX, block_index: wide(view.blockIndex), block_lower: view.blockLower,
            block_upper: view.blockUpper, x: x, y: y, home_slot: view.homeSlot, cascade_up: view.cascadeUp,
            cascade_down: view.cascadeDown)
        let distances = UnsafeMutablePointer<Double>.allocate(capacity: k)
        let neighbours = UnsafeMutablePointer<Int64>.allocate(capacity: k)
        defer {
            distances.deallocate()
            neighbours.deallocate()
        }
        return Int(mc_ksg_plane_radii(&plane, Int64(positions.lowerBound), Int64(positions.upperBound), Int64(k),
                                      algorithmTwo ? 1 : 0, radiusX, radiusY, distances, neighbours))
    }
}
