import Foundation
import MonteCarloCore
import StatisticalTesting
import Testing
import VarianceReduction
@testable import SlicedWassersteinModule

/// A direction scheme written outside the library, as a newcomer would: one type.
///
/// The cross-polytope of a Haar rotation: the 2d directions ±q_k for the columns q_k of a
/// Haar-random orthogonal matrix. Each is uniform on the sphere, and on an affine image
/// (f(θ) = θᵀMθ) the set mean is exactly tr M/d.
struct CrossPolytopeDirections: SlicingDirectionSampler {
    let dimension: Int
    var pointsPerSet: Int { 2 * dimension }
    var name: String { "cross-polytope" }

    func appendSet(to points: inout [[Double]], using generator: inout Xoshiro256PlusPlus) {
        let d = dimension
        var q = [Double](repeating: 0, count: d * d)
        q.withUnsafeMutableBufferPointer { SlicingDirections.fillHaarOrthogonal($0.baseAddress!, dimension: d, using: &generator) }
        for k in 0..<d {
            let column = Array(q[(k * d)..<((k + 1) * d)])
            points.append(column)
            points.append(column.map { -$0 })
        }
    }
}

@Suite("Sliced Wasserstein: direction schemes through the generic path")
struct DirectionSchemeTests {
    /// Y = cX + b with truth tr M/d, M = (1/n) Σ vᵢvᵢᵀ, vᵢ = (c − 1)xᵢ + b (a closed form).
    func affineImage(n: Int = 80, d: Int = 4) throws -> (SlicedWasserstein, truth: Double) {
        let c = 0.5, b: [Double] = [1, 0, -2, 0.5]
        let x = Support.gaussianPoints(n, d, seed: 8)
        let y = (0..<(n * d)).map { c * x[$0] + b[$0 % d] }
        var trace = 0.0
        for i in 0..<n { for k in 0..<d { let t = (c - 1) * x[i * d + k] + b[k]; trace += t * t } }
        let sw = try SlicedWasserstein(try PointCloud(points: x, dimension: d), try PointCloud(points: y, dimension: d))
        return (sw, trace / Double(n * d))
    }

    @Test("a scheme written in one type runs through estimate(directions:sets:seed:) and is exact on an affine image")
    func newcomerScheme() throws {
        let (sw, truth) = try affineImage()
        let estimate = try sw.estimate(directions: CrossPolytopeDirections(dimension: 4), sets: 12, seed: 3)
        #expect(abs(estimate.value - truth) < 1e-12 * truth, "\(estimate) vs \(truth)")
        #expect(estimate.sampleCount == 12 * 8)
        #expect(estimate.degreesOfFreedom == 11)
        #expect(estimate.diagnostics.method == "sliced-wasserstein-cross-polytope")
        // The set means agree to rounding: the error bar is the rounding floor, and it covers.
        #expect(abs(estimate.value - truth) <= 5 * estimate.standardError)
        #expect(throws: MonteCarloError.self) { try sw.estimate(directions: CrossPolytopeDirections(dimension: 4), sets: 1, seed: 3) }
    }

    @Test("translation: every built-in scheme covers |v|²/d, the lower control is exact", arguments: [
        SlicedWasserstein.Method.monteCarlo, .orthogonal, .randomizedQuasiMonteCarlo(randomizations: 10), .controlVariates(.lower),
    ])
    func translation(method: SlicedWasserstein.Method) throws {
        let n = 60, d = 3
        let v: [Double] = [1, -2, 0.5]
        let x = Support.gaussianPoints(n, d, seed: 5)
        let y = (0..<(n * d)).map { x[$0] + v[$0 % d] }
        let sw = try SlicedWasserstein(try PointCloud(points: x, dimension: d), try PointCloud(points: y, dimension: d))
        let truth = v.reduce(0) { $0 + $1 * $1 } / Double(d)
        let estimate = try sw.estimate(projections: 600, method: method, seed: 7)
        #expect(StatisticalCheck.consistency(of: estimate, with: truth).passed, "\(method): \(estimate) vs \(truth)")
        if case .controlVariates = method { #expect(abs(estimate.value - truth) < 1e-12 * truth, "\(estimate)") }
    }
}
