import Foundation
import LinearAlgebra
import MonteCarloCore
import StatisticalTesting
import Testing
@testable import SteinControlVariates

/// The Stein kernels: the Stein identity, closed forms, derivatives against finite differences,
/// and the kernel-matrix builder.
@Suite("Stein kernels")
struct SteinKernelTests {
    static let families: [RadialKernel.Family] = [
        .gaussian, .inverseMultiquadric(exponent: -0.5), .inverseMultiquadric(exponent: -0.3),
        .rationalQuadratic(shape: 1), .matern52,
    ]

    /// E_{x~N(0, I₃)}[k0(x, y)] = 0 for fixed y: the mean of k0 over 20 000 draws lies within
    /// 5 of its own standard errors of 0 (false-alarm probability 5.7e−7 per check under the CLT).
    @Test("Stein identity E_p[k0(x, y)] = 0", arguments: families)
    func steinIdentity(family: RadialKernel.Family) throws {
        let stein = LangevinSteinKernel(base: try RadialKernel(family, lengthScale: 1.2))
        let d = 3
        var generator = Xoshiro256PlusPlus(seed: 2024)
        for y in [[0.3, -0.5, 1.1], [2.0, 0.0, -1.0]] {
            let uy = y.map { -$0 }
            var moments = RunningMoments()
            for _ in 0..<20_000 {
                let x = (0..<d).map { _ in generator.nextStandardNormal() }
                moments.add(stein.value(x: x, scoreX: x.map { -$0 }, y: y, scoreY: uy))
            }
            let estimate = Estimate(value: moments.mean, variance: moments.varianceOfMean, sampleCount: moments.count,
                                    effectiveSampleSize: Double(moments.count), diagnostics: Diagnostics(method: "mean of k0"))
            let check = StatisticalCheck.consistency(of: estimate, with: 0)
            #expect(check.passed, "\(family), y = \(y): \(check)")
        }
    }

    /// The Stein identity under a correlated Gaussian, whose score −Σ⁻¹(x − μ) mixes coordinates.
    @Test("Stein identity under a correlated 2-D Gaussian")
    func steinIdentityCorrelated() throws {
        let target = try MultivariateNormalDistribution(mean: [-1.5, 1.5], covariance: Matrix(rows: [[1, 0.5], [0.5, 2]]))
        let stein = LangevinSteinKernel(base: try RadialKernel(.inverseMultiquadric(exponent: -0.5), lengthScale: 1))
        var generator = Xoshiro256PlusPlus(seed: 7)
        let y = [-1.0, 2.0], uy = target.score(y)
        var moments = RunningMoments()
        for _ in 0..<20_000 {
            let x = target.draw(using: &generator)
            moments.add(stein.value(x: x, scoreX: target.score(x), y: y, scoreY: uy))
        }
        let estimate = Estimate(value: moments.mean, variance: moments.varianceOfMean, sampleCount: moments.count,
                                effectiveSampleSize: Double(moments.count), diagnostics: Diagnostics(method: "mean of k0"))
        #expect(StatisticalCheck.consistency(of: estimate, with: 0).passed)
    }

    /// k0(x, x) = d/ℓ² + |u(x)|² for the Gaussian kernel exp(−|x − y|²/(2ℓ²)).
    @Test("Gaussian k0(x, x) = d/ℓ² + |u(x)|²")
    func gaussianDiagonal() throws {
        for (l, x, u) in [(0.7, [0.1, -2.0, 3.0], [1.0, 0.5, -0.25]), (2.5, [4.0], [-3.0])] {
            let stein = LangevinSteinKernel(base: try RadialKernel(.gaussian, lengthScale: l))
            let expected = Double(x.count) / (l * l) + u.reduce(0) { $0 + $1 * $1 }
            let value = stein.value(x: x, scoreX: u, y: x, scoreY: u)
            #expect(abs(value - expected) <= 4 * Double.ulpOfOne * expected)
        }
    }

    /// Closed-form derivatives against central finite differences. A central difference of step
    /// h has truncation error h²/6·|∂³k| (first derivatives) and h²/6·(|∂⁴k| terms) for the
    /// 4-point mixed stencil; with ℓ = 1 the kernels' third and fourth derivatives are below 10
    /// in every direction, so 10·h² per coordinate bounds the error (rounding, ≈ ε/h² = 2e−10,
    /// is far smaller at h = 10⁻³). The k0 assembled from the finite-difference pieces must match
    /// the closed form to the same order.
    @Test("derivatives match central finite differences", arguments: families)
    func finiteDifferences(family: RadialKernel.Family) throws {
        let kernel = try RadialKernel(family, lengthScale: 1)
        let stein = LangevinSteinKernel(base: kernel)
        let h = 1e-3
        let bound = 10 * h * h
        let x = [0.3, -0.4, 0.9], y = [-0.2, 0.5, 0.1]
        let ux = [0.7, -1.1, 0.2], uy = [-0.4, 0.3, 1.5]
        let d = x.count
        func shifted(_ v: [Double], _ i: Int, _ s: Double) -> [Double] {
            var w = v
            w[i] += s
            return w
        }
        let gradient = kernel.gradientInFirst(x, y)
        let gradientY = kernel.gradientInFirst(y, x)  // ∇ᵧk(x, y) by symmetry
        var traceFD = 0.0
        var gradientFD = [Double](repeating: 0, count: d), gradientYFD = gradientFD
        for i in 0..<d {
            gradientFD[i] = (kernel.value(shifted(x, i, h), y) - kernel.value(shifted(x, i, -h), y)) / (2 * h)
            gradientYFD[i] = (kernel.value(x, shifted(y, i, h)) - kernel.value(x, shifted(y, i, -h))) / (2 * h)
            let pp = kernel.value(shifted(x, i, h), shifted(y, i, h)), pm = kernel.value(shifted(x, i, h), shifted(y, i, -h))
            let mp = kernel.value(shifted(x, i, -h), shifted(y, i, h)), mm = kernel.value(shifted(x, i, -h), shifted(y, i, -h))
            traceFD += (pp - pm - mp + mm) / (4 * h * h)
            #expect(abs(gradientFD[i] - gradient[i]) <= bound, "\(family) ∂k/∂x\(i)")
            #expect(abs(gradientYFD[i] - gradientY[i]) <= bound, "\(family) ∂k/∂y\(i)")
        }
        #expect(abs(traceFD - kernel.mixedTrace(x, y)) <= Double(d) * bound, "\(family) ∇ₓ·∇ᵧk")
        let k = kernel.value(x, y)
        var k0FD = traceFD + k * zip(ux, uy).reduce(0) { $0 + $1.0 * $1.1 }
        for i in 0..<d { k0FD += ux[i] * gradientYFD[i] + uy[i] * gradientFD[i] }
        let k0 = stein.value(x: x, scoreX: ux, y: y, scoreY: uy)
        #expect(abs(k0FD - k0) <= 4 * Double(d) * bound, "\(family) k0: closed form \(k0) vs finite differences \(k0FD)")
    }

    /// The matrix builder: symmetric, equal to pointwise evaluation, cross blocks consistent,
    /// diagonal shift applied once.
    /// Every matrix entry equals the pointwise k0 (the Gaussian family has its own fast path
    /// in the matrix builders), symmetric, shifted, rectangular, and PSD.
    @Test("kernel matrices", arguments: [RadialKernel.Family.matern52, .gaussian, .inverseMultiquadric(exponent: -0.5)])
    func kernelMatrices(family: RadialKernel.Family) throws {
        var generator = Xoshiro256PlusPlus(seed: 3)
        let sample = try SteinSample(drawing: 9, from: StandardNormalVector(dimension: 2), using: &generator)
        let stein = LangevinSteinKernel(base: try RadialKernel(family, lengthScale: 0.8))
        let full = stein.matrix(for: sample)
        let shifted = stein.matrix(for: sample, indices: Array(0..<9), diagonalShift: 0.5)
        let cross = stein.matrix(for: sample, rows: [2, 5], columns: [0, 1, 7])
        for i in 0..<9 {
            for j in 0..<9 {
                let direct = stein.value(x: sample.point(i), scoreX: sample.score(i), y: sample.point(j), scoreY: sample.score(j))
                #expect(full[i, j] == full[j, i])
                #expect(abs(full[i, j] - direct) <= 1e-14 * max(1, abs(direct)))
                #expect(shifted[i, j] == full[i, j] + (i == j ? 0.5 : 0))
            }
        }
        for (a, i) in [2, 5].enumerated() { for (b, j) in [0, 1, 7].enumerated() { #expect(cross[a, b] == full[i, j]) } }
        let lower = stein.lowerTriangle(for: sample, indices: Array(0..<9))
        for i in 0..<9 { for j in 0..<9 { #expect(lower[i, j] == (i >= j ? full[i, j] : 0)) } }
        // K0 is positive semi-definite.
        let eigenvalues = try full.symmetricEigendecomposition().eigenvalues
        #expect(eigenvalues.min()! > -1e-10 * eigenvalues.max()!)
    }

    /// Orders from ``LangevinSteinKernel/parallelThreshold`` up are filled on several cores:
    /// entries (sampled) equal the pointwise k0, the strict upper triangle is zero.
    @Test("parallel lower-triangle fill", arguments: [RadialKernel.Family.gaussian, .rationalQuadratic(shape: 1)])
    func parallelFill(family: RadialKernel.Family) throws {
        var generator = Xoshiro256PlusPlus(seed: 4)
        let m = LangevinSteinKernel.parallelThreshold + 3
        let sample = try SteinSample(drawing: m, from: StandardNormalVector(dimension: 3), using: &generator)
        let stein = LangevinSteinKernel(base: try RadialKernel(family, lengthScale: 1.3))
        let lower = stein.lowerTriangle(for: sample, indices: Array(0..<m), diagonalShift: 0.25)
        let middle = 2 * m / 3
        for (i, j) in [(0, 0), (5, 1), (m - 1, 0), (m - 1, m - 2), (middle, 3), (middle + 1, middle), (m - 1, m - 1), (2, 9)] {
            let direct = i >= j ? stein.value(x: sample.point(i), scoreX: sample.score(i), y: sample.point(j), scoreY: sample.score(j))
                + (i == j ? 0.25 : 0) : 0
            #expect(abs(lower[i, j] - direct) <= 1e-14 * max(1, abs(direct)), "(\(i), \(j))")
        }
    }

    @Test("median heuristic ℓ = ½ √median |xᵢ − xⱼ|²")
    func medianHeuristic() throws {
        // Pairwise squared distances of {0, 1, 3}: 1, 9, 4 → median 4 → ℓ = 1.
        let sample = try SteinSample(points: [[0], [1], [3]], scores: [[0], [-1], [-3]])
        #expect(LengthScale.medianHeuristic(for: sample) == 1)
        let single = try SteinSample(points: [[2, 2]], scores: [[0, 0]])
        #expect(LengthScale.medianHeuristic(for: single) == 1)
    }
}
