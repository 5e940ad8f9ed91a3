import Foundation
import LinearAlgebra
import MonteCarloCore

/// The feature map of a ``LinearCritic``: standardisation, the layout of w, and the evaluation of
/// φ(x, y) and of whole score matrices.
///
/// Layout of w: [intercept | x (d_x) | y (d_y) | x-quadratic | y-quadratic | cross | Fourier (M)].
struct LinearCriticFeatureMap: Sendable {
    let features: LinearCritic.Features
    let dx: Int
    let dy: Int
    let xCenter: [Double], xScale: [Double]
    let yCenter: [Double], yScale: [Double]
    /// Frequencies ω (M × d_x and M × d_y, row-major) and phases b of the Fourier features.
    let omegaX: [Double], omegaY: [Double], phases: [Double]
    let xQuadraticStart: Int, yQuadraticStart: Int, crossStart: Int, fourierStart: Int
    let count: Int

    static func quadraticCounts(_ terms: LinearCritic.QuadraticTerms, _ dx: Int, _ dy: Int) -> (Int, Int, Int) {
        switch terms {
        case .none: (0, 0, 0)
        case .paired: (dx, dy, dx)
        case .full: (dx * (dx + 1) / 2, dy * (dy + 1) / 2, dx * dy)
        }
    }

    static func count(_ features: LinearCritic.Features, _ dx: Int, _ dy: Int) -> Int {
        let (qx, qy, c) = quadraticCounts(features.quadratic, dx, dy)
        return 1 + dx + dy + qx + qy + c + max(0, features.randomFourierCount)
    }

    init(_ features: LinearCritic.Features, data: CriticTrainingData) throws(MonteCarloError) {
        dx = data.xDimension
        dy = data.yDimension
        if features.quadratic == .paired, dx != dy {
            throw .dimensionMismatch(what: "d_y for paired quadratic terms (must equal d_x)",
                                                   expected: dx, actual: dy)
        }
        guard features.randomFourierCount >= 0 else {
            throw .invalidParameter(name: "randomFourierCount", value: Double(features.randomFourierCount),
                                                  requirement: "≥ 0")
        }
        guard features.randomFourierBandwidth > 0, features.randomFourierBandwidth.isFinite else {
            throw .invalidParameter(name: "randomFourierBandwidth", value: features.randomFourierBandwidth,
                                                  requirement: "positive and finite")
        }
        self.features = features
        (xCenter, xScale) = try CriticTrainingData.standardization(data.x, name: "x")
        (yCenter, yScale) = try CriticTrainingData.standardization(data.y, name: "y")
        let m = features.randomFourierCount
        var generator = Xoshiro256PlusPlus(seed: features.seed)
        let inverseBandwidth = 1 / features.randomFourierBandwidth
        var ox = [Double](repeating: 0, count: m * dx), oy = [Double](repeating: 0, count: m * dy)
        var b = [Double](repeating: 0, count: m)
        for r in 0..<m {
            for k in 0..<dx { ox[r * dx + k] = inverseBandwidth * generator.nextStandardNormal() }
            for k in 0..<dy { oy[r * dy + k] = inverseBandwidth * generator.nextStandardNormal() }
            b[r] = 2 * Double.pi * generator.nextUniform()
        }
        omegaX = ox
        omegaY = oy
        phases = b
        let (qx, qy, c) = Self.quadraticCounts(features.quadratic, dx, dy)
        xQuadraticStart = 1 + dx + dy
        yQuadraticStart = xQuadraticStart + qx
        crossStart = yQuadraticStart + qy
        fourierStart = crossStart + c
        count = fourierStart + m
    }

    @inline(__always) func standardizedX(_ x: [Double]) -> [Double] { (0..<dx).map { (x[$0] - xCenter[$0]) / xScale[$0] } }
    @inline(__always) func standardizedY(_ y: [Double]) -> [Double] { (0..<dy).map { (y[$0] - yCenter[$0]) / yScale[$0] } }

    /// φ(x[xRow], y[yRow]) into `row` (length `count`).
    func fill(_ row: inout [Double], x: [[Double]], xRow: Int, y: [[Double]], yRow: Int) {
        let u = standardizedX(x[xRow]), v = standardizedY(y[yRow])
        row[0] = 1
        for k in 0..<dx { row[1 + k] = u[k] }
        for k in 0..<dy { row[1 + dx + k] = v[k] }
        switch features.quadratic {
        case .none:
            break
        case .paired:
            for k in 0..<dx {
                row[xQuadraticStart + k] = u[k] * u[k]
                row[yQuadraticStart + k] = v[k] * v[k]
                row[crossStart + k] = u[k] * v[k]
            }
        case .full:
            var c = xQuadraticStart
            for k in 0..<dx { for l in k..<dx { row[c] = u[k] * u[l]; c += 1 } }
            for k in 0..<dy { for l in k..<dy { row[c] = v[k] * v[l]; c += 1 } }
            for k in 0..<dx { for l in 0..<dy { row[c] = u[k] * v[l]; c += 1 } }
        }
        let m = features.randomFourierCount
        guard m > 0 else { return }
        let amplitude = (2 / Double(m)).squareRoot()
        for r in 0..<m {
            var angle = phases[r]
            for k in 0..<dx { angle += omegaX[r * dx + k] * u[k] }
            for k in 0..<dy { angle += omegaY[r * dy + k] * v[k] }
            row[fourierStart + r] = amplitude * cos(angle)
        }
    }

    /// Row-major S[i, j] = wᵀφ(xᵢ, yⱼ) + offset, as a(xᵢ) + b(yⱼ) + (L Rᵀ)ᵢⱼ with one BLAS product.
    func scoreMatrix(_ w: [Double], x: [[Double]], y: [[Double]], offset: Double) -> [Double] {
        let n = x.count
        let us = x.map(standardizedX), vs = y.map(standardizedY)
        var a = [Double](repeating: w[0] + offset, count: n), b = [Double](repeating: 0, count: n)
        let m = features.randomFourierCount
        let rank: Int = switch features.quadratic {
        case .none: 0
        case .paired: dx
        case .full: dy
        }
        let width = rank + 2 * m
        var left = Matrix(rows: n, columns: max(width, 1)), right = Matrix(rows: n, columns: max(width, 1))
        let amplitude = m > 0 ? (2 / Double(m)).squareRoot() : 0
        for i in 0..<n {
            let u = us[i], v = vs[i]
            for k in 0..<dx { a[i] += w[1 + k] * u[k] }
            for k in 0..<dy { b[i] += w[1 + dx + k] * v[k] }
            switch features.quadratic {
            case .none:
                break
            case .paired:
                for k in 0..<dx {
                    a[i] += w[xQuadraticStart + k] * u[k] * u[k]
                    b[i] += w[yQuadraticStart + k] * v[k] * v[k]
                    left[i, k] = w[crossStart + k] * u[k]
                    right[i, k] = v[k]
                }
            case .full:
                var c = xQuadraticStart
                for k in 0..<dx { for l in k..<dx { a[i] += w[c] * u[k] * u[l]; c += 1 } }
                for k in 0..<dy { for l in k..<dy { b[i] += w[c] * v[k] * v[l]; c += 1 } }
                for l in 0..<dy {
                    var s = 0.0
                    for k in 0..<dx { s += w[crossStart + k * dy + l] * u[k] }
                    left[i, l] = s
                    right[i, l] = v[l]
                }
            }
            // cos(α + β) = cos α cos β − sin α sin β with α = ω_xᵀu + b (row) and β = ω_yᵀv (column).
            for r in 0..<m {
                var alpha = phases[r], beta = 0.0
                for k in 0..<dx { alpha += omegaX[r * dx + k] * u[k] }
                for k in 0..<dy { beta += omegaY[r * dy + k] * v[k] }
                let weight = amplitude * w[fourierStart + r]
                left[i, rank + 2 * r] = weight * cos(alpha)
                left[i, rank + 2 * r + 1] = -weight * sin(alpha)
                right[i, rank + 2 * r] = cos(beta)
                right[i, rank + 2 * r + 1] = sin(beta)
            }
        }
        var values = [Double](repeating: 0, count: n * n)
        let cross: Matrix? = width > 0 ? (try? left.product(transposingSelf: false, right, transposingOther: true)) : nil
        for i in 0..<n {
            for j in 0..<n {
                values[i * n + j] = a[i] + b[j] + (cross?.storage[i + j * n] ?? 0)
            }
        }
        return values
    }
}
