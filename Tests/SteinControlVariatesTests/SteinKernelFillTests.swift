import Foundation
import LinearAlgebra
import MonteCarloCore
import Testing
@testable import SteinControlVariates

/// The Stein-kernel matrix fills: the C kernels of the first-order Gaussian and inverse
/// multiquadric cases against the Swift reference loop, and every family and order against the
/// entry-by-entry kernel value.
@Suite("Stein-kernel matrix fills")
struct SteinKernelFillTests {
    /// n standard normal draws in d dimensions with the score u = −x of N(0, I).
    static func sample(count n: Int, dimension d: Int, seed: UInt64) throws -> SteinSample {
        var generator = Xoshiro256PlusPlus(seed: seed)
        let x = (0..<(n * d)).map { _ in 1.3 * generator.nextStandardNormal() }
        return try SteinSample(count: n, dimension: d, points: x, scores: x.map { -$0 })
    }

    /// The C fill (lower triangle and rectangular blocks) equals the Swift reference loop to
    /// 4.2ε relative, entry by entry. Both evaluate the coordinate sums and the bracket
    /// d/ℓ² − z/ℓ⁴ + (u(x) − u(y))·r/ℓ² + u(x)·u(y) with the same IEEE operations in the same
    /// order (no contraction), so they differ only in the exponential: `mc_exp` is within 2.2 ulp
    /// and the C library's `exp` within 1 ulp of the true value, and the final product is
    /// rounded once on each side (ε/2 each): (2.2 + 1 + ½ + ½)ε = 4.2ε, ε = 2⁻⁵². The orders
    /// include 300, above the parallel threshold, so the multi-core fill is covered.
    @Test("C fill of the Gaussian Stein kernel equals the Swift reference",
          arguments: [(1, 3), (7, 1), (130, 4), (300, 4), (257, 9)])
    func nativeFillMatchesReference(count n: Int, dimension d: Int) throws {
        let sample = try Self.sample(count: n, dimension: d, seed: UInt64(100 * n + d))
        let indices = Array((0..<n).reversed())  // a permutation, so the gathers matter
        for lengthScale in [0.6, 1.0, 3.7] {
            let stein = LangevinSteinKernel(base: try RadialKernel(.gaussian, lengthScale: lengthScale))
            #expect(stein.usesNativeFill)
            let native = stein.lowerTriangle(for: sample, indices: indices, diagonalShift: 0.25)
            let reference = stein.lowerTriangle(for: sample, indices: indices, diagonalShift: 0.25, nativeFill: false)
            var worst = 0.0
            for (c, s) in zip(native.storage, reference.storage) {
                #expect(abs(c - s) <= 4.2 * Double.ulpOfOne * abs(s), "n = \(n), d = \(d), ℓ = \(lengthScale): \(c) vs \(s)")
                if s != 0 { worst = max(worst, abs(c - s) / abs(s) / Double.ulpOfOne) }
            }
            for j in 0..<n { for i in 0..<j { #expect(native.storage[i + j * n] == 0) } }
            let rows = Array(stride(from: 0, to: n, by: 2)), columns = Array(stride(from: n - 1, through: 0, by: -3))
            let block = stein.matrix(for: sample, rows: rows, columns: columns)
            let blockReference = stein.matrix(for: sample, rows: rows, columns: columns, nativeFill: false)
            for (c, s) in zip(block.storage, blockReference.storage) {
                #expect(abs(c - s) <= 4.2 * Double.ulpOfOne * abs(s), "rectangular, n = \(n), d = \(d), ℓ = \(lengthScale)")
            }
            #expect(worst <= 4)
        }
    }

    /// The C fill of the first-order inverse-multiquadric Stein kernel (lower triangle and
    /// rectangular blocks) equals the Swift reference loop bit for bit: both form b = ℓ² + z,
    /// φ = b^β, φ′ = β(φ/b), φ″ = (β(β − 1)(φ/b))/b and the bracket with the same IEEE operations
    /// in the same order (no contraction), b^β by the correctly rounded 1/√b for β = −½ (the
    /// default, the vectorised path) and by the C library's `pow`, the function Swift calls, for
    /// β = −0.3. Dimensions 1, 3 and 10; the fixed scales 1 and 0.35 and the median heuristic;
    /// orders 130 (past one 128-row block of the C kernel) and 300 (above the parallel threshold).
    @Test("C fill of the inverse-multiquadric Stein kernel equals the Swift reference",
          arguments: [(7, 1), (130, 3), (300, 10), (40, 10)])
    func inverseMultiquadricFillMatchesReference(count n: Int, dimension d: Int) throws {
        let sample = try Self.sample(count: n, dimension: d, seed: UInt64(300 * n + d))
        let indices = Array((0..<n).reversed())
        let rows = Array(stride(from: 0, to: n, by: 2)), columns = Array(stride(from: n - 1, through: 0, by: -3))
        for beta in [-0.5, -0.3] {
            for scale in [LengthScale.fixed(1), .fixed(0.35), .medianHeuristic] {
                let specification = KernelSpecification.inverseMultiquadric(scale: scale, exponent: beta)
                let stein = try specification.steinKernel(lengthScale: specification.baseLengthScale(on: sample))
                #expect(stein.usesNativeFill)
                let label = "n = \(n), d = \(d), β = \(beta), \(scale)"
                let native = stein.lowerTriangle(for: sample, indices: indices, diagonalShift: 0.25)
                let reference = stein.lowerTriangle(for: sample, indices: indices, diagonalShift: 0.25, nativeFill: false)
                #expect(native.storage == reference.storage, "\(label)")
                #expect(native.storage.allSatisfy { $0.isFinite }, "\(label)")
                let block = stein.matrix(for: sample, rows: rows, columns: columns)
                let blockReference = stein.matrix(for: sample, rows: rows, columns: columns, nativeFill: false)
                #expect(block.storage == blockReference.storage, "rectangular, \(label)")
            }
        }
        // The second order has no C kernel and keeps the Swift loop.
        #expect(!LangevinSteinKernel(base: try RadialKernel(.inverseMultiquadric(exponent: -0.5), lengthScale: 1),
                                     order: .second).usesNativeFill)
    }

    /// Every family and order (the second order without Matérn 5/2): the matrices equal
    /// k0(xₐ, x_b) from ``LangevinSteinKernel/value(x:scoreX:y:scoreY:)`` to 10⁻¹² of
    /// √(k0(xₐ, xₐ) k0(x_b, x_b)) (the Cauchy–Schwarz bound on |k0(xₐ, x_b)|), which leaves room
    /// for the closed-form shortcut of the first-order Gaussian case. In particular the
    /// second-order Gaussian kernel must not take the first-order shortcut: the two kernels
    /// differ by order one.
    @Test("matrix fills equal the kernel's value for every family and order")
    func fillsMatchValue() throws {
        let families: [RadialKernel.Family] = [
            .gaussian, .inverseMultiquadric(exponent: -0.5), .rationalQuadratic(shape: 2), .matern52,
        ]
        let n = 40, d = 3
        let sample = try Self.sample(count: n, dimension: d, seed: 11)
        for family in families {
            for order in SteinOrder.allCases where !(order == .second && family == .matern52) {
                let stein = LangevinSteinKernel(base: try RadialKernel(family, lengthScale: 0.9), order: order)
                let value = { (a: Int, b: Int) in
                    stein.value(x: sample.point(a), scoreX: sample.score(a), y: sample.point(b), scoreY: sample.score(b))
                }
                let scale = { (a: Int, b: Int) in 1e-12 * (value(a, a) * value(b, b)).squareRoot() }
                let full = stein.matrix(for: sample)
                let indices = Array(0..<n)
                let rectangular = stein.matrix(for: sample, rows: indices, columns: indices)
                for b in 0..<n {
                    for a in 0..<n {
                        let expected = value(a, b)
                        #expect(abs(full[a, b] - expected) <= scale(a, b), "\(family), order \(order), (\(a), \(b))")
                        #expect(abs(rectangular[a, b] - expected) <= scale(a, b), "\(family), order \(order), (\(a), \(b))")
                    }
                }
            }
        }
    }
}

/// The kernel fit factors K0 + λI in place and, when `dpotrf` fails, rebuilds the matrix for
/// each rung of the jitter ladder.
@Suite("Kernel fit with jitter retries")
struct KernelFitJitterTests {
    /// Every draw three times (K0 has rank n/3) and no nugget: `dpotrf` fails and the fit needs
    /// jitter. The in-place fit must try the same ladder on the same matrix (the same lower
    /// triangle, bit for bit) as the copying factorization of the explicitly built K0, so it
    /// finds the same jitter and the same factor: with the same two-column solve K⁻¹[1, f] the
    /// sums 1ᵀK⁻¹1 and 1ᵀK⁻¹f agree exactly, and the weighted value differs only in how the
    /// quotient is formed (the fit divides twice by fl(√(1ᵀK⁻¹1)), the reference once by
    /// 1ᵀK⁻¹1): at most 5 roundings of relative size u = ε/2, so within 2.5ε; checked at 4ε.
    @Test("a fit that needs jitter matches the copying factorization")
    func jitterRetry() throws {
        var generator = Xoshiro256PlusPlus(seed: 31)
        let (distinct, d) = (30, 2)
        let x = (0..<(distinct * d)).map { _ in generator.nextStandardNormal() }
        let points = (0..<3).flatMap { _ in x }
        let sample = try SteinSample(count: 3 * distinct, dimension: d, points: points, scores: points.map { -$0 })
        let n = sample.count
        let values = (0..<n).map { i in sin(sample.points[i * d]) + sample.points[i * d + 1] }
        let stein = LangevinSteinKernel(base: try RadialKernel(.gaussian, lengthScale: 0.8))
        let all = Array(0..<n)
        let fit = try KernelFit(kernel: stein, sample: sample, values: values, controls: [], polynomialCount: 0,
                                training: all, nugget: 0)
        let reference = try stein.matrix(for: sample, indices: all).choleskyFactorization(initialJitter: 1e-10, maximumJitter: 1e-2)
        #expect(reference.jitter > 0)
        #expect(fit.jitter == reference.jitter)
        let solved = reference.solve(Matrix(rows: n, columns: 2, columnMajor: [Double](repeating: 1, count: n) + values))
        let expected = solved.storage[n...].reduce(0, +) / solved.storage[..<n].reduce(0, +)
        #expect(abs(fit.constant - expected) <= 4 * Double.ulpOfOne * abs(expected), "\(fit.constant) vs \(expected)")
    }
}
