import Dispatch
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
    /// From order 1024 up the lower triangle is filled on all cores (`DispatchQueue.concurrentPerform`);
    /// callers that already run kernel fits in parallel oversubscribe the cores.
    /// - Complexity: O(m²d) for m indices; no allocation besides the result and an m × 2d gather.
    public func matrix(for sample: SteinSample, indices: [Int], diagonalShift: Double = 0) -> Matrix {
        var result = lowerTriangle(for: sample, indices: indices, diagonalShift: diagonalShift)
        let m = indices.count
        let tile = 32
        result.storage.withUnsafeMutableBufferPointer { k in
            for jb in stride(from: 0, to: m, by: tile) {
                let jEnd = min(jb + tile, m)
                for ib in stride(from: jb, to: m, by: tile) {
                    let iEnd = min(ib + tile, m)
                    for j in jb..<jEnd {
                        for i in max(ib, j + 1)..<max(max(ib, j + 1), iEnd) { k[j + i * m] = k[i + j * m] }
                    }
                }
            }
        }
        return result
    }

    /// Only the lower triangle (with the diagonal, plus `diagonalShift`) of
    /// ``matrix(for:indices:diagonalShift:)``; the strict upper triangle is zero. Enough for a
    /// lower Cholesky factorization, which reads nothing else.
    /// - Complexity: O(m²d) for m indices.
    func lowerTriangle(for sample: SteinSample, indices: [Int], diagonalShift: Double = 0) -> Matrix {
        let m = indices.count
        let d = sample.dimension
        let (x, u) = gather(sample, indices)
        var storage = [Double](repeating: 0, count: m * m)
        let l2 = base.lengthScale * base.lengthScale
        let (inverse, inverse2, half) = (1 / l2, 1 / (l2 * l2), -0.5 / l2)
        let dOverL2 = Double(d) * inverse
        let isGaussian: Bool
        if case .gaussian = base.family { isGaussian = true } else { isGaussian = false }
        // Large matrices: columns interleaved over the cores (column b to worker b mod w, which
        // balances the triangle's column lengths); each worker writes only its own columns.
        let workers = m >= Self.parallelThreshold ? max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8)) : 1
        x.withUnsafeBufferPointer { points in
            u.withUnsafeBufferPointer { scores in
                storage.withUnsafeMutableBufferPointer { k in
                    let shared = SharedBuffers(k: k.baseAddress!, p: points.baseAddress!, s: scores.baseAddress!)
                    let work: @Sendable (Int) -> Void = { w in
                        let (p, s) = (shared.p, shared.s)
                        var b = w
                        while b < m {
                            let column = shared.k + b * m
                            let yb = p + b * d, ub = s + b * d
                            if isGaussian {
                                for a in b..<m {
                                    column[a] = Self.gaussianEntry(p + a * d, s + a * d, yb, ub, d, half, inverse, inverse2, dOverL2)
                                }
                            } else {
                                for a in b..<m { column[a] = entry(p + a * d, s + a * d, yb, ub, dimension: d) }
                            }
                            column[b] += diagonalShift
                            b += workers
                        }
                    }
                    if workers == 1 { work(0) } else { DispatchQueue.concurrentPerform(iterations: workers, execute: work) }
                }
            }
        }
        return Matrix(rows: m, columns: m, columnMajor: storage)
    }

    /// Matrices of at least this order are filled on several cores.
    static let parallelThreshold = 1024

    /// Raw buffers shared by the workers of ``lowerTriangle(for:indices:diagonalShift:)``;
    /// workers write disjoint columns of `k` and only read `p` and `s`.
    struct SharedBuffers: @unchecked Sendable {
        let k: UnsafeMutablePointer<Double>
        let p: UnsafePointer<Double>
        let s: UnsafePointer<Double>
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
    /// - Complexity: O(|rows|·|columns|·d).
    public func matrix(for sample: SteinSample, rows: [Int], columns: [Int]) -> Matrix {
        let (m, n, d) = (rows.count, columns.count, sample.dimension)
        var storage = [Double](repeating: 0, count: m * n)
        let (x, u) = gather(sample, rows)
        x.withUnsafeBufferPointer { rowPoints in
            u.withUnsafeBufferPointer { rowScores in
                sample.points.withUnsafeBufferPointer { points in
                    sample.scores.withUnsafeBufferPointer { scores in
                        storage.withUnsafeMutableBufferPointer { k in
                            let p = points.baseAddress!, s = scores.baseAddress!
                            let rp = rowPoints.baseAddress!, rs = rowScores.baseAddress!
                            let l2 = base.lengthScale * base.lengthScale
                            let (inverse, inverse2, half) = (1 / l2, 1 / (l2 * l2), -0.5 / l2)
                            let dOverL2 = Double(d) * inverse
                            var isGaussian = false
                            if case .gaussian = base.family { isGaussian = true }
                            for b in 0..<n {
                                let jb = columns[b] * d
                                let column = k.baseAddress! + b * m
                                if isGaussian {
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
                }
            }
        }
        return Matrix(rows: m, columns: n, columnMajor: storage)
    }
}
