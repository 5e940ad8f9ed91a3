import Dispatch
import MonteCarloCore

/// The sums over the off-diagonal weights wᵢⱼ = φ(Sᵢⱼ)/φ_max of a score matrix that the
/// partition bounds (NWJ, DV, JS, SMILE) and their U-statistic variance need, in one pass.
///
/// The pairs i < j are visited in 64 × 64 tiles; a row of tiles is one work item, so the work
/// is split into a fixed number of items whatever the number of threads, and the items'
/// partial sums are merged in item order: the result does not depend on the thread count.
/// Inside a tile the log-weights are written to a contiguous buffer and exponentiated by
/// ``VectorMath/exponentials(_:count:)`` (vectorisable), then the pair terms are accumulated.
struct PartitionSums {
    /// Σ_{j≠i} wᵢⱼ and Σ_{j≠i} wⱼᵢ.
    var rowSums: [Double]
    var columnSums: [Double]
    /// Σ_{i≠j} wᵢⱼ².
    var squares = 0.0
    /// Σ_{i<j} ((wᵢⱼ + wⱼᵢ)/2 − pairShift)².
    var pairSquares = 0.0
    /// The `tailCapacity` largest off-diagonal weights, largest first (empty unless kept).
    var tail: [Double]

    static let tile = 64

    /// - Parameters:
    ///   - logShift, clip, maximum: wᵢⱼ = exp(min(max(Sᵢⱼ + logShift, −clip), clip) − maximum).
    ///   - pairShift: The centre K of the pair squares.
    ///   - tailCapacity: How many of the largest weights to keep when `keepTail`.
    init(_ scores: ScoreMatrix, logShift: Double, clip: Double, maximum: Double, pairShift: Double,
         tailCapacity: Int, keepTail: Bool) {
        let b = scores.batchSize
        // A floor for the tail from a fixed subsample of the weights: about 2·tailCapacity of
        // all weights should exceed it, so the pass keeps few candidates. If fewer than
        // tailCapacity do (a rare sampling accident), the pass is repeated with no floor; the
        // kept values are the same either way.
        let floor = keepTail
            ? PartitionSums.sampledFloor(scores, logShift: logShift, clip: clip, maximum: maximum, target: 2 * tailCapacity)
            : Double.infinity
        var parts = PartitionSums.parts(scores, logShift: logShift, clip: clip, maximum: maximum, pairShift: pairShift,
                                        tailCapacity: tailCapacity, keepTail: keepTail, tailFloor: floor)
        if keepTail && floor > -.infinity && parts.reduce(0, { $0 + $1.tail.values.count }) < tailCapacity {
            parts = PartitionSums.parts(scores, logShift: logShift, clip: clip, maximum: maximum, pairShift: pairShift,
                                        tailCapacity: tailCapacity, keepTail: keepTail, tailFloor: -.infinity)
        }
        rowSums = [Double](repeating: 0, count: b)
        columnSums = [Double](repeating: 0, count: b)
        var candidates: [Double] = []
        for part in parts {
            for j in part.offset..<b {
                rowSums[j] += part.rowSums[j - part.offset]
                columnSums[j] += part.columnSums[j - part.offset]
            }
            squares += part.squares
            pairSquares += part.pairSquares
            if keepTail { candidates.append(contentsOf: part.tail.values) }
        }
        // The multiset of the largest values does not depend on how the parts split them.
        let kept = min(tailCapacity, candidates.count)
        TopValues.moveLargestToFront(&candidates, count: kept)
        tail = candidates[0..<kept].sorted(by: >)
    }

    /// The parts of the pass, one per row of tiles, computed in parallel.
    static func parts(_ scores: ScoreMatrix, logShift: Double, clip: Double, maximum: Double, pairShift: Double,
                      tailCapacity: Int, keepTail: Bool, tailFloor: Double) -> [Part] {
        let b = scores.batchSize
        let tiles = (b + tile - 1) / tile
        var parts = [Part](repeating: Part(count: 0, tailCapacity: 1), count: tiles)
        parts.withUnsafeMutableBufferPointer { partsBuffer in
            scores.values.withUnsafeBufferPointer { s in
                let output = SharedPointer(partsBuffer.baseAddress!)
                let input = SharedPointer(s.baseAddress!)
                DispatchQueue.concurrentPerform(iterations: tiles) { rowTile in
                    output.pointer[rowTile] = Part(
                        rowTile: rowTile, scores: input.pointer, batchSize: b, logShift: logShift, clip: clip,
                        maximum: maximum, pairShift: pairShift, tailCapacity: tailCapacity, keepTail: keepTail,
                        tailFloor: tailFloor)
                }
            }
        }
        return parts
    }

    /// A weight exceeded by about `target` of the B(B − 1) off-diagonal weights, estimated from
    /// every 61st entry of the matrix (deterministic); −∞ when the subsample is too small.
    static func sampledFloor(_ scores: ScoreMatrix, logShift: Double, clip: Double, maximum: Double, target: Int) -> Double {
        let b = scores.batchSize, stride = 61
        var sample: [Double] = []
        sample.reserveCapacity(b * b / stride + 1)
        scores.values.withUnsafeBufferPointer { s in
            // Walk the row-major indices 0, 61, 122, … with a running (row, column): no division.
            var index = 0, row = 0, column = 0
            while index < b * b {
                if row != column { sample.append(Swift.min(Swift.max(s[index] + logShift, -clip), clip) - maximum) }
                index += stride
                column += stride
                while column >= b {
                    column -= b
                    row += 1
                }
            }
        }
        sample.withUnsafeMutableBufferPointer { VectorMath.exponentials($0.baseAddress!, count: $0.count) }
        // Rank in the sample matching `target` in the population.
        let rank = Int((Double(target) * Double(sample.count) / Double(b * (b - 1))).rounded(.up))
        guard rank >= 50, rank < sample.count else { return -.infinity }  // too few sampled tail values to trust
        TopValues.moveLargestToFront(&sample, count: rank)
        return sample[0..<rank].min()!
    }

    /// The sums of one row of tiles; `rowSums`/`columnSums` hold entries offset..<B.
    struct Part {
        var offset = 0
        var rowSums: [Double]
        var columnSums: [Double]
        var squares = 0.0
        var pairSquares = 0.0
        var tail: TopValues

        init(count: Int, tailCapacity: Int) {
            rowSums = [Double](repeating: 0, count: count)
            columnSums = [Double](repeating: 0, count: count)
            tail = TopValues(capacity: tailCapacity)
        }

        init(rowTile: Int, scores s: UnsafePointer<Double>, batchSize b: Int, logShift: Double, clip: Double,
             maximum: Double, pairShift: Double, tailCapacity: Int, keepTail: Bool, tailFloor: Double) {
            let tile = PartitionSums.tile
            let i0 = rowTile * tile, ti = Swift.min(tile, b - i0)
            self.init(count: b - i0, tailCapacity: tailCapacity)
            tail = TopValues(capacity: tailCapacity, floor: tailFloor)
            offset = i0
            let upper = UnsafeMutablePointer<Double>.allocate(capacity: tile * tile)
            let lower = UnsafeMutablePointer<Double>.allocate(capacity: tile * tile)
            let transposed = UnsafeMutablePointer<Double>.allocate(capacity: tile * tile)
            defer {
                upper.deallocate()
                lower.deallocate()
                transposed.deallocate()
            }
            var squares = 0.0, pairSquares = 0.0
            var tail = self.tail
            rowSums.withUnsafeMutableBufferPointer { rowBuffer in
                columnSums.withUnsafeMutableBufferPointer { columnBuffer in
                    let rows = rowBuffer.baseAddress! - i0, columns = columnBuffer.baseAddress! - i0  // indexed by j
                    for j0 in stride(from: i0, to: b, by: tile) {
                        let tj = Swift.min(tile, b - j0)
                        // upper[a·tj + c] = w(i0 + a, j0 + c); lower[c·ti + a] = w(j0 + c, i0 + a).
                        if clip == .infinity {
                            // No clipping: the same values without the clamp (a third of the loop's work).
                            let shift = logShift
                            for a in 0..<ti {
                                let source = s + (i0 + a) * b + j0, target = upper + a * tj
                                for c in 0..<tj { target[c] = VectorMath.exponential((source[c] + shift) - maximum) }
                            }
                            for c in 0..<tj {
                                let source = s + (j0 + c) * b + i0, target = lower + c * ti
                                for a in 0..<ti { target[a] = VectorMath.exponential((source[a] + shift) - maximum) }
                            }
                        } else {
                            // The clamp as plain comparisons (the scores are finite, so these equal
                            // Swift.min/max but compile to single min/max instructions).
                            let low = -clip, high = clip
                            for a in 0..<ti {
                                let source = s + (i0 + a) * b + j0, target = upper + a * tj
                                for c in 0..<tj {
                                    let v = source[c] + logShift, raised = v > low ? v : low
                                    target[c] = VectorMath.exponential((raised < high ? raised : high) - maximum)
                                }
                            }
                            for c in 0..<tj {
                                let source = s + (j0 + c) * b + i0, target = lower + c * ti
                                for a in 0..<ti {
                                    let v = source[a] + logShift, raised = v > low ? v : low
                                    target[a] = VectorMath.exponential((raised < high ? raised : high) - maximum)
                                }
                            }
                        }
                        if j0 != i0 {
                            // Off-diagonal tile: every pair counts; transpose `lower` and sum with SIMD.
                            for a in 0..<ti { for c in 0..<tj { transposed[a * tj + c] = lower[c * ti + a] } }
                            let sums = PartitionSums.accumulate(
                                upper: upper, lower: transposed, rows: ti, columns: tj, pairShift: pairShift,
                                floor: keepTail ? tail.floor : .infinity, rowTarget: rows + i0, columnTarget: columns + i0,
                                jRowTarget: rows + j0, jColumnTarget: columns + j0)
                            squares += sums.squares
                            pairSquares += sums.pairSquares
                            var flagged = sums.flagged
                            while flagged != 0 {
                                let a = flagged.trailingZeroBitCount
                                flagged &= flagged - 1
                                for t in (a * tj)..<((a + 1) * tj) where upper[t] > tail.floor || transposed[t] > tail.floor {
                                    tail.offer(upper[t])
                                    tail.offer(transposed[t])
                                }
                            }
                            continue
                        }
                        for a in 0..<ti {
                            let i = i0 + a
                            let first = j0 == i0 ? a + 1 : 0
                            guard first < tj else { continue }
                            // Row-local sums (merged into the part's totals after the row).
                            var row = 0.0, column = 0.0, rowSquares = 0.0, rowPairSquares = 0.0
                            let upperRow = upper + a * tj, lowerColumn = lower + a
                            let columnTarget = columns + j0, rowTarget = rows + j0
                            var floor = tail.floor
                            var c = first
                            while c < tj {
                                let u = upperRow[c], l = lowerColumn[c &* ti]
                                row += u
                                column += l
                                columnTarget[c] += u
                                rowTarget[c] += l
                                rowSquares += u * u + l * l
                                let centred = 0.5 * (u + l) - pairShift
                                rowPairSquares += centred * centred
                                if keepTail && (u > floor || l > floor) {
                                    tail.offer(u)
                                    tail.offer(l)
                                    floor = tail.floor
                                }
                                c &+= 1
                            }
                            rows[i] += row
                            columns[i] += column
                            squares += rowSquares
                            pairSquares += rowPairSquares
                        }
                    }
                }
            }
            self.squares = squares
            self.pairSquares = pairSquares
            self.tail = tail
        }
    }
}

extension PartitionSums {
    /// Sums over an off-diagonal tile, u = upper[a, c] = w(i, j) and l = lower[a, c] = w(j, i)
    /// (both ti × tj, row-major): adds Σ_c u to rowTarget[a], Σ_c l to columnTarget[a], Σ_a l
    /// to jRowTarget[c] and Σ_a u to jColumnTarget[c]; returns Σ(u² + l²), Σ((u + l)/2 − K)²
    /// and a bit mask of the rows a (ti ≤ 64) holding a u or l above `floor`. Two lanes at a
    /// time (SIMD2), in a fixed order.
    @inline(never)
    static func accumulate(upper: UnsafePointer<Double>, lower: UnsafePointer<Double>, rows ti: Int, columns tj: Int,
                           pairShift: Double, floor: Double, rowTarget: UnsafeMutablePointer<Double>,
                           columnTarget: UnsafeMutablePointer<Double>, jRowTarget: UnsafeMutablePointer<Double>,
                           jColumnTarget: UnsafeMutablePointer<Double>) -> (squares: Double, pairSquares: Double, flagged: UInt64) {
        typealias V = SIMD2<Double>
        var squares = V(), pairSquares = V()
        var flagged: UInt64 = 0  // bit a: row a holds a weight above `floor`
        let shift = V(repeating: pairShift), half = V(repeating: 0.5)
        let pairs = tj / 2
        for a in 0..<ti {
            var largest = V(repeating: 0)
            let u0 = UnsafeRawPointer(upper + a * tj), l0 = UnsafeRawPointer(lower + a * tj)
            let jr = UnsafeMutableRawPointer(jRowTarget), jc = UnsafeMutableRawPointer(jColumnTarget)
            var rowSum = V(), columnSum = V()
            for p in 0..<pairs {
                let offset = p &* 16
                let u = u0.loadUnaligned(fromByteOffset: offset, as: V.self)
                let l = l0.loadUnaligned(fromByteOffset: offset, as: V.self)
                rowSum += u
                columnSum += l
                jc.storeBytes(of: jc.loadUnaligned(fromByteOffset: offset, as: V.self) + u, toByteOffset: offset, as: V.self)
                jr.storeBytes(of: jr.loadUnaligned(fromByteOffset: offset, as: V.self) + l, toByteOffset: offset, as: V.self)
                squares += u * u + l * l
                let centred = half * (u + l) - shift
                pairSquares += centred * centred
                largest = largest.replacing(with: u, where: u .> largest)
                largest = largest.replacing(with: l, where: l .> largest)
            }
            var row = rowSum.sum(), column = columnSum.sum()
            if tj % 2 == 1 {
                let c = tj - 1
                let u = upper[a * tj + c], l = lower[a * tj + c]
                row += u
                column += l
                jColumnTarget[c] += u
                jRowTarget[c] += l
                squares[0] += u * u + l * l
                let centred = 0.5 * (u + l) - pairShift
                pairSquares[0] += centred * centred
                largest[0] = Swift.max(largest[0], u, l)
            }
            rowTarget[a] += row
            columnTarget[a] += column
            if Swift.max(largest[0], largest[1]) > floor { flagged |= 1 << UInt64(a) }
        }
        return (squares.sum(), pairSquares.sum(), flagged)
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
