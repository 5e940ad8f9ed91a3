import Foundation
import MonteCarloCore
import Testing
@testable import SlicedWassersteinModule

@Suite("Sliced Wasserstein: gradient with respect to the source points")
struct GradientTests {
    @Test("with fixed directions the gradient equals central finite differences (unequal sizes, weights, p = 2 and 1.5)",
          arguments: [2.0, 1.5])
    func finiteDifferences(p: Double) throws {
        let d = 3, n = 9, m = 7
        let x = Support.gaussianPoints(n, d, seed: 1)
        let y = Support.gaussianPoints(m, d, seed: 2).map { 1.5 * $0 + 0.3 }
        let wx: [Double] = (0..<n).map { 1 + Double($0 % 3) }
        let theta = SlicingDirections.uniform(dimension: d, count: 6, seed: 3)
        func objective(_ points: [Double]) throws -> Double {
            let sw = try SlicedWasserstein(try PointCloud(points: points, dimension: d, weights: wx),
                                           try PointCloud(points: y, dimension: d), p: p)
            let f = try sw.projectedCosts(directions: theta)
            return f.reduce(0, +) / Double(f.count)
        }
        let sw = try SlicedWasserstein(try PointCloud(points: x, dimension: d, weights: wx),
                                       try PointCloud(points: y, dimension: d), p: p)
        let gradient = try sw.gradient(directions: theta)
        let h = 1e-6
        for c in 0..<(n * d) {
            var plus = x, minus = x
            plus[c] += h
            minus[c] -= h
            let numeric = (try objective(plus) - objective(minus)) / (2 * h)
            #expect(abs(numeric - gradient.values[c]) < 1e-6 * max(1, abs(numeric)), "coordinate \(c): \(numeric) vs \(gradient.values[c])")
        }
    }

    @Test("translation: E ∇ₓᵢ SW₂² = −2v/(n d) for every point, within 5 SE per coordinate")
    func translation() throws {
        let n = 20, d = 4
        let v: [Double] = [1, -2, 0.5, 3]
        let x = Support.gaussianPoints(n, d, seed: 9)
        let y = (0..<(n * d)).map { x[$0] + v[$0 % d] }
        let sw = try SlicedWasserstein(try PointCloud(points: x, dimension: d), try PointCloud(points: y, dimension: d))
        let gradient = try sw.gradient(projections: 2000, seed: 4)
        #expect(gradient.sampleCount == 2000)
        for i in 0..<n {
            for k in 0..<d {
                let truth = -2 * v[k] / Double(n * d)
                let e = gradient.component(point: i, coordinate: k)
                #expect(abs(e.value - truth) <= 5 * e.standardError, "point \(i), coordinate \(k): \(e) vs \(truth)")
            }
        }
        // Reported variances match the closed form: the gradient at xᵢ is −(2/n)θθᵀv, whose k-th
        // coordinate has variance (4/n²) Var(θ_k θᵀv); check the total within 15%.
        let replicated = try (0..<40).map { try sw.gradient(projections: 200, seed: 100 + UInt64($0)) }
        var empirical = 0.0
        for c in 0..<(n * d) {
            var moments = RunningMoments()
            for g in replicated { moments.add(g.values[c]) }
            empirical += moments.sampleVariance
        }
        let reported = replicated.map(\.totalVariance).reduce(0, +) / 40
        // The ratio of a 39-d.o.f. variance sum (correlated coordinates) to its estimate: loose bound.
        #expect(empirical / reported > 0.5 && empirical / reported < 2, "empirical \(empirical) vs reported \(reported)")
    }

    @Test("lower-control gradient: exact for a translation, consistent with plain MC and much less noisy on anchor B")
    func controlVariateGradient() throws {
        let n = 20, d = 4
        let v: [Double] = [1, -2, 0.5, 3]
        let x = Support.gaussianPoints(n, d, seed: 9)
        let y = (0..<(n * d)).map { x[$0] + v[$0 % d] }
        let translation = try SlicedWasserstein(try PointCloud(points: x, dimension: d), try PointCloud(points: y, dimension: d))
        let exact = try translation.gradient(projections: 50, controlVariates: true, seed: 4)
        #expect(exact.method == "sliced-wasserstein-gradient-cv-lower")
        #expect(exact.degreesOfFreedom == Double(50 - 1 - 1))
        for c in 0..<(n * d) {
            let truth = -2 * v[c % d] / Double(n * d)
            #expect(abs(exact.values[c] - truth) < 1e-10 * abs(truth), "coordinate \(c): \(exact.values[c]) vs \(truth)")
            #expect(exact.variances[c] < 1e-12 * truth * truth)
        }

        let (bx, by) = try Support.anchorB(n: 60, seed: 3)
        let sw = try SlicedWasserstein(bx, by)
        let plain = try sw.gradient(projections: 400, seed: 1)
        let cv = try sw.gradient(projections: 400, controlVariates: true, seed: 2)
        print("anchor B gradient total variance: plain \(plain.totalVariance), cv \(cv.totalVariance)")
        // The translation part of the gradient dominates here (|Δm|² = 6 vs tr Σ ≈ 10.5).
        #expect(plain.totalVariance / cv.totalVariance > 10)
        var worst = 0.0
        for c in 0..<(60 * 3) {
            let z = (cv.values[c] - plain.values[c]) / (cv.variances[c] + plain.variances[c]).squareRoot()
            worst = max(worst, abs(z))
        }
        // 180 coordinates: P(max |z| > 5) < 180 · 6e−7 for honest normal error bars.
        #expect(worst < 5)

        // Reported vs empirical total variance of the CV gradient over 40 replications (loose bound,
        // as for the plain gradient above).
        let replicated = try (0..<40).map { try sw.gradient(projections: 100, controlVariates: true, seed: 500 + UInt64($0)) }
        var empirical = 0.0
        for c in 0..<(60 * 3) {
            var moments = RunningMoments()
            for g in replicated { moments.add(g.values[c]) }
            empirical += moments.sampleVariance
        }
        let reported = replicated.map(\.totalVariance).reduce(0, +) / 40
        #expect(empirical / reported > 0.5 && empirical / reported < 2, "empirical \(empirical) vs reported \(reported)")

        // Equal means: no control, a warning, and the plain gradient.
        let same = try SlicedWasserstein(bx, bx)
        let fallback = try same.gradient(projections: 20, controlVariates: true, seed: 1)
        #expect(fallback.method == "sliced-wasserstein-gradient-mc" && !fallback.warnings.isEmpty)
        #expect(throws: MonteCarloError.self) { try sw.gradient(projections: 3, controlVariates: true, seed: 1) }
    }
}
