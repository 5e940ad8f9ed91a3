import Foundation
import LinearAlgebra
import MonteCarloCore

/// The first-order (Langevin) Stein kernel built from a radial base kernel and the score u = ∇ log π:
///
///     k0(x, y) = ∇ₓ·∇ᵧk + u(x)·∇ᵧk + u(y)·∇ₓk + u(x)·u(y) k.
///
/// For k = φ(z), z = |x − y|², r = x − y this is, in closed form,
///
///     k0 = −4zφ″ − 2dφ′ − 2φ′ (u(x) − u(y))·r + φ u(x)·u(y),
///
/// so each entry costs O(d) and no finite differences are involved. The functions
/// g(x) = Σⱼ aⱼ k0(x, xⱼ) lie in the image of the Langevin Stein operator, hence
/// E_π[g] = 0 whenever π has a score and light enough tails (Oates, Girolami & Chopin 2017).
/// For the Gaussian base kernel, k0(x, x) = d/ℓ² + |u(x)|².
///
/// With ``order`` = ``SteinOrder/second`` the kernel is instead k0 = LₓLᵧk for the scalar
/// operator Lg = Δg + u·∇g; in the same notation (φ⁽ᵏ⁾ the derivatives in z)
///
///     k0 = 16z²φ⁗ + 16(2 + d)zφ‴ + 4d(2 + d)φ″ + (8zφ‴ + 4(2 + d)φ″)(u(x) − u(y))·r
///          − 4φ″(u(x)·r)(u(y)·r) − 2φ′ u(x)·u(y),
///
/// still O(d) per entry and free of derivatives of u; for the Gaussian base kernel
/// k0(x, x) = d(d + 2)/ℓ⁴ + |u(x)|²/ℓ².
///
/// ```swift
/// let stein = LangevinSteinKernel(base: try RadialKernel(.gaussian, lengthScale: 1))
/// let k = stein.value(x: [0, 1], scoreX: [0, -1], y: [1, 0], scoreY: [-1, 0])
/// let matrix = stein.matrix(for: sample)        // n × n, symmetric, column-major
/// ```
public struct LangevinSteinKernel: Sendable, Hashable, Codable {
    /// The base kernel k.
    public let base: RadialKernel

    /// The order of the Stein operator.
    public let order: SteinOrder

    /// The Stein kernel of `base` of the given order (first by default).
    public init(base: RadialKernel, order: SteinOrder = .first) {
        self.base = base
        self.order = order
    }

    /// k0(x, y) given the points and the scores there (all of the same length d).
    public func value(x: [Double], scoreX: [Double], y: [Double], scoreY: [Double]) -> Double {
        precondition(x.count == y.count && scoreX.count == x.count && scoreY.count == x.count, "dimension mismatch")
        return x.withUnsafeBufferPointer { x in
            y.withUnsafeBufferPointer { y in
                scoreX.withUnsafeBufferPointer { ux in
                    scoreY.withUnsafeBufferPointer { uy in
                        entry(x.baseAddress!, ux.baseAddress!, y.baseAddress!, uy.baseAddress!, dimension: x.count)
                    }
                }
            }
        }
    }

    /// The hot path: k0 from pointers to d coordinates and d score components of each point.
    @inlinable
    func entry(_ x: UnsafePointer<Double>, _ ux: UnsafePointer<Double>,
               _ y: UnsafePointer<Double>, _ uy: UnsafePointer<Double>, dimension d: Int) -> Double {
        if order == .second { return secondOrderEntry(x, ux, y, uy, dimension: d) }
        var z = 0.0, ur = 0.0, uu = 0.0
        for k in 0..<d {
            let r = x[k] - y[k]
            z += r * r
            ur += (ux[k] - uy[k]) * r
            uu += ux[k] * uy[k]
        }
        let (phi, first, second) = base.radialDerivatives(z)
        return -4 * z * second - 2 * Double(d) * first - 2 * first * ur + phi * uu
    }

    /// The n × n Stein kernel matrix K0[i, j] = k0(xᵢ, xⱼ) of the whole sample.
    ///
    /// - Complexity: O(n²d) time; one triangle is computed and mirrored.
    public func matrix(for sample: SteinSample) -> Matrix {
        matrix(for: sample, indices: Array(0..<sample.count))
    }

    /// The symmetric matrix K0[a, b] = k0(x_{indices[a]}, x_{indices[b]}), column-major.
    ///
    /// The lower triangle is computed column by column (contiguous writes) and mirrored in
    /// cache-sized tiles; `diagonalShift` is added to the diagonal (a ridge nugget), so no
    /// second pass over the matrix is needed.
    /// The entries come from the package method
    /// `lowerTriangle(for:indices:diagonalShift:nativeFill:)`: by a C kernel for the first-order
    /// Gaussian and inverse multiquadric cases, on all cores from order 256.
    /// - Complexity: O(m²d) for m indices; no allocation besides the result and an m × 2d gather.
    public func matrix(for sample: SteinSample, indices: [Int], diagonalShift: Double = 0) -> Matrix {
        var result = lowerTriangle(for: sample, indices: indices, diagonalShift: diagonalShift)
        result.mirrorLowerTriangle()
        return result
    }

    /// Only the lower triangle (with the diagonal, plus `diagonalShift`) of
    /// ``matrix(for:indices:diagonalShift:)``; the strict upper triangle is zero. Enough for a
    /// lower Cholesky factorization, which reads nothing else.
    ///
    /// The first-order Stein kernels of the Gaussian and inverse multiquadric base kernels are
    /// filled by vectorised C kernels (``SteinKernelShims``); `nativeFill: false` forces the Swift loop (the reference
    /// the tests compare the C kernel with). From order ``parallelThreshold`` up, blocks of
    /// columns, balanced for the triangle, are filled on all cores
    /// (`ParallelLoop`); every entry is computed on its own, so the result
    /// does not depend on the number of cores. Inside another parallel loop (kernel fits run
    /// per fold in parallel) the blocks run serially instead of oversubscribing the cores.
    /// - Complexity: O(m²d) for m indices.
    package func lowerTriangle(for sample: SteinSample, indices: [Int], diagonalShift: Double = 0, nativeFill: Bool = true) -> Matrix {
        let m = indices.count
        let d = sample.dimension
        let columnBlocks = Self.columnBlocks(columns: m, rows: m, triangular: true)
        if nativeFill, let native = nativeKernel(dimension: d) {
            let rows = SteinKernelShims.CoordinateMajorDraws(sample, indices)
            let storage = Self.filledStorage(
                count: m * m, points: sample.points, scores: sample.scores, rowPoints: rows.points, rowScores: rows.scores
            ) { shared in
                Self.forEach(columnBlocks) { range in
                    for b in range {
                        let column = shared.k + b * m
                        column.initialize(repeating: 0, count: b)  // the strict upper triangle
                        native.column(
                            into: column + b, rows: shared.rowP, rowScores: shared.rowS, rowCount: m, firstRow: b,
                            dimension: d, columnPoint: shared.p + indices[b] * d,
                            columnScore: shared.s + indices[b] * d)
                        column[b] += diagonalShift
                    }
                }
            }
            return Matrix(rows: m, columns: m, columnMajor: storage)
        }
        let (x, u) = gather(sample, indices)
        let l2 = base.lengthScale * base.lengthScale
        let (inverse, inverse2, half) = (1 / l2, 1 / (l2 * l2), -0.5 / l2)
        let dOverL2 = Double(d) * inverse
        let isGaussian = isFirstOrderGaussian
        let storage = Self.filledStorage(count: m * m, points: x, scores: u, rowPoints: x, rowScores: u) { shared in
            Self.forEach(columnBlocks) { range in
                let (p, s) = (shared.p, shared.s)
                for b in range {
                    let column = shared.k + b * m
                    column.initialize(repeating: 0, count: b)  // the strict upper triangle
                    let yb = p + b * d, ub = s + b * d
                    if isGaussian {
                        for a in b..<m {
                            column[a] = Self.gaussianEntry(p + a * d, s + a * d, yb, ub, d, half, inverse, inverse2, dOverL2)
                        }
                    } else {
                        for a in b..<m { column[a] = entry(p + a * d, s + a * d, yb, ub, dimension: d) }
                    }
                    column[b] += diagonalShift
                }
            }
        }
        return Matrix(rows: m, columns: m, columnMajor: storage)
    }

    /// Whether this is the first-order Stein kernel of the Gaussian base kernel, the one case
    /// with a closed-form shortcut (``gaussianEntry(_:_:_:_:_:_:_:_:_:)``). The
    /// second order of the Gaussian base kernel is a different kernel and takes the generic path.
    var isFirstOrderGaussian: Bool { order == .first && base.family == .gaussian }

    /// Whether the matrix fills use a vectorised C kernel: the first-order Gaussian and inverse
    /// multiquadric cases.
    var usesNativeFill: Bool { nativeKernel(dimension: 1) != nil }

    /// The C kernel of the matrix fills in `dimension` dimensions, or `nil` for the second order
    /// and the base kernels without one.
    func nativeKernel(dimension: Int) -> SteinKernelShims.ColumnKernel? {
        order == .first ? SteinKernelShims.ColumnKernel(base, dimension: dimension) : nil
    }

    /// Matrices with at least this many columns and rows (or, for rectangular ones, entries
    /// of at least its square) are filled on several cores.
    static let parallelThreshold = 256

    /// Column ranges for filling an m-column matrix: one range below the threshold, otherwise
    /// 4 per core with (for the lower triangle, where column b has m − b entries) about equal
    /// numbers of entries.
    static func columnBlocks(columns n: Int, rows m: Int, triangular: Bool) -> [Range<Int>] {
        let parallel = triangular ? n >= parallelThreshold : n * m >= parallelThreshold * parallelThreshold
        let workers = parallel ? max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8)) : 1
        guard workers > 1, n > 1 else { return n == 0 ? [] : [0..<n] }
        let blockCount = min(4 * workers, n)
        var bounds = [0]
        for q in 1..<blockCount {
            let fraction = Double(q) / Double(blockCount)
            // Entries in columns 0 ..< b of the triangle: ≈ m²(1 − (1 − b/m)²)/2.
            let b = triangular ? Double(n) * (1 - (1 - fraction).squareRoot()) : Double(n) * fraction
            bounds.append(max(bounds.last!, min(n, Int(b.rounded()))))
        }
        bounds.append(n)
        return zip(bounds, bounds.dropFirst()).compactMap { $0 < $1 ? $0..<$1 : nil }
    }

    /// Runs `body` on every range, on all cores when there is more than one.
    static func forEach(_ blocks: [Range<Int>], _ body: @Sendable (Range<Int>) -> Void) {
        if blocks.count == 1 {
            body(blocks[0])
        } else if blocks.count > 1 {
            ParallelLoop.run(iterations: blocks.count) { body(blocks[$0]) }
        }
    }

    /// An array of `count` doubles written by `fill` (every element, as `LargeStorage.array`
    /// requires), which gets raw pointers to the result, the column draws (`points`, `scores`)
    /// and the row draws (`rowPoints`, `rowScores`).
    static func filledStorage(
        count: Int, points: [Double], scores: [Double], rowPoints: [Double], rowScores: [Double],
        _ fill: (SharedBuffers) -> Void
    ) -> [Double] {
        rowPoints.withUnsafeBufferPointer { rowP in
            rowScores.withUnsafeBufferPointer { rowS in
                points.withUnsafeBufferPointer { p in
                    scores.withUnsafeBufferPointer { s in
                        LargeStorage.array(count: count) { k in
                            fill(SharedBuffers(k: k, p: p.baseAddress!, s: s.baseAddress!,
                                               rowP: rowP.baseAddress!, rowS: rowS.baseAddress!))
                        }
                    }
                }
            }
        }
    }

    /// Raw buffers shared by the workers of the matrix fills; workers write disjoint columns
    /// of `k` and only read the others (`p`, `s` the draws row-major, `rowP`, `rowS` the rows
    /// of the C fill coordinate-major).
    struct SharedBuffers: @unchecked Sendable {
        let k: UnsafeMutablePointer<Double>
        let p: UnsafePointer<Double>
        let s: UnsafePointer<Double>
        let rowP: UnsafePointer<Double>
        let rowS: UnsafePointer<Double>
    }

    /// k0 for the Gaussian base kernel: φ·(d/ℓ² − z/ℓ⁴ + (u(x) − u(y))·r/ℓ² + u(x)·u(y)),
    /// φ = exp(−z/(2ℓ²)); `half` = −1/(2ℓ²), `inverse` = 1/ℓ², `inverse2` = 1/ℓ⁴, `dOverL2` = d/ℓ².
    @inline(__always)
    static func gaussianEntry(_ xa: UnsafePointer<Double>, _ ua: UnsafePointer<Double>, _ yb: UnsafePointer<Double>,
                              _ ub: UnsafePointer<Double>, _ d: Int, _ half: Double, _ inverse: Double,
                              _ inverse2: Double, _ dOverL2: Double) -> Double {
        var z = 0.0, ur = 0.0, uu = 0.0
        for c in 0..<d {
            let r = xa[c] - yb[c]
            z += r * r
            ur += (ua[c] - ub[c]) * r
            uu += ua[c] * ub[c]
        }
        return exp(half * z) * (dOverL2 - z * inverse2 + ur * inverse + uu)
    }

    /// The points and scores at `indices`, contiguous (m × d each, row-major).
    func gather(_ sample: SteinSample, _ indices: [Int]) -> (points: [Double], scores: [Double]) {
        let d = sample.dimension
        var x = [Double](repeating: 0, count: indices.count * d)
        var u = x
        for (a, i) in indices.enumerated() {
            for k in 0..<d {
                x[a * d + k] = sample.points[i * d + k]
                u[a * d + k] = sample.scores[i * d + k]
            }
        }
        return (x, u)
    }

    /// The rectangular matrix K0[a, b] = k0(x_{rows[a]}, x_{columns[b]}), column-major.
    ///
    /// Filled as `lowerTriangle(for:indices:diagonalShift:nativeFill:)` is: by the C kernels
    /// for the first-order Gaussian and inverse multiquadric Stein kernels, on all cores for
    /// large matrices.
    /// - Complexity: O(|rows|·|columns|·d).
    public func matrix(for sample: SteinSample, rows: [Int], columns: [Int]) -> Matrix {
        matrix(for: sample, rows: rows, columns: columns, nativeFill: true)
    }

    /// ``matrix(for:rows:columns:)``; `nativeFill: false` forces the Swift loop.
    func matrix(for sample: SteinSample, rows: [Int], columns: [Int], nativeFill: Bool) -> Matrix {
        let (m, n, d) = (rows.count, columns.count, sample.dimension)
        let columnBlocks = Self.columnBlocks(columns: n, rows: m, triangular: false)
        let native = nativeFill ? nativeKernel(dimension: d) : nil
        let l2 = base.lengthScale * base.lengthScale
        let (inverse, inverse2, half) = (1 / l2, 1 / (l2 * l2), -0.5 / l2)
        let dOverL2 = Double(d) * inverse
        let isGaussian = isFirstOrderGaussian
        // Row draws: coordinate-major for the C kernel, row-major for the Swift loop.
        let (rowPoints, rowScores): ([Double], [Double])
        if native != nil {
            let draws = SteinKernelShims.CoordinateMajorDraws(sample, rows)
            (rowPoints, rowScores) = (draws.points, draws.scores)
        } else {
            (rowPoints, rowScores) = gather(sample, rows)
        }
        guard m > 0, n > 0 else { return Matrix(rows: m, columns: n) }
        let storage = Self.filledStorage(
            count: m * n, points: sample.points, scores: sample.scores, rowPoints: rowPoints, rowScores: rowScores
        ) { shared in
            Self.forEach(columnBlocks) { range in
                let (p, s, rp, rs) = (shared.p, shared.s, shared.rowP, shared.rowS)
                for b in range {
                    let jb = columns[b] * d
                    let column = shared.k + b * m
                    if let native {
                        native.column(
                            into: column, rows: rp, rowScores: rs, rowCount: m, firstRow: 0, dimension: d,
                            columnPoint: p + jb, columnScore: s + jb)
                    } else if isGaussian {
                        for a in 0..<m {
                            column[a] = Self.gaussianEntry(rp + a * d, rs + a * d, p + jb, s + jb, d, half, inverse, inverse2, dOverL2)
                        }
                    } else {
                        for a in 0..<m {
                            column[a] = entry(rp + a * d, rs + a * d, p + jb, s + jb, dimension: d)
                        }
                    }
                }
            }
        }
        return Matrix(rows: m, columns: n, columnMajor: storage)
    }
}
