import Foundation
import MonteCarloCore
import Testing

@testable import MutualInformation

/// The C score-matrix kernels (`mc_partition_band`, `mc_infonce_rows`,
/// `mc_score_offdiagonal_max`, through ``PartitionSums`` and ``ShimKernels``) against a
/// straightforward Swift reference in Double with the C library's `exp` and `log1p`.
///
/// Tolerances (u = 2⁻⁵³, first order in u): the kernel's e^x is within 2.2 ulp of the correctly
/// rounded value (`mc_exp`: 2.19 ulp measured worst case) and the C library's within 1 ulp, and
/// one ulp of w is at most 2u·w, so each weight differs by at most 6.4u·w (the arguments are
/// formed by the same rounded operations on both sides). A sum of n non-negative terms computed in any order is within (n − 1)u of the
/// exact sum relative to Σ|terms| (recursive summation bound γₙ₋₁), once for each side. So a
/// sum of n weights agrees to (6.4 + 2n)u · Σw. A squared weight carries 2·6.4u + u; a centred
/// pair term c = (u + l)/2 − K carries at most 8.4u·m with m = (u + l)/2 + |K| and its square
/// 17.8u·m², hence (17.8 + 2n)u · Σm². Softplus in the kernel is within (19 + |t − M|)u of the
/// exact value when formed from the weights (`mc_softplus_from_weight`: the weight's argument
/// t − M is itself rounded; within 8 ulp = 16u otherwise, see `VectorMathTests`) and the
/// reference within 2 ulp = 4u, so (23 + Δ + 2n)u · Σ softplus with Δ the largest |t − M| (and
/// for the JS objective, which adds B diagonal terms and two divisions, (27 + Δ + 2B²)u). Order
/// statistics are 1-Lipschitz in the sup norm, so each kept tail value agrees to 6.4u of its
/// size. The maximum is exact.
@Suite("C score-matrix kernels against a Swift reference")
struct ScoreMatrixKernelTests {
    static let u = Double.ulpOfOne / 2

    /// A B×B matrix of Gaussian-critic scores (ρ = 0.8) with a few large entries, B chosen to
    /// leave remainders after the 64-row bands and the 8 lanes.
    static func scores(batchSize b: Int = 203, seed: UInt64 = 7) throws -> ScoreMatrix {
        var g = Xoshiro256PlusPlus(seed: seed)
        let rho = 0.8
        let x = (0..<b).map { _ in g.nextStandardNormal() }
        let y = x.map { rho * $0 + (1 - rho * rho).squareRoot() * g.nextStandardNormal() }
        var values = [Double](repeating: 0, count: b * b)
        for i in 0..<b {
            for j in 0..<b {
                values[i * b + j] = -0.5 * log(1 - rho * rho)
                    - (rho * rho * (x[i] * x[i] + y[j] * y[j]) - 2 * rho * x[i] * y[j]) / (2 * (1 - rho * rho))
            }
        }
        values[5 * b + (b - 33)] = 9  // a dominant negative pair
        values[(b - 73) * b + 2] = -40
        return try ScoreMatrix(batchSize: b, values: values)
    }

    struct Reference {
        var rowSums: [Double], columnSums: [Double]
        var squares = 0.0, pairSquares = 0.0, softplusSum = 0.0
        var weightMagnitude = 0.0, pairMagnitude = 0.0
        var tail: [Double]
    }

    static func reference(_ s: ScoreMatrix, logShift: Double, clip: Double, maximum: Double, pairShift: Double,
                          tailCapacity: Int) -> Reference {
        let b = s.batchSize
        func w(_ i: Int, _ j: Int) -> Double { exp(min(max(s[i, j] + logShift, -clip), clip) - maximum) }
        var r = Reference(rowSums: .init(repeating: 0, count: b), columnSums: .init(repeating: 0, count: b), tail: [])
        var all: [Double] = []
        for i in 0..<b {
            for j in 0..<b where j != i {
                let value = w(i, j)
                r.rowSums[i] += value
                r.columnSums[j] += value
                r.squares += value * value
                r.weightMagnitude += value
                let t = s[i, j]
                r.softplusSum += t > 0 ? t + log1p(exp(-t)) : log1p(exp(t))
                all.append(value)
                if i < j {
                    let centred = 0.5 * (value + w(j, i)) - pairShift
                    r.pairSquares += centred * centred
                    let m = 0.5 * (value + w(j, i)) + abs(pairShift)
                    r.pairMagnitude += m * m
                }
            }
        }
        r.tail = Array(all.sorted(by: >).prefix(tailCapacity))
        return r
    }

    /// Δ = the largest |S[i, j] + logShift − M| over all entries (diagonal included, as JS uses
    /// it): the weight's argument is rounded to within Δu, which a softplus formed from the
    /// weight inherits.
    static func largestExponentArgument(_ s: ScoreMatrix, logShift: Double, maximum: Double) -> Double {
        var span = 0.0
        for i in 0..<s.batchSize { for j in 0..<s.batchSize { span = max(span, abs(s[i, j] + logShift - maximum)) } }
        return span
    }

    /// The largest clamped off-diagonal log-weight, directly.
    static func maximum(_ s: ScoreMatrix, logShift: Double, clip: Double) -> Double {
        var m = -Double.infinity
        for i in 0..<s.batchSize { for j in 0..<s.batchSize where j != i { m = max(m, s[i, j]) } }
        return min(max(m + logShift, -clip), clip)
    }

    @Test("Partition sums, tail and softplus sum (NWJ, DV, SMILE weights)",
          arguments: [(-1.0, Double.infinity), (0.0, .infinity), (0.0, 1.5)])
    func partitionSumsMatchReference(logShift: Double, clip: Double) throws {
        let s = try Self.scores()
        let b = s.batchSize, u = Self.u
        let maximum = Self.maximum(s, logShift: logShift, clip: clip)
        for tailCapacity in [7, 300] {  // 7: the kernel's candidate buffer is compacted many times
            let sums = PartitionSums(s, logShift: logShift, clip: clip, maximum: maximum, pairShift: 0.3,
                                     tailCapacity: tailCapacity, keepTail: true, softplus: true)
            let r = Self.reference(s, logShift: logShift, clip: clip, maximum: maximum, pairShift: 0.3,
                                   tailCapacity: tailCapacity)
            for i in 0..<b {
                let tolerance = (6.4 + Double(2 * b)) * u
                #expect(abs(sums.rowSums[i] - r.rowSums[i]) <= tolerance * r.rowSums[i], "row \(i)")
                #expect(abs(sums.columnSums[i] - r.columnSums[i]) <= tolerance * r.columnSums[i], "column \(i)")
            }
            let n = b * (b - 1)
            #expect(abs(sums.squares - r.squares) <= (13.8 + Double(2 * n)) * u * r.squares)
            #expect(abs(sums.pairSquares - r.pairSquares) <= (17.8 + Double(2 * n / 2)) * u * r.pairMagnitude)
            let span = Self.largestExponentArgument(s, logShift: logShift, maximum: maximum)
            #expect(abs(sums.softplusSum - r.softplusSum) <= (23 + span + Double(2 * n)) * u * r.softplusSum)
            #expect(sums.tail.count == tailCapacity)
            for (kept, expected) in zip(sums.tail, r.tail) { #expect(abs(kept - expected) <= 6.4 * u * expected) }
        }
    }

    @Test func tailFloorFromTheSampleKeepsTheSameTail() throws {
        // B = 400: the fixed subsample holds enough tail values for a floor (B = 203 does not).
        let s = try Self.scores(batchSize: 400, seed: 11)
        let b = s.batchSize, capacity = 950
        let plan = try #require(TailFloorSample(batchSize: b, target: 4 * capacity))
        var diagonal = [Double](repeating: 0, count: b), sample = [Double](repeating: 0, count: plan.count)
        let m = s.values.withUnsafeBufferPointer { v in
            ShimKernels.offDiagonalMaximum(v.baseAddress!, batchSize: b, rows: 0..<b, diagonal: &diagonal,
                                           sampleStride: TailFloorSample.stride, sample: &sample)
        }
        var expectedSample: [Double] = []
        for index in stride(from: 0, to: b * b, by: TailFloorSample.stride) where index / b != index % b {
            expectedSample.append(s.values[index])
        }
        #expect(sample == expectedSample)
        let floor = plan.floor(&sample, logShift: 0, clip: .infinity, maximum: m)
        #expect(floor > 0)
        let withFloor = PartitionSums(s, logShift: 0, clip: .infinity, maximum: m, pairShift: 0, tailCapacity: capacity,
                                      keepTail: true, tailFloor: floor)
        let without = PartitionSums(s, logShift: 0, clip: .infinity, maximum: m, pairShift: 0, tailCapacity: capacity,
                                    keepTail: true)
        #expect(withFloor.tail == without.tail)
        #expect(withFloor.rowSums == without.rowSums && withFloor.pairSquares == without.pairSquares)
    }

    @Test func offDiagonalMaximumIsExact() throws {
        let s = try Self.scores()
        var diagonal = [Double](repeating: 0, count: s.batchSize)
        let m = s.values.withUnsafeBufferPointer { v in
            diagonal.withUnsafeMutableBufferPointer { d in
                ShimKernels.offDiagonalMaximum(v.baseAddress!, batchSize: s.batchSize, rows: 0..<s.batchSize,
                                               diagonal: d.baseAddress!)
            }
        }
        #expect(m == Self.maximum(s, logShift: 0, clip: .infinity))
        #expect(diagonal == (0..<s.batchSize).map { s[$0, $0] })
    }

    @Test func infoNCERowsMatchReference() throws {
        let s = try Self.scores()
        let b = s.batchSize, u = Self.u
        var maxima = [Double](repeating: 0, count: b), sums = maxima, columns = maxima, buffer = maxima
        s.values.withUnsafeBufferPointer { v in
            ShimKernels.infoNCERows(v.baseAddress!, batchSize: b, rows: 0..<b, rowMaximum: &maxima, rowSum: &sums,
                                    columnSums: &columns, buffer: &buffer)
        }
        var referenceColumns = [Double](repeating: 0, count: b)
        for i in 0..<b {
            let m = (0..<b).map { s[i, $0] }.max()!
            #expect(maxima[i] == m)
            let weights = (0..<b).map { exp(s[i, $0] - m) }
            let total = weights.reduce(0, +)
            #expect(abs(sums[i] - total) <= (6.4 + Double(2 * b)) * u * total)
            for j in 0..<b { referenceColumns[j] += weights[j] / total }
        }
        // Each softmax entry: the weight (6u), the row sum ((6 + 2B)u) and the product (u), then
        // B terms summed on each side.
        for j in 0..<b {
            #expect(abs(columns[j] - referenceColumns[j]) <= (13.8 + Double(4 * b)) * u * referenceColumns[j])
        }
    }

    @Test func jensenShannonObjectiveMatchesReference() throws {
        let s = try Self.scores(batchSize: 130, seed: 3)
        let b = s.batchSize
        let estimate = try VariationalBound.jensenShannon(.donskerVaradhan).estimate(from: s)
        var joint = 0.0, product = 0.0
        for i in 0..<b {
            for j in 0..<b {
                let t = i == j ? -s[i, j] : s[i, j]
                let softplus = t > 0 ? t + log1p(exp(-t)) : log1p(exp(t))
                if i == j { joint += softplus } else { product += softplus }
            }
        }
        let expected = -joint / Double(b) - product / Double(b * (b - 1))
        let magnitude = joint / Double(b) + product / Double(b * (b - 1))
        let objective = try #require(estimate.diagnostics.figures["jensenShannonObjective"])
        let span = Self.largestExponentArgument(s, logShift: 0, maximum: Self.maximum(s, logShift: 0, clip: .infinity))
        #expect(abs(objective - expected) <= (27 + span + Double(2 * b * b)) * Self.u * magnitude)
    }
}
