import Foundation
import LinearAlgebra
import MonteCarloCore
import Testing
@testable import SteinControlVariates

/// The Stein-kernel matrix fills: the C kernel of the first-order Gaussian case against the
/// Swift reference loop, and every family and order against the entry-by-entry kernel value.
@Suite("Stein-kernel matrix fills")
struct SteinKernelFillTests {
    /// n standard normal draws in d dimensions with the score u = −x of N(0, I).
    static func sample(count n: Int, dimension d: Int, seed: UInt64) throws -> SteinSample {
        var generator = Xoshiro256PlusPlus(seed: seed)
        let x = (0..<(n * d)).map { _ in 1.3 * generator.nextStandardNormal() }
        return try SteinSample(count: n, dimension: d, points: x, scores: x.map { -$0 })
    }

    /// The C fill (lower triangle and rectangular blocks) equals the Swift reference loop to
    /// 4ε relative, entry by entry. Both evaluate the coordinate sums and the bracket
    /// d/ℓ² − z/ℓ⁴ + (u(x) − u(y))·r/ℓ² + u(x)·u(y) with the same IEEE operations in the same
    /// order (no contraction), so they differ only in the exponential: `mc_exp` is within 2 ulp
    /// and the C library's `exp` within 1 ulp of the true value, and the final product is
    /// rounded once on each side (ε/2 each): (2 + 1 + ½ + ½)ε = 4ε, ε = 2⁻⁵². The orders
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
                #expect(abs(c - s) <= 4 * Double.ulpOfOne * abs(s), "n = \(n), d = \(d), ℓ = \(lengthScale): \(c) vs \(s)")
                if s != 0 { worst = max(worst, abs(c - s) / abs(s) / Double.ulpOfOne) }
            }
            for j in 0..<n { for i in 0..<j { #expect(native.storage[i + j * n] == 0) } }
            let rows = Array(stride(from: 0, to: n, by: 2)), columns = Array(stride(from: n - 1, through: 0, by: -3))
            let block = stein.matrix(for: sample, rows: rows, columns: columns)
            let blockReference = stein.matrix(for: sample, rows: rows, columns: columns, nativeFill: false)
            for (c, s) in zip(block.storage, blockReference.storage) {
                #expect(abs(c - s) <= 4 * Double.ulpOfOne * abs(s), "rectangular, n = \(n), d = \(d), ℓ = \(lengthScale)")
            }
            #expect(worst <= 4)
        }
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
