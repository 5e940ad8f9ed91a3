import Foundation
import MonteCarloCore
import StatisticalTesting
import Testing
@testable import SlicedWassersteinModule

/// Closed forms and deterministic structure: translations, affine images, d = 1, evenness,
/// scaling, weights, thread-count invariance, typed errors.
@Suite("Sliced Wasserstein: exact cases")
struct SlicedWassersteinExactTests {
    static let d = 5
    static let v: [Double] = [1, -2, 0.5, 3, -1]
    static var vNorm2: Double { v.reduce(0) { $0 + $1 * $1 } }

    func translatedClouds(n: Int = 200, d: Int = d, v: [Double] = v, seed: UInt64 = 3) throws -> (PointCloud, PointCloud) {
        let x = Support.gaussianPoints(n, d, seed: seed)
        let y = (0..<(n * d)).map { x[$0] + v[$0 % d] }
        return (try PointCloud(points: x, dimension: d), try PointCloud(points: y, dimension: d))
    }

    @Test("translation: plain MC covers |v|²/d within 5 SE, and its per-direction variance matches theory")
    func translationPlain() throws {
        let (x, y) = try translatedClouds()
        let sw = try SlicedWasserstein(x, y)
        let estimate = try sw.estimate(projections: 4000, seed: 1)
        let truth = Self.vNorm2 / Double(Self.d)
        let check = StatisticalCheck.consistency(of: estimate, with: truth)
        #expect(check.passed, "\(check)")
        // σ_f² = 2(d−1)|v|⁴/(d²(d+2)); the sample variance of 4000 values is within 15%
        // (its relative s.d. is √((κ − 1)/L) ≈ 0.03 for the kurtosis κ ≈ 4.6 of (θᵀv)²).
        let d = Double(Self.d)
        let sigma2 = 2 * (d - 1) * Self.vNorm2 * Self.vNorm2 / (d * d * (d + 2))
        let measured = estimate.diagnostics.figures["perDirectionVariance"]!
        #expect(abs(measured / sigma2 - 1) < 0.15, "σ_f² \(measured) vs \(sigma2)")
        #expect(estimate.sampleCount == 4000)
        #expect(estimate.degreesOfFreedom == 3999)
    }

    @Test("translation for general p: SW_p^p = |v|^p Γ(d/2)Γ((p+1)/2)/(√π Γ((d+p)/2))", arguments: [1.0, 1.5, 3.0])
    func translationGeneralOrder(p: Double) throws {
        let (x, y) = try translatedClouds()
        let sw = try SlicedWasserstein(x, y, p: p)
        let estimate = try sw.estimate(projections: 4000, seed: 2)
        let truth = pow(Self.vNorm2.squareRoot(), p) * Support.sphereAbsoluteMoment(p: p, d: Self.d)
        let check = StatisticalCheck.consistency(of: estimate, with: truth)
        #expect(check.passed, "p = \(p): \(check)")
    }

    @Test("reference check: p = 1, d = 5, |b| = 3 gives 1.125")
    func translationReferenceNumber() {
        #expect(abs(3 * Support.sphereAbsoluteMoment(p: 1, d: 5) - 1.125) < 1e-12)
    }

    @Test("translation: the least-squares lower-bound control is exact, with a sane rounding-floor error bar")
    func translationLowerControlIsExact() throws {
        let (x, y) = try translatedClouds()
        let sw = try SlicedWasserstein(x, y)
        let truth = Self.vNorm2 / Double(Self.d)
        for projections in [20, 200] {
            let estimate = try sw.estimate(projections: projections, method: .controlVariates(.lower), seed: 4)
            #expect(abs(estimate.value - truth) < 1e-12 * truth, "\(estimate)")
            #expect(estimate.variance > 0 && estimate.variance.isFinite)
            #expect(estimate.standardError < 1e-6 * truth)
            #expect(estimate.diagnostics.warnings.contains { $0.contains("rounding floor") })
            #expect(abs(estimate.diagnostics.coefficients[0] - 1) < 1e-9)
            let interval = try estimate.confidenceInterval(level: 0.95)
            #expect(interval.contains(truth))
            #expect(estimate.effectiveSampleSize > 1e6 * Double(projections))
            #expect(estimate.degreesOfFreedom == Double(projections - 2))
            // The delta-method root stays finite and sane.
            let root = try SlicedWasserstein.distanceEstimate(fromPower: estimate, p: 2)
            #expect(abs(root.value - truth.squareRoot()) < 1e-12)
        }
    }

    /// Y = cX + b: f(θ) = θᵀMθ with M = (1/n)Σ vᵢvᵢᵀ, vᵢ = (c − 1)xᵢ + b.
    func affineImage(c: Double, b: [Double], n: Int = 150, d: Int = 4, seed: UInt64 = 8) throws -> (SlicedWasserstein, truth: Double, sigma2: Double) {
        let x = Support.gaussianPoints(n, d, seed: seed).enumerated().map { $0.element * (1 + Double($0.offset % d)) }
        let y = (0..<(n * d)).map { c * x[$0] + b[$0 % d] }
        var m = [Double](repeating: 0, count: d * d)
        for i in 0..<n {
            let v = (0..<d).map { (c - 1) * x[i * d + $0] + b[$0] }
            for a in 0..<d { for e in 0..<d { m[a * d + e] += v[a] * v[e] / Double(n) } }
        }
        let trace = (0..<d).reduce(0) { $0 + m[$1 * d + $1] }
        var trace2 = 0.0
        for a in 0..<d { for e in 0..<d { trace2 += m[a * d + e] * m[e * d + a] } }
        let dd = Double(d)
        let sigma2 = 2 * (dd * trace2 - trace * trace) / (dd * dd * (dd + 2))
        let sw = try SlicedWasserstein(try PointCloud(points: x, dimension: d), try PointCloud(points: y, dimension: d))
        return (sw, trace / dd, sigma2)
    }

    @Test("affine image: full orthogonal blocks and the two-control regression are exact; plain MC covers tr M/d")
    func affineImageExactness() throws {
        let (sw, truth, sigma2) = try affineImage(c: 0.5, b: [1, 0, -2, 0.5])
        let orthogonal = try sw.estimate(projections: 40, method: .orthogonal, seed: 9)
        #expect(orthogonal.sampleCount == 40)
        #expect(abs(orthogonal.value - truth) < 1e-12 * truth, "\(orthogonal)")
        #expect(orthogonal.standardError < 1e-10 * truth)
        // The block means agree to rounding: the error bar is the rounding floor, and it covers.
        #expect(abs(orthogonal.value - truth) <= 5 * orthogonal.standardError, "\(orthogonal)")
        #expect(orthogonal.diagnostics.warnings.contains { $0.contains("rounding floor") })
        let both = try sw.estimate(projections: 50, method: .controlVariates(.both), seed: 9)
        #expect(abs(both.value - truth) < 1e-11 * truth, "\(both)")
        let plain = try sw.estimate(projections: 4000, seed: 10)
        #expect(StatisticalCheck.consistency(of: plain, with: truth).passed, "\(plain) vs \(truth)")
        let measured = plain.diagnostics.figures["perDirectionVariance"]!
        #expect(abs(measured / sigma2 - 1) < 0.15, "σ_f² \(measured) vs \(sigma2)")
    }

    @Test("scaling about the mean: the upper-bound control is exact")
    func scalingUpperControl() throws {
        let n = 120, d = 3
        let x = Support.gaussianPoints(n, d, seed: 21)
        let cloud = try PointCloud(points: x, dimension: d)
        let m = cloud.mean
        let c = 1.8
        let y = (0..<(n * d)).map { m[$0 % d] + c * (x[$0] - m[$0 % d]) }
        let sw = try SlicedWasserstein(cloud, try PointCloud(points: y, dimension: d))
        let truth = (c - 1) * (c - 1) * cloud.totalVariance / Double(d)
        let upper = try sw.estimate(projections: 30, method: .controlVariates(.upper), seed: 1)
        #expect(abs(upper.value - truth) < 1e-11 * truth, "\(upper) vs \(truth)")
        // The lower control is constant (equal means): it is dropped, and the estimate is plain MC.
        let lower = try sw.estimate(projections: 300, method: .controlVariates(.lower), seed: 1)
        #expect(lower.diagnostics.warnings.contains { $0.contains("constant") })
        #expect(StatisticalCheck.consistency(of: lower, with: truth).passed)
        let plain = try sw.estimate(projections: 300, seed: 1)
        #expect(abs(lower.value - plain.value) < 1e-12 * truth)
    }

    @Test("d = 1: SW equals W for any directions, with weights and unequal sizes")
    func oneDimension() throws {
        let x: [Double] = [0.3, -1, 2, 5, 0]
        let y: [Double] = [1, 1.5, -0.5]
        let wx: [Double] = [1, 2, 0.5, 1, 3]
        let w = try OneDimensionalWasserstein.powerDistance(x, y, p: 2, weightsX: wx)
        let sw = try SlicedWasserstein(try PointCloud(points: x, dimension: 1, weights: wx), try PointCloud(points: y, dimension: 1))
        for method in [SlicedWasserstein.Method.monteCarlo, .orthogonal, .randomizedQuasiMonteCarlo(randomizations: 4)] {
            let estimate = try sw.estimate(projections: 16, method: method, seed: 3)
            #expect(abs(estimate.value - w) < 1e-14, "\(method): \(estimate) vs \(w)")
            // f is constant: the error bar is the rounding floor 8·√(n + m)·ε·|W|, which covers.
            #expect(estimate.standardError <= 8 * Double(8).squareRoot() * Double.ulpOfOne * w * (1 + 1e-9), "\(estimate)")
            #expect(abs(estimate.value - w) <= 5 * estimate.standardError, "\(estimate)")
        }
        #expect(try sw.projectedCosts(directions: [1, -1]).allSatisfy { abs($0 - w) < 1e-14 })
    }

    @Test("f(−θ) = f(θ) (why antithetic directions are useless), and SW(cX, cY) = |c|^p SW(X, Y) with shared directions")
    func evennessAndScaling() throws {
        let d = 3
        let x = Support.gaussianPoints(40, d, seed: 1)
        let y = Support.gaussianPoints(55, d, seed: 2).map { 2 * $0 + 1 }
        let theta = SlicingDirections.uniform(dimension: d, count: 50, seed: 7)
        for p in [1.0, 2.0, 3.5] {
            let sw = try SlicedWasserstein(try PointCloud(points: x, dimension: d), try PointCloud(points: y, dimension: d), p: p)
            let plus = try sw.projectedCosts(directions: theta)
            let minus = try sw.projectedCosts(directions: theta.map { -$0 })
            for l in plus.indices { #expect(abs(plus[l] - minus[l]) <= 1e-12 * plus[l]) }
            let c = -2.5
            let scaled = try SlicedWasserstein(try PointCloud(points: x.map { c * $0 }, dimension: d),
                                               try PointCloud(points: y.map { c * $0 }, dimension: d), p: p)
            let scaledCosts = try scaled.projectedCosts(directions: theta)
            for l in plus.indices { #expect(abs(scaledCosts[l] / plus[l] - pow(abs(c), p)) < 1e-11) }
        }
    }

    @Test("weights: a weight of 2 equals a duplicated point; unequal sizes agree with the 1-D routine per direction")
    func weightsAndSizes() throws {
        let d = 2
        let x: [Double] = [0, 0, 1, 2, -1, 0.5]
        let xDuplicated: [Double] = [0, 0, 0, 0, 1, 2, -1, 0.5]
        let y = Support.gaussianPoints(7, d, seed: 4)
        let theta = SlicingDirections.uniform(dimension: d, count: 20, seed: 1)
        let weighted = try SlicedWasserstein(try PointCloud(points: x, dimension: d, weights: [2, 1, 1]),
                                             try PointCloud(points: y, dimension: d), p: 1.5)
        let duplicated = try SlicedWasserstein(try PointCloud(points: xDuplicated, dimension: d),
                                               try PointCloud(points: y, dimension: d), p: 1.5)
        let a = try weighted.projectedCosts(directions: theta)
        let b = try duplicated.projectedCosts(directions: theta)
        for l in a.indices {
            #expect(abs(a[l] - b[l]) < 1e-13)
            let px = (0..<4).map { xDuplicated[2 * $0] * theta[2 * l] + xDuplicated[2 * $0 + 1] * theta[2 * l + 1] }
            let py = (0..<7).map { y[2 * $0] * theta[2 * l] + y[2 * $0 + 1] * theta[2 * l + 1] }
            let direct = try OneDimensionalWasserstein.powerDistance(px, py, p: 1.5)
            #expect(abs(b[l] - direct) < 1e-13)
        }
    }

    @Test("large weighted clouds (radix-sort path): integer weights equal duplicated points")
    func largeWeightedClouds() throws {
        let d = 3, n = 300, m = 280
        var g = Xoshiro256PlusPlus(seed: 44)
        let x = Support.gaussianPoints(n, d, seed: 45)
        let y = Support.gaussianPoints(m, d, seed: 46).map { $0 * 1.3 + 0.2 }
        let counts = (0..<n).map { _ in Int(g.next() % 3) + 1 }
        var duplicated: [Double] = []
        for i in 0..<n { for _ in 0..<counts[i] { duplicated += x[(i * d)..<((i + 1) * d)] } }
        let weighted = try SlicedWasserstein(try PointCloud(points: x, dimension: d, weights: counts.map(Double.init)),
                                             try PointCloud(points: y, dimension: d), p: 1.5)
        let expanded = try SlicedWasserstein(try PointCloud(points: duplicated, dimension: d),
                                             try PointCloud(points: y, dimension: d), p: 1.5)
        let theta = SlicingDirections.uniform(dimension: d, count: 16, seed: 3)
        let a = try weighted.projectedCosts(directions: theta)
        let b = try expanded.projectedCosts(directions: theta)
        for l in a.indices { #expect(abs(a[l] - b[l]) < 1e-12 * b[l], "direction \(l): \(a[l]) vs \(b[l])") }
    }

    @Test("identical clouds: SW = 0 ± 0, and its root too")
    func identicalClouds() throws {
        let x = try PointCloud(points: Support.gaussianPoints(30, 3, seed: 1), dimension: 3)
        let sw = try SlicedWasserstein(x, x)
        let estimate = try sw.estimate(projections: 10, seed: 1)
        #expect(estimate.value == 0 && estimate.variance == 0)
        let root = try sw.estimateDistance(projections: 10, seed: 1)
        #expect(root.value == 0 && root.variance == 0)
        let cv = try sw.estimate(projections: 10, method: .controlVariates(.both), seed: 1)
        #expect(cv.value == 0 && cv.variance == 0)
    }

    @Test("the delta method: SW_p = v^{1/p}, variance (v^{1/p−1}/p)² Var v̂, Jensen bias declared")
    func deltaMethod() throws {
        let (x, y) = try translatedClouds()
        let sw = try SlicedWasserstein(x, y, p: 3)
        let power = try sw.estimate(projections: 500, seed: 5)
        let root = try sw.estimateDistance(projections: 500, seed: 5)
        #expect(abs(root.value - pow(power.value, 1.0 / 3)) < 1e-14 * root.value)
        let derivative = pow(power.value, 1.0 / 3 - 1) / 3
        #expect(abs(root.variance - derivative * derivative * power.variance) < 1e-12 * root.variance)
        #expect(root.diagnostics.declaredBias != nil)
        #expect(root.diagnostics.figures["jensenBiasApproximation"]! < 0)
        let negative = Estimate(value: -0.1, variance: 0.01, sampleCount: 10, effectiveSampleSize: 10,
                                diagnostics: Diagnostics(method: "test"))
        #expect(throws: MonteCarloError.self) { try SlicedWasserstein.distanceEstimate(fromPower: negative, p: 2) }
    }

    @Test("the same seed gives bit-identical results for 1 and 4 threads, for every method")
    func threadCountInvariance() throws {
        let (x, y) = try Support.anchorB(n: 300, seed: 1)
        var one = try SlicedWasserstein(x, y, threadCount: 1)
        var four = one
        four.threadCount = 4
        for method in [SlicedWasserstein.Method.monteCarlo, .orthogonal, .randomizedQuasiMonteCarlo(randomizations: 8),
                       .controlVariates(.both), .randomizedSpiral(randomizations: 4), .sphericalHarmonics(maxDegree: 4)] {
            let a = try one.estimate(projections: 257, method: method, seed: 99)
            let b = try four.estimate(projections: 257, method: method, seed: 99)
            #expect(a == b, "\(method)")
        }
        one.threadCount = 3
        #expect(try one.estimate(projections: 100, seed: 1) == four.estimate(projections: 100, seed: 1))
        // Directions depend on the seed only: a prefix of a longer plain run uses the same directions.
        let short = SlicingDirections.uniform(dimension: 3, count: 100, seed: 5)
        let long = SlicingDirections.uniform(dimension: 3, count: 300, seed: 5)
        #expect(Array(long[0..<300]) == short)
    }

    @Test("orthogonal blocks are orthonormal; directions are unit vectors")
    func directionGeometry() throws {
        let d = 7
        let q = SlicingDirections.orthogonalBlocks(dimension: d, blocks: 3, seed: 2)
        for b in 0..<3 {
            for i in 0..<d {
                for j in 0..<d {
                    var dot = 0.0
                    for k in 0..<d { dot += q[(b * d + i) * d + k] * q[(b * d + j) * d + k] }
                    #expect(abs(dot - (i == j ? 1 : 0)) < 1e-13)
                }
            }
        }
        let qmc = try SlicingDirections.randomizedQuasiRandom(dimension: d, pointsPerSet: 16, randomizations: 2, seed: 1)
        for l in 0..<32 {
            let norm2 = (0..<d).reduce(0) { $0 + qmc[l * d + $1] * qmc[l * d + $1] }
            #expect(abs(norm2 - 1) < 1e-13)
        }
        let spiral = SlicingDirections.randomizedSpiral(pointsPerSet: 50, randomizations: 2, seed: 1)
        for l in 0..<100 {
            let norm2 = (0..<3).reduce(0) { $0 + spiral[l * 3 + $1] * spiral[l * 3 + $1] }
            #expect(abs(norm2 - 1) < 1e-13)
        }
    }

    @Test("bad input gives typed errors")
    func errors() throws {
        #expect(throws: MonteCarloError.insufficientSamples(needed: 1, available: 0, reason: "in a point cloud")) {
            try PointCloud(points: [], dimension: 2)
        }
        #expect(throws: MonteCarloError.nonFinite(quantity: "point coordinate", index: 1)) {
            try PointCloud(points: [0, 1, .nan, 2], dimension: 2)
        }
        #expect(throws: MonteCarloError.dimensionMismatch(what: "coordinates of point 1", expected: 2, actual: 3)) {
            try PointCloud(rows: [[0, 1], [1, 2, 3]])
        }
        #expect(throws: MonteCarloError.self) { try PointCloud(points: [0, 1, 2], dimension: 2) }
        #expect(throws: MonteCarloError.invalidParameter(name: "weights[0]", value: -1, requirement: "non-negative")) {
            try PointCloud(points: [0, 1], dimension: 1, weights: [-1, 2])
        }
        #expect(throws: MonteCarloError.invalidParameter(name: "sum of weights", value: 0, requirement: "finite and positive")) {
            try PointCloud(points: [0, 1], dimension: 1, weights: [0, 0])
        }
        let a = try PointCloud(points: [0, 1, 2, 3], dimension: 2)
        let b = try PointCloud(points: [0, 1, 2], dimension: 1)
        #expect(throws: MonteCarloError.dimensionMismatch(what: "point dimension of the two clouds", expected: 2, actual: 1)) {
            try SlicedWasserstein(a, b)
        }
        #expect(throws: MonteCarloError.invalidParameter(name: "p", value: 0.9, requirement: "finite and at least 1")) {
            try SlicedWasserstein(a, a, p: 0.9)
        }
        let sw = try SlicedWasserstein(a, a)
        #expect(throws: MonteCarloError.insufficientSamples(needed: 2, available: 1, reason: "(directions) for a variance")) {
            try sw.estimate(projections: 1, seed: 1)
        }
        #expect(throws: MonteCarloError.self) { try sw.estimate(projections: 2, method: .orthogonal, seed: 1) }
        #expect(throws: MonteCarloError.invalidParameter(name: "randomizations", value: 1, requirement: "at least 2")) {
            try sw.estimate(projections: 10, method: .randomizedQuasiMonteCarlo(randomizations: 1), seed: 1)
        }
        #expect(throws: MonteCarloError.self) { try sw.estimate(projections: 3, method: .controlVariates(.both), seed: 1) }
        #expect(throws: MonteCarloError.invalidParameter(name: "dimension", value: 2, requirement: "3 for spiral directions")) {
            try sw.estimate(projections: 10, method: .randomizedSpiral(randomizations: 2), seed: 1)
        }
        let wide = try PointCloud(points: [Double](repeating: 1, count: 41), dimension: 41)
        #expect(throws: MonteCarloError.self) {
            try SlicedWasserstein(wide, wide).estimate(projections: 10, method: .randomizedQuasiMonteCarlo(randomizations: 2), seed: 1)
        }
        #expect(throws: MonteCarloError.nonFinite(quantity: "direction coordinate", index: 1)) {
            try sw.projectedCosts(directions: [1, 0, .nan, 0])
        }
    }
}
