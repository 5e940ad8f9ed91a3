import Foundation
import MonteCarloCore
import StatisticalTesting
import Testing
@testable import SlicedWassersteinModule

/// Variance reduction against plain Monte Carlo on the same problem, and calibration of the
/// error bars over independent replications.
@Suite("Sliced Wasserstein: statistics")
struct SlicedWassersteinStatisticalTests {
    /// Anchor B of the reference notes, sampled: N(0, diag(1,2,3)) vs N((1,2,−1), Σ₂), n = 400
    /// (small so that the suite runs in seconds in a debug build).
    static let anchorB: SlicedWasserstein = {
        let (x, y) = try! Support.anchorB(n: 400, seed: 17)
        return try! SlicedWasserstein(x, y)
    }()

    static func empiricalVariance(_ sw: SlicedWasserstein, projections: Int, method: SlicedWasserstein.Method,
                                  replications: Int, seed: UInt64) throws -> (variance: Double, estimates: [Estimate]) {
        let estimates = try (0..<replications).map { r in
            try sw.estimate(projections: projections, method: method, seed: seed + UInt64(r))
        }
        var moments = RunningMoments()
        for e in estimates { moments.add(e.value) }
        return (moments.sampleVariance, estimates)
    }

    @Test("anchor B: consistent with the population value; the lower control reduces the variance ≥ 100× (ideal ≈ 300)")
    func anchorBLowerControl() throws {
        let sw = Self.anchorB
        let plain = try sw.estimate(projections: 1000, seed: 1)
        let lower = try sw.estimate(projections: 1000, method: .controlVariates(.lower), seed: 1)
        let upper = try sw.estimate(projections: 1000, method: .controlVariates(.upper), seed: 1)
        let both = try sw.estimate(projections: 1000, method: .controlVariates(.both), seed: 1)
        print("anchor B plain \(plain); lower \(lower); upper \(upper); both \(both)")
        // The sample of 2000 points differs from the population (SW₂² = 2.11846) by O(n^{-1/2});
        // all methods must agree with each other within their error bars.
        for e in [lower, upper, both] {
            let z = (e.value - plain.value) / (plain.variance + e.variance).squareRoot()
            #expect(abs(z) < 5, "\(e) vs \(plain)")
        }
        // Sampling error of SW₂² between two samples of 400 is about 0.1; the population value is 2.11846.
        #expect(abs(lower.value - 2.1184590562818) < 0.5)
        // Reported factors (ESS/L) for the lower control: ideal 308.6 on the population.
        #expect(lower.diagnostics.varianceReductionFactor! > 100, "\(lower)")
        #expect(upper.diagnostics.varianceReductionFactor! > 5, "\(upper)")
        #expect(both.diagnostics.varianceReductionFactor! >= lower.diagnostics.varianceReductionFactor! * 0.9)
        // Empirical: variance over independent replications at L = 50.
        let reps = 100
        let plainVar = try Self.empiricalVariance(sw, projections: 50, method: .monteCarlo, replications: reps, seed: 1000).variance
        let lowerVar = try Self.empiricalVariance(sw, projections: 50, method: .controlVariates(.lower), replications: reps, seed: 2000).variance
        let upperVar = try Self.empiricalVariance(sw, projections: 50, method: .controlVariates(.upper), replications: reps, seed: 3000).variance
        print("anchor B empirical factors at L = 50: lower \(plainVar / lowerVar), upper \(plainVar / upperVar)")
        // With 99 d.o.f. on each side the ratio of independent sample variances lies within a
        // factor 2 of the truth with probability > 0.999 (F(99, 99) quantiles), so ideal factors
        // ≈ 300 (lower; ≈ 290 after the cost of fitting β at L = 50) and ≈ 11 clear these floors.
        #expect(plainVar / lowerVar > 100)
        #expect(plainVar / upperVar > 4)
    }

    @Test("orthogonal blocks and randomized QMC reduce the variance against plain MC (d = 3)")
    func orthogonalAndQMC() throws {
        let sw = Self.anchorB
        let reps = 100
        let plainVar = try Self.empiricalVariance(sw, projections: 64, method: .monteCarlo, replications: reps, seed: 1).variance
        let (orthoVar, ortho) = try Self.empiricalVariance(sw, projections: 64, method: .orthogonal, replications: reps, seed: 2)
        let (qmcVar, qmc) = try Self.empiricalVariance(sw, projections: 64, method: .randomizedQuasiMonteCarlo(randomizations: 4),
                                                       replications: reps, seed: 3)
        let (spiralVar, spiral) = try Self.empiricalVariance(sw, projections: 64, method: .randomizedSpiral(randomizations: 4),
                                                             replications: reps, seed: 4)
        print("anchor B empirical factors at L = 64: orthogonal \(plainVar / orthoVar), rqmc \(plainVar / qmcVar), spiral \(plainVar / spiralVar)")
        for e in ortho + qmc + spiral where e.degreesOfFreedom == nil { Issue.record("no degrees of freedom: \(e)") }
        #expect(plainVar / spiralVar > 10)
        #expect(plainVar / orthoVar > 2)
        // No closed form for these factors: floors well below the measured 300 (orthogonal: a
        // full block integrates the quadratic part of f exactly) and ≈ 10 (4 sets of 16 Sobol
        // directions), against a ratio-of-variances noise factor of 2 (F(99, 99), p > 0.999).
        #expect(plainVar / qmcVar > 2.5)
    }

    // MARK: - Calibration

    /// Two small clouds in d = 2 with different means and covariances (not affine images of
    /// each other), and SW₂² by the trapezoid rule in the angle: f(φ) is π-periodic, Lipschitz
    /// and piecewise smooth, so 2¹⁶ nodes give it to about 1e−9 (checked against 2¹⁵ nodes).
    static let calibrationProblem: (SlicedWasserstein, truth: Double) = {
        var g = Xoshiro256PlusPlus(seed: 77)
        let n = 30, m = 25
        let x = (0..<(2 * n)).map { _ in g.nextStandardNormal() }
        let y = (0..<m).flatMap { _ -> [Double] in
            let u = g.nextUniform(), v = g.nextStandardNormal()
            return [2 * u + 0.8, 0.5 * v + 0.6 * u - 0.4]
        }
        let sw = try! SlicedWasserstein(try! PointCloud(points: x, dimension: 2), try! PointCloud(points: y, dimension: 2))
        func trapezoid(_ nodes: Int) -> Double {
            let theta = (0..<nodes).flatMap { k -> [Double] in
                let phi = Double.pi * Double(k) / Double(nodes)
                return [cos(phi), sin(phi)]
            }
            let f = try! sw.projectedCosts(directions: theta)
            return f.reduce(0, +) / Double(nodes)
        }
        let fine = trapezoid(1 << 16)
        let coarse = trapezoid(1 << 15)
        precondition(abs(fine - coarse) < 1e-7 * fine, "trapezoid reference not converged: \(fine) vs \(coarse)")
        return (sw, fine)
    }()

    static let replications = CalibrationScale.current.replications(fast: 200, full: 2000)

    @Test("95% intervals cover SW₂² at the nominal rate; reported variances match the empirical ones",
          .tags(.calibration),
          arguments: [
              SlicedWasserstein.Method.monteCarlo, .orthogonal, .randomizedQuasiMonteCarlo(randomizations: 10),
              .controlVariates(.lower), .controlVariates(.upper), .controlVariates(.both),
              .sphericalHarmonics(maxDegree: 4),
          ])
    func calibration(method: SlicedWasserstein.Method) throws {
        let (sw, truth) = Self.calibrationProblem
        // Harmonic controls need L ≫ k for the OLS error bar (k = 4 here): at L = 100 the full
        // run (R = 2000) measured coverage 93.5% and variance ratio 1.13 (heteroscedastic
        // residuals), at L = 400 94.3% and 1.04.
        var projections = 100
        if case .sphericalHarmonics = method { projections = 400 }
        let estimates = try (0..<Self.replications).map { r in
            try sw.estimate(projections: projections, method: method, seed: 50_000 + UInt64(r))
        }
        let report = try CalibrationReport(estimates: estimates, truth: truth)
        print("calibration \(method): \(report)")
        #expect(report.passed, "\(method): \(report)")
    }

    /// d = 3 calibration for the spiral (d = 3 only): an affine image, whose SW₂² is exact.
    @Test("randomized spiral (d = 3): 95% intervals cover the exact SW₂² of an affine image", .tags(.calibration))
    func spiralCalibration() throws {
        let n = 40, d = 3
        let x = Support.gaussianPoints(n, d, seed: 5).enumerated().map { $0.element * (1 + Double($0.offset % d)) }
        let b: [Double] = [0.5, -1, 0.2]
        let y = (0..<(n * d)).map { 0.4 * x[$0] + b[$0 % d] }
        var truth = 0.0
        for i in 0..<n { for k in 0..<d { let t = -0.6 * x[i * d + k] + b[k]; truth += t * t } }
        truth /= Double(n * d)
        let sw = try SlicedWasserstein(try PointCloud(points: x, dimension: d), try PointCloud(points: y, dimension: d))
        // 25 rotations of 4 points: with 10 rotations of 10 points the full run (R = 2000)
        // measured coverage 93.3% (the set means are not normal enough for a t₉ interval).
        let estimates = try (0..<Self.replications).map { r in
            try sw.estimate(projections: 100, method: .randomizedSpiral(randomizations: 25), seed: 70_000 + UInt64(r))
        }
        let report = try CalibrationReport(estimates: estimates, truth: truth)
        print("calibration spiral: \(report)")
        #expect(report.passed, "\(report)")
    }
}
