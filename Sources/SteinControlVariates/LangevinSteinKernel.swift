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
    /// The lower triangle is computed and mirrored; `diagonalShift` is added to the diagonal
    /// (a ridge nugget), so no second pass over the matrix is needed.
    /// - Complexity: O(m²d) for m indices; no allocation besides the result.
    public func matrix(for sample: SteinSample, indices: [Int], diagonalShift: Double = 0) -> Matrix {
        let m = indices.count
        let d = sample.dimension
        var storage = [Double](repeating: 0, count: m * m)
        sample.points.withUnsafeBufferPointer { points in
            sample.scores.withUnsafeBufferPointer { scores in
                storage.withUnsafeMutableBufferPointer { k in
                    let p = points.baseAddress!, u = scores.baseAddress!
                    for b in 0..<m {
                        let jb = indices[b] * d
                        for a in b..<m {
                            let ia = indices[a] * d
                            let value = entry(p + ia, u + ia, p + jb, u + jb, dimension: d)
                            k[a + b * m] = value
                            k[b + a * m] = value
                        }
                        k[b + b * m] += diagonalShift
                    }
                }
            }
        }
        return Matrix(rows: m, columns: m, columnMajor: storage)
    }

    /// The rectangular matrix K0[a, b] = k0(x_{rows[a]}, x_{columns[b]}), column-major.
    /// - Complexity: O(|rows|·|columns|·d).
    public func matrix(for sample: SteinSample, rows: [Int], columns: [Int]) -> Matrix {
        let (m, n, d) = (rows.count, columns.count, sample.dimension)
        var storage = [Double](repeating: 0, count: m * n)
        sample.points.withUnsafeBufferPointer { points in
            sample.scores.withUnsafeBufferPointer { scores in
                storage.withUnsafeMutableBufferPointer { k in
                    let p = points.baseAddress!, u = scores.baseAddress!
                    for b in 0..<n {
                        let jb = columns[b] * d
                        for a in 0..<m {
                            let ia = rows[a] * d
                            k[a + b * m] = entry(p + ia, u + ia, p + jb, u + jb, dimension: d)
                        }
                    }
                }
            }
        }
        return Matrix(rows: m, columns: n, columnMajor: storage)
    }
}
