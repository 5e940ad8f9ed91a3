import MonteCarloCore

/// The sums over the off-diagonal weights wᵢⱼ = φ(Sᵢⱼ)/φ_max of a score matrix that the
/// partition bounds (NWJ, DV, JS, SMILE) and their U-statistic variance need, in one pass; with
/// a per-row shift, the same sums of InfoNCE's row-softmax weights.
///
/// The pairs i < j are visited in bands of 64 rows (C kernel `mc_partition_band`, which walks
/// each band in 64 × 64 tiles and keeps its sums in 8 fixed lanes); a band is one work item,
/// so the work is split into a fixed number of items whatever the number of threads, and the
/// items' partial sums are merged in band order: the result does not depend on the thread count
/// or on the instruction set the kernel runs on.
struct PartitionSums {
    /// Σ_{j≠i} wᵢⱼ and Σ_{j≠i} wⱼᵢ.
    var rowSums: [Double]
    var columnSums: [Double]
    /// Σ_{i≠j} wᵢⱼ².
    var squares = 0.0
    /// Σ_{i<j} ((wᵢⱼ + wⱼᵢ)/2 − pairShift)².
    var pairSquares = 0.0
    /// Σ_{i≠j} softplus(Sᵢⱼ) (0 unless asked for).
    var softplusSum = 0.0
    /// The `tailCapacity` largest off-diagonal weights, largest first (empty unless kept).
    var tail: [Double]

    /// - Parameters:
    ///   - logShift, clip, maximum: wᵢⱼ = exp(min(max(Sᵢⱼ + logShift, −clip), clip) − maximum).
    ///   - pairShift: The centre K of the pair squares.
    ///   - tailCapacity: How many of the largest weights to keep when `keepTail`.
    ///   - tailFloor: Only weights above it are candidates for the tail (−∞: all; see
    ///     ``TailFloorSample``). If fewer than `tailCapacity` exceed it, the pass is repeated
    ///     with no floor, so the kept values never depend on it.
    ///   - softplus: Whether to sum softplus(Sᵢⱼ) too (the Jensen–Shannon objective).
    ///   - rowShift: `nil`, or B values cᵢ added to row i before clipping: wᵢⱼ = exp(min(max(Sᵢⱼ +
    ///     logShift + cᵢ, −clip), clip) − maximum). InfoNCE passes cᵢ = −log Σⱼ e^{Sᵢⱼ}, making w the
    ///     row softmax. Valid for the duration of the call.
    init(_ scores: ScoreMatrix, logShift: Double, clip: Double, maximum: Double, pairShift: Double,
         tailCapacity: Int, keepTail: Bool, tailFloor floor: Double = -.infinity, softplus: Bool = false,
         rowShift: UnsafePointer<Double>? = nil) {
        let b = scores.batchSize
        var parameters = ShimKernels.PartitionParameters(
            logShift: logShift, clip: clip, maximum: maximum, pairShift: pairShift, tailFloor: floor,
            tailCapacity: keepTail ? tailCapacity : 0, softplus: softplus, rowShift: SharedPointer(rowShift))
        var parts = PartitionSums.parts(scores, parameters)
        if keepTail && floor > -.infinity && parts.reduce(0, { $0 + $1.tail.count }) < tailCapacity {
            parameters.tailFloor = -.infinity
            parts = PartitionSums.parts(scores, parameters)
        }
        rowSums = [Double](repeating: 0, count: b)
        columnSums = [Double](repeating: 0, count: b)
        var candidates: [Double] = []
        for part in parts {
            for j in part.offset..<b {
                rowSums[j] += part.rowSums[j - part.offset]
                columnSums[j] += part.columnSums[j - part.offset]
            }
            squares += part.sums.squares
            pairSquares += part.sums.pairSquares
            softplusSum += part.sums.softplusSum
            if keepTail { candidates.append(contentsOf: part.tail) }
        }
        // The multiset of the largest values does not depend on how the parts split them.
        let kept = min(tailCapacity, candidates.count)
        TopValues.moveLargestToFront(&candidates, count: kept)
        tail = candidates[0..<kept].sorted(by: >)
    }

    /// The sums of one band of rows; `rowSums`/`columnSums` hold entries offset..<B.
    struct Part {
        var offset = 0
        var rowSums: [Double] = []
        var columnSums: [Double] = []
        var sums = ShimKernels.BandSums(squares: 0, pairSquares: 0, softplusSum: 0, tailCount: 0)
        var tail: [Double] = []
    }

    /// The parts of the pass, one per band of 64 rows, computed in parallel.
    static func parts(_ scores: ScoreMatrix, _ parameters: ShimKernels.PartitionParameters) -> [Part] {
        let b = scores.batchSize, bandRows = ShimKernels.bandRows
        let bands = (b + bandRows - 1) / bandRows
        var parts = [Part](repeating: Part(), count: bands)
        parts.withUnsafeMutableBufferPointer { partsBuffer in
            scores.values.withUnsafeBufferPointer { s in
                let output = SharedPointer(partsBuffer.baseAddress!)
                let input = SharedPointer(s.baseAddress!)
                ParallelLoop.run(iterations: bands) { band in
                    let offset = band * bandRows
                    var part = Part(offset: offset, rowSums: [Double](repeating: 0, count: b - offset),
                                    columnSums: [Double](repeating: 0, count: b - offset))
                    let tail = UnsafeMutablePointer<Double>.allocate(capacity: max(4 * parameters.tailCapacity, 1))
                    let workspace = UnsafeMutablePointer<Double>.allocate(capacity: 3 * bandRows * bandRows)
                    defer {
                        tail.deallocate()
                        workspace.deallocate()
                    }
                    part.rowSums.withUnsafeMutableBufferPointer { rows in
                        part.columnSums.withUnsafeMutableBufferPointer { columns in
                            part.sums = ShimKernels.partitionBand(
                                input.pointer, batchSize: b, band: band, parameters, rowSums: rows.baseAddress!,
                                columnSums: columns.baseAddress!, tail: tail, workspace: workspace)
                        }
                    }
                    part.tail = Array(UnsafeBufferPointer(start: tail, count: part.sums.tailCount))
                    output.pointer[band] = part
                }
            }
        }
        return parts
    }
}

/// The `capacity` largest of a stream of values, kept as a buffer of candidates above a floor:
/// a value enters only if it exceeds the floor, and when the buffer reaches 4 × capacity it is
/// cut back to the largest `capacity`, whose smallest becomes the floor. Amortized O(1) per
/// value; `values` holds (at least) the `capacity` largest values seen, in no order.
struct TopValues {
    let capacity: Int
    private(set) var values: [Double] = []
    private(set) var floor = -Double.infinity

    init(capacity: Int, floor: Double = -.infinity) {
        self.capacity = max(capacity, 1)
        self.floor = floor
    }

    @inline(__always)
    mutating func offer(_ x: Double) {
        guard x > floor else { return }
        values.append(x)
        if values.count >= 4 * capacity { compact() }
    }

    mutating func compact() {
        TopValues.moveLargestToFront(&values, count: capacity)
        values.removeLast(values.count - capacity)
        floor = values.min()!
    }

    /// Rearranges `values` so that its `count` largest entries come first, in no particular
    /// order (Hoare quickselect, median-of-three pivots; O(n) expected).
    static func moveLargestToFront(_ values: inout [Double], count m: Int) {
        guard m > 0, m < values.count else { return }
        values.withUnsafeMutableBufferPointer { v in
            var lo = 0, hi = v.count - 1
            let nth = m - 1  // position of the m-th largest in descending order
            while lo < hi {
                let a = v[lo], b = v[lo + (hi - lo) / 2], c = v[hi]
                let pivot = max(min(a, b), min(max(a, b), c))
                var i = lo, j = hi
                while i <= j {
                    while v[i] > pivot { i += 1 }
                    while v[j] < pivot { j -= 1 }
                    if i <= j {
                        v.swapAt(i, j)
                        i += 1
                        j -= 1
                    }
                }
                if nth <= j { hi = j } else if nth >= i { lo = i } else { return }
            }
        }
    }
}

/// A pointer handed to parallel work items that write disjoint entries (or only read).
struct SharedPointer<Pointee>: @unchecked Sendable {
    let pointer: Pointee
    init(_ pointer: Pointee) { self.pointer = pointer }
}

/// The fixed subsample of a score matrix behind the tail floor of ``PartitionSums``: the
/// off-diagonal entries whose row-major index is a multiple of 61, copied by the maximum pass
/// (`mc_score_offdiagonal_max`, which has each row in cache anyway).
///
/// The floor is the weight exceeded by about `target` = 4·tailCapacity of all B(B − 1) weights
/// (the rank-th largest sampled entry, mapped to its weight: the weight is a non-decreasing
/// function of the score, so selecting on scores selects the same entries). Then the pass keeps
/// few candidates (without a floor each band collects from −∞, which cost a third of the pass
/// at B = 4096), and the count above the floor, about 4·tailCapacity ± 13%, falls below
/// tailCapacity only by a 6-sigma accident (the pass is then repeated with no floor).
struct TailFloorSample {
    static let stride = 61
    let batchSize: Int
    /// Sampled entries in all, and the rank in them matching `target` in the population.
    let count: Int
    let rank: Int

    /// `nil` when the sample would hold fewer than 50 tail values (too few to trust).
    init?(batchSize b: Int, target: Int) {
        batchSize = b
        count = TailFloorSample.entries(beforeRow: b, batchSize: b)
        rank = Int((Double(target) * Double(count) / Double(b * (b - 1))).rounded(.up))
        guard rank >= 50, rank < count else { return nil }
    }

    /// How many sampled entries lie in rows before `row`: the multiples of the stride below
    /// row·B, less those on the diagonal i·(B + 1).
    static func entries(beforeRow row: Int, batchSize b: Int) -> Int {
        var diagonalHits = 0
        for i in 0..<row where i * (b + 1) % stride == 0 { diagonalHits += 1 }
        return (row * b + stride - 1) / stride - diagonalHits
    }

    /// The floor weight from the sampled scores (reordered in place).
    func floor(_ sample: inout [Double], logShift: Double, clip: Double, maximum: Double) -> Double {
        TopValues.moveLargestToFront(&sample, count: rank)
        let score = sample[0..<rank].min()!
        return VectorMath.exponential(Swift.min(Swift.max(score + logShift, -clip), clip) - maximum)
    }
}
