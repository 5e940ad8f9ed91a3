import Foundation
import MonteCarloCore
import StatisticalTesting
import Testing
@testable import SlicedWassersteinModule

/// Gradient control variates (lower, upper, both) and the gradient's covariance, against the
/// closed form of affine images: for Y = cX + b (c > 0, equal sizes and weights, p = 2) every
/// projected matching pairs xᵢ with yᵢ, so ∇_{xᵢ}f(θ) = (2/n)θθᵀ(xᵢ − yᵢ) and
/// ∇_{xᵢ}SW₂² = (2/n)E[θθᵀ](xᵢ − yᵢ) = 2(xᵢ − yᵢ)/(n d).
@Suite("Sliced Wasserstein: gradient control variates and covariance")
struct GradientControlTests {
    /// X (n × d standard normal) and Y = cX + b.
    static func affine(n: Int, d: Int, c: Double, b: [Double], seed: UInt64) throws -> (SlicedWasserstein, truth: [Double]) {
        let x = Support.gaussianPoints(n, d, seed: seed)
        let y = (0..<(n * d)).map { c * x[$0] + b[$0 % d] }
        let sw = try SlicedWasserstein(try PointCloud(points: x, dimension: d), try PointCloud(points: y, dimension: d))
        let truth = (0..<(n * d)).map { 2 * (x[$0] - y[$0]) / Double(n * d) }
        return (sw, truth)
    }

    @Test("exact cases: lower and both on a translation, upper and both on a scaling about the mean, both on Y = cX + b")
    func exactCases() throws {
        let n = 12, d = 3
        let x = Support.gaussianPoints(n, d, seed: 21)
        let mean = (0..<d).map { k in (0..<n).reduce(0.0) { $0 + x[$1 * d + k] } / Double(n) }
        let shift: [Double] = [1, -2, 0.5]
        // A scaling about the mean: Y = 0.4(X − m) + m, i.e. c = 0.4, b = 0.6m.
        let cases: [(String, Double, [Double], [SlicedWasserstein.GaussianControls])] = [
            ("translation", 1, shift, [.lower, .both]),
            ("scaling about the mean", 0.4, mean.map { 0.6 * $0 }, [.upper, .both]),
            ("affine image", 0.5, shift, [.both]),
        ]
        for (label, c, b, exactControls) in cases {
            let (sw, truth) = try Self.affine(n: n, d: d, c: c, b: b, seed: 21)
            for controls in exactControls {
                let g = try sw.gradient(projections: 40, controls: controls, seed: 5)
                #expect(g.method == "sliced-wasserstein-gradient-cv-\(controls.rawValue)")
                let scale = truth.map(abs).max()!
                for index in 0..<(n * d) {
                    #expect(abs(g.values[index] - truth[index]) < 1e-10 * scale,
                            "\(label), \(controls): coordinate \(index) \(g.values[index]) vs \(truth[index])")
                    #expect(g.variances[index] < 1e-12 * scale * scale)
                }
            }
        }
    }

    @Test("non-exact controls and plain MC agree with the closed form within 5 SE per coordinate (Y = 0.5X + b)",
          arguments: [nil, SlicedWasserstein.GaussianControls.lower, .upper])
    func unbiasedOnAffineImage(controls: SlicedWasserstein.GaussianControls?) throws {
        let n = 10, d = 3
        let (sw, truth) = try Self.affine(n: n, d: d, c: 0.5, b: [1, -2, 0.5], seed: 22)
        let g = try sw.gradient(projections: 2000, controls: controls, seed: 6)
        // 30 coordinates: P(some |t| > 5) < 30 · 1e−6 for honest error bars.
        for index in 0..<(n * d) {
            let e = g.component(point: index / d, coordinate: index % d)
            #expect(abs(e.value - truth[index]) <= 5 * e.standardError, "\(String(describing: controls)): coordinate \(index): \(e) vs \(truth[index])")
        }
    }

    @Test("the covariance: symmetric, its diagonal is the reported variances, nil above the size limit, and plain MC's is the sample covariance over L")
    func covarianceStructure() throws {
        let (bx, by) = try Support.anchorB(n: 6, seed: 8)
        let sw = try SlicedWasserstein(bx, by)
        let size = 6 * 3
        for controls in [nil, SlicedWasserstein.GaussianControls.lower, .upper, .both] {
            let g = try sw.gradient(projections: 300, controls: controls, seed: 9)
            let covariance = try #require(g.covariance)
            #expect(covariance.count == size * size)
            for a in 0..<size {
                #expect(covariance[a * size + a] == g.variances[a])
                for b in 0..<a {
                    #expect(abs(covariance[a * size + b] - covariance[b * size + a]) <= 1e-12 * (g.variances[a] * g.variances[b]).squareRoot())
                    // Cauchy–Schwarz holds for the product form (both Gram factors are PSD).
                    #expect(abs(covariance[a * size + b]) <= (1 + 1e-9) * (g.variances[a] * g.variances[b]).squareRoot())
                }
            }
            #expect(g.pointCovariance(2)?.count == 9)
            let none = try sw.gradient(projections: 300, controls: controls, seed: 9, covarianceLimit: size - 1)
            #expect(none.covariance == nil && none.values == g.values && none.variances == g.variances)
        }
        // Plain MC: Cov(a, b) = (1/L)·(sample covariance of the per-direction gradients), computed here
        // from one-direction gradients on the same directions.
        let projections = 40
        let theta = SlicingDirections.uniform(dimension: 3, count: projections, seed: 10)
        let g = try sw.gradient(directions: theta)
        let singles = try (0..<projections).map { l in
            try sw.gradient(directions: Array(theta[(l * 3)..<((l + 1) * 3)]) + Array(theta[(l * 3)..<((l + 1) * 3)])).values
        }
        let covariance = try #require(g.covariance)
        for a in [0, 4, 17] {
            for b in [0, 5, 17] {
                let ma = singles.map { $0[a] }.reduce(0, +) / Double(projections)
                let mb = singles.map { $0[b] }.reduce(0, +) / Double(projections)
                let sample = zip(singles.map { $0[a] }, singles.map { $0[b] }).reduce(0) { $0 + ($1.0 - ma) * ($1.1 - mb) }
                    / Double(projections - 1) / Double(projections)
                #expect(abs(covariance[a * size + b] - sample) <= 1e-9 * (covariance[a * size + a] * covariance[b * size + b]).squareRoot(),
                        "(\(a), \(b)): \(covariance[a * size + b]) vs \(sample)")
            }
        }
    }

    static let replications = CalibrationScale.current.replications(fast: 200, full: 1000)

    /// Fixed weights v_a = cos(1.7a + 0.3) for the linear combination vᵀĝ, whose variance vᵀΣv
    /// involves every covariance entry. (Not the plain sum 1ᵀĝ: with the lower control it is
    /// exact, since Σᵢ∇_{xᵢ}f(θ) = 2θθᵀΔm for equal sizes and weights, and its variance is zero.)
    static func weight(_ a: Int) -> Double { cos(1.7 * Double(a) + 0.3) }
    static func combination(_ values: [Double]) -> Double {
        values.indices.reduce(0) { $0 + weight($1) * values[$1] }
    }
    static func quadraticForm(_ covariance: [Double]) -> Double {
        let size = Int(Double(covariance.count).squareRoot().rounded())
        var total = 0.0
        for a in 0..<size { for b in 0..<size { total += weight(a) * covariance[a * size + b] * weight(b) } }
        return total
    }

    /// Over `replications` gradients (L = 200, seeds `firstSeed` + r): the estimates of one
    /// coordinate, and of the combination vᵀĝ with variance vᵀΣ̂v from the full covariance.
    static func replicatedGradients(point: Int, coordinate k: Int, firstSeed: UInt64,
                                    _ gradient: (UInt64) throws -> SlicedWassersteinGradient) throws -> (coordinate: [Estimate], sums: [Estimate]) {
        var coordinate: [Estimate] = []
        var sums: [Estimate] = []
        for r in 0..<replications {
            let g = try gradient(firstSeed + UInt64(r))
            coordinate.append(g.component(point: point, coordinate: k))
            let covariance = try #require(g.covariance)
            sums.append(Estimate(value: combination(g.values), variance: quadraticForm(covariance), sampleCount: 200,
                                 effectiveSampleSize: 200, degreesOfFreedom: g.degreesOfFreedom,
                                 diagnostics: Diagnostics(method: g.method)))
        }
        return (coordinate, sums)
    }

    @Test("calibration on Y = 0.5X + b: one coordinate's 95% intervals cover the closed form; a linear combination vᵀĝ of all coordinates covers too, its variance matching vᵀΣv (off-diagonal terms included) within chi-square bounds",
          .tags(.calibration), arguments: [nil, SlicedWasserstein.GaussianControls.lower, .upper])
    func calibration(controls: SlicedWasserstein.GaussianControls?) throws {
        let n = 8, d = 3
        let (sw, truth) = try Self.affine(n: n, d: d, c: 0.5, b: [1, -2, 0.5], seed: 23)
        let (coordinate, sums) = try Self.replicatedGradients(point: 3, coordinate: 1, firstSeed: 70_000) {
            try sw.gradient(projections: 200, controls: controls, seed: $0)
        }
        let report = try CalibrationReport(estimates: coordinate, truth: truth[3 * d + 1])
        print("gradient calibration \(String(describing: controls)), coordinate (3, 1): \(report)")
        #expect(report.passed, "\(report)")
        let sumReport = try CalibrationReport(estimates: sums, truth: Self.combination(truth))
        print("gradient calibration \(String(describing: controls)), vᵀĝ: \(sumReport)")
        #expect(sumReport.passed, "\(sumReport)")
    }

    @Test("calibration on two Gaussian clouds with different means and covariances (no control exact): reported vs empirical variance of one coordinate and of vᵀĝ",
          .tags(.calibration), arguments: [nil, SlicedWasserstein.GaussianControls.lower, .upper, .both])
    func calibrationAnchorB(controls: SlicedWasserstein.GaussianControls?) throws {
        let (bx, by) = try Support.anchorB(n: 8, seed: 31)
        let sw = try SlicedWasserstein(bx, by)
        let (coordinate, sums) = try Self.replicatedGradients(point: 5, coordinate: 2, firstSeed: 80_000) {
            try sw.gradient(projections: 200, controls: controls, seed: $0)
        }
        let check = try StatisticalCheck.varianceCalibration(of: coordinate)
        #expect(check.passed, "\(String(describing: controls)), coordinate: \(check)")
        let sumCheck = try StatisticalCheck.varianceCalibration(of: sums)
        #expect(sumCheck.passed, "\(String(describing: controls)), sum: \(sumCheck)")
    }

    @Test("variance reduction on anchor B (n = 60): every control beats plain, lower, both and degree-2 harmonics by 10×; equal means drop the lower control")
    func varianceReduction() throws {
        let (bx, by) = try Support.anchorB(n: 60, seed: 3)
        let sw = try SlicedWasserstein(bx, by)
        let plain = try sw.gradient(projections: 400, seed: 1).totalVariance
        var totals: [String: Double] = [:]
        for controls in SlicedWasserstein.GaussianControls.allCases {
            totals[controls.rawValue] = try sw.gradient(projections: 400, controls: controls, seed: 1).totalVariance
        }
        totals["harmonics-2"] = try sw.gradient(projections: 400, harmonicDegree: 2, seed: 1).totalVariance
        print("anchor B gradient total variance: plain \(plain), \(totals)")
        // Degree-2 harmonics span both Gaussian-bound controls of every coordinate.
        #expect(plain / totals["harmonics-2"]! > 10)
        // The mean difference dominates the gradient here (|Δm|² = 6 vs tr Σ ≈ 10.5 spread over 60 points).
        #expect(plain / totals["lower"]! > 10)
        #expect(plain / totals["both"]! > 10)
        #expect(plain / totals["upper"]! > 1)
        let same = try SlicedWasserstein(bx, bx)
        let both = try same.gradient(projections: 20, controls: .both, seed: 1)
        #expect(both.method == "sliced-wasserstein-gradient-cv-both" && both.degreesOfFreedom == 18 && !both.warnings.isEmpty)
        #expect(throws: MonteCarloError.self) { try sw.gradient(projections: 4, controls: .both, seed: 1) }
        #expect(throws: MonteCarloError.self) { try sw.gradient(projections: 10, seed: 1, covarianceLimit: -1) }
    }

    @Test("harmonic gradient controls: exact on Y = 0.5X + b for degrees 2 and 4; covariance diagonal; bad arguments throw")
    func harmonicExact() throws {
        let n = 10, d = 3
        let (sw, truth) = try Self.affine(n: n, d: d, c: 0.5, b: [1, -2, 0.5], seed: 24)
        let scale = truth.map(abs).max()!
        for degree in [2, 4] {
            let g = try sw.gradient(projections: 60, harmonicDegree: degree, seed: 7)
            #expect(g.method == "sliced-wasserstein-gradient-harmonics-\(degree)")
            #expect(g.degreesOfFreedom == Double(60 - (degree == 2 ? 5 : 14) - 1))
            for index in 0..<(n * d) {
                #expect(abs(g.values[index] - truth[index]) < 1e-10 * scale, "degree \(degree), coordinate \(index): \(g.values[index]) vs \(truth[index])")
                #expect(g.variances[index] < 1e-12 * scale * scale)
            }
        }
        let (bx, by) = try Support.anchorB(n: 6, seed: 8)
        let anchor = try SlicedWasserstein(bx, by)
        let g = try anchor.gradient(projections: 200, harmonicDegree: 2, seed: 9)
        let covariance = try #require(g.covariance)
        for a in 0..<18 {
            #expect(covariance[a * 18 + a] == g.variances[a])
            for b in 0..<a { #expect(abs(covariance[a * 18 + b] - covariance[b * 18 + a]) <= 1e-12 * (g.variances[a] * g.variances[b]).squareRoot()) }
        }
        #expect(throws: MonteCarloError.self) { try anchor.gradient(projections: 200, harmonicDegree: 3, seed: 1) }
        #expect(throws: MonteCarloError.self) { try anchor.gradient(projections: 7, harmonicDegree: 2, seed: 1) }
        #expect(throws: MonteCarloError.self) { try anchor.gradient(projections: 200, harmonicDegree: 2, seed: 1, covarianceLimit: -1) }
    }

    @Test("harmonic gradient calibration on anchor B clouds (degree 2, L = 200): reported vs empirical variance of one coordinate and of vᵀĝ",
          .tags(.calibration))
    func harmonicCalibration() throws {
        let (bx, by) = try Support.anchorB(n: 8, seed: 31)
        let sw = try SlicedWasserstein(bx, by)
        let (coordinate, sums) = try Self.replicatedGradients(point: 5, coordinate: 2, firstSeed: 90_000) {
            try sw.gradient(projections: 200, harmonicDegree: 2, seed: $0)
        }
        let check = try StatisticalCheck.varianceCalibration(of: coordinate)
        #expect(check.passed, "coordinate: \(check)")
        let sumCheck = try StatisticalCheck.varianceCalibration(of: sums)
        #expect(sumCheck.passed, "vᵀĝ: \(sumCheck)")
        print("harmonic gradient calibration: \(check); \(sumCheck)")
    }
}
