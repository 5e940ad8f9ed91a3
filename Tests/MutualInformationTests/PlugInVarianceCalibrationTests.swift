import Foundation
import LinearAlgebra
import MonteCarloCore
import StatisticalTesting
import Testing

@testable import MutualInformation

/// Reported against empirical variance of the plug-in estimators over independent data sets
/// (χ² bounds, false alarm 10⁻³ per check), on Gaussian and Student-t data.
@Suite("Plug-in MI variances: calibration over independent data sets", .tags(.calibration))
struct PlugInVarianceCalibrationTests {
    /// Coordinate pairs (Xₖ, Yₖ) with dispersion correlations alternating 0.6, 0.3.
    static func dispersion(pairs d: Int) -> Matrix {
        StudentTMutualInformationTests.pairedDispersion((0..<d).map { $0 % 2 == 0 ? 0.6 : 0.3 })
    }

    /// n draws of t_ν(0, Σ) (ν = ∞: Gaussian) split into X (first d) and Y (last d).
    static func draws(_ n: Int, pairs d: Int, nu: Double, using g: inout Xoshiro256PlusPlus) throws -> (x: [[Double]], y: [[Double]]) {
        let sigma = dispersion(pairs: d)
        let z: [[Double]]
        if nu.isInfinite {
            let normal = try MultivariateNormalDistribution(mean: [Double](repeating: 0, count: 2 * d), covariance: sigma)
            z = (0..<n).map { _ in normal.draw(using: &g) }
        } else {
            let t = try MultivariateStudentTDistribution(dispersion: sigma, degreesOfFreedom: nu)
            z = (0..<n).map { _ in t.draw(using: &g) }
        }
        var x: [[Double]] = [], y: [[Double]] = []
        x.reserveCapacity(n)
        y.reserveCapacity(n)
        for row in z {
            x.append(Array(row[0..<d]))
            y.append(Array(row[d..<(2 * d)]))
        }
        return (x, y)
    }

    // MARK: - Gaussian plug-in

    /// The Gaussian plug-in on R data sets (2 + 2 d): the estimates with the sandwich variance,
    /// and the same estimates with the Gaussian-moment variance (from `figures`).
    static func gaussianPlugIn(replications: Int, n: Int, nu: Double, seed: UInt64) throws -> (sandwich: [Estimate], gaussian: [Estimate]) {
        var g = Xoshiro256PlusPlus(seed: seed)
        var sandwich: [Estimate] = [], gaussian: [Estimate] = []
        for _ in 0..<replications {
            let (x, y) = try draws(n, pairs: 2, nu: nu, using: &g)
            let e = try GaussianMutualInformation.estimate(x: x, y: y)
            sandwich.append(e)
            gaussian.append(Estimate(value: e.value, variance: e.diagnostics.figures["gaussianVariance"]!, sampleCount: n,
                                     effectiveSampleSize: Double(n), diagnostics: e.diagnostics))
        }
        return (sandwich, gaussian)
    }

    /// Gaussian data: the sandwich is calibrated, the intervals cover I, and the mean sandwich
    /// variance is within 5 of its standard errors of the exact Gaussian formula
    /// Σᵢ ρᵢ²/n + d_x d_y/(2n²) at the true canonical correlations (the two estimate the same
    /// variance on Gaussian data; the formula is evaluated at the truth, not at the estimates).
    @Test("Gaussian plug-in, Gaussian data: sandwich calibrated, equal to the Gaussian formula in expectation")
    func gaussianPlugInOnGaussianData() throws {
        let n = 500, replications = CalibrationScale.current.replications(fast: 200, full: 2000)
        let (sandwich, _) = try Self.gaussianPlugIn(replications: replications, n: n, nu: .infinity, seed: 11)
        let calibration = try StatisticalCheck.varianceCalibration(of: sandwich)
        #expect(calibration.passed, "\(calibration)")
        let truth = try GaussianMutualInformation.exact(covariance: Self.dispersion(pairs: 2), xDimension: 2)
        let coverage = try StatisticalCheck.coverage(of: sandwich, containing: truth)
        #expect(coverage.passed, "\(coverage)")
        var variances = RunningMoments()
        for e in sandwich { variances.add(e.variance) }
        let exact = (0.6 * 0.6 + 0.3 * 0.3) / Double(n) + 4 / (2 * Double(n * n))
        let mean = Estimate(value: variances.mean, variance: variances.varianceOfMean, sampleCount: replications,
                            effectiveSampleSize: Double(replications), diagnostics: Diagnostics(method: "mean sandwich variance"))
        let check = StatisticalCheck.consistency(of: mean, with: exact)
        #expect(check.passed, "\(check)")
    }

    /// Student-t with ν = 10: fourth moments finite (the sandwich is consistent) and eighth
    /// moments finite (ν > 8), so the reported variances themselves have finite variance and the
    /// χ² comparison applies. The estimand is the Gaussian MI of the covariance, which for t_ν
    /// is that of the dispersion (same correlations), not the Student-t MI. (At ν = 3, where
    /// fourth moments are infinite, the sandwich was measured 0.59–0.88 of the empirical
    /// variance: not honest, and documented as such.)
    @Test("Gaussian plug-in, Student-t ν = 10 data: sandwich variance calibrated, intervals cover the Gaussian MI")
    func gaussianPlugInOnStudentTData() throws {
        let replications = CalibrationScale.current.replications(fast: 200, full: 1000)
        let (sandwich, _) = try Self.gaussianPlugIn(replications: replications, n: 1000, nu: 10, seed: 10)
        let calibration = try StatisticalCheck.varianceCalibration(of: sandwich)
        #expect(calibration.passed, "\(calibration)")
        let estimand = try GaussianMutualInformation.exact(covariance: Self.dispersion(pairs: 2), xDimension: 2)
        let coverage = try StatisticalCheck.coverage(of: sandwich, containing: estimand)
        #expect(coverage.passed, "\(coverage)")
    }

    /// The heavy-tail warning: the Pareto k̂ of the influence values estimates 2/ν on Student-t
    /// data (ψ is a quadratic form: tail index ν/2) and 0 on Gaussian data; the warning fires at
    /// k̂ ≥ 0.5. With M = 3√n = 134 tail values at n = 2000, k̂'s standard deviation is about
    /// (1 + ξ)/√M ≈ 0.09–0.15, so over 20 data sets: ν = 3 (2/ν = 0.67, 1.2 SD above the
    /// threshold) warns on each with probability about 0.88, and at least 13 of 20 fail to warn
    /// with probability < 10⁻³ under that rate; Gaussian data (2.5+ SD below) and ν = 10 (0.2,
    /// 2.7 SD below) warn with probability ≤ 0.006 each, so 3 or more of 20 is < 10⁻³.
    @Test("the heavy-tail warning fires on Student-t ν = 3 data, not on Gaussian or ν = 10 data")
    func heavyTailWarning() throws {
        for (nu, seed) in [(3.0, UInt64(31)), (10, 32), (.infinity, 33)] {
            let (estimates, _) = try Self.gaussianPlugIn(replications: 20, n: 2000, nu: nu, seed: seed)
            let warned = estimates.filter { e in e.diagnostics.warnings.contains { $0.contains("heavy-tailed") } }.count
            let shapes = estimates.compactMap { $0.diagnostics.figures["influenceTailShape"] }
            print("ν = \(nu): \(warned) of 20 warned; k̂ mean \(shapes.reduce(0, +) / Double(shapes.count))")
            #expect(shapes.count == 20)
            if nu == 3 { #expect(warned >= 13, "ν = 3: \(warned) of 20 warned") } else { #expect(warned <= 2, "ν = \(nu): \(warned) of 20 warned") }
        }
    }

    /// Power check: on ν = 5 data the Gaussian-moment variance (the old default) is measured
    /// 0.32–0.48 of the empirical variance, far outside the χ² band (empirical/reported
    /// 0.72…1.33 at R = 200), and must be rejected. (The sandwich is not held to the χ² band
    /// here: at ν = 5 the eighth moments are infinite, so its reported variances have infinite
    /// variance and the band's assumptions fail; it measured 0.90–1.03.)
    @Test("the Gaussian-moment variance is rejected on Student-t ν = 5 data")
    func gaussianMomentVarianceFailsOnHeavyTails() throws {
        let (_, gaussian) = try Self.gaussianPlugIn(replications: 200, n: 500, nu: 5, seed: 5)
        let old = try StatisticalCheck.varianceCalibration(of: gaussian)
        #expect(!old.passed && old.statistic > old.upperBound, "\(old)")
    }

    // MARK: - KSG

    /// One cell of the KSG grid: N, pairs per side (d_x = d_y), ν (∞: Gaussian), algorithm.
    struct KSGCase: Sendable, CustomTestStringConvertible {
        var n: Int
        var pairs: Int
        var nu: Double
        var algorithm: KSGEstimator.Algorithm
        var testDescription: String {
            "ksg\(algorithm == .one ? 1 : 2), N = \(n), \(pairs) + \(pairs) d, " + (nu.isFinite ? "Student-t ν = \(Int(nu))" : "Gaussian")
        }
    }

    /// Reported against empirical variance of KSG (k = 3) over R independent data sets. Only
    /// the variance is checked: KSG's bias (negative, several standard errors in 2 + 2 and
    /// 10 + 10 dimensions: −0.25 nats at 5 + 5 d, N = 2000) is a separate, declared error, so
    /// |Î − I| ≤ 5 SE would test the bias, not the standard error.
    static func ksgVarianceCalibration(_ c: KSGCase, replications: Int) throws -> StatisticalCheck {
        var g = Xoshiro256PlusPlus(seed: UInt64(1000 * c.n + 10 * c.pairs + (c.algorithm == .one ? 1 : 2)) &+ UInt64(c.nu.isFinite ? c.nu : 0))
        var estimates: [Estimate] = []
        for r in 0..<replications {
            let (x, y) = try draws(c.n, pairs: c.pairs, nu: c.nu, using: &g)
            estimates.append(try KSGEstimator(algorithm: c.algorithm, neighbors: 3, seed: UInt64(r)).estimate(x: x, y: y))
        }
        return try StatisticalCheck.varianceCalibration(of: estimates)
    }

    /// Both algorithms, both laws, one and two dimensions per side, N = 500 and 2000; the rest
    /// of the grid runs in the full calibration (about 15 s per N = 500 cell in a debug build).
    static let defaultKSGCases: [KSGCase] = [
        KSGCase(n: 500, pairs: 1, nu: .infinity, algorithm: .one), KSGCase(n: 500, pairs: 2, nu: 3, algorithm: .two),
        KSGCase(n: 2000, pairs: 1, nu: 3, algorithm: .one),
    ]

    /// R = 200 per case: the χ² band on empirical/reported is about 0.72…1.33, so standard
    /// errors 1.25 × too small (the old subsampling SE on Student-t data) fail with probability
    /// above 0.9.
    @Test("KSG variance calibrated (default subset)", arguments: defaultKSGCases)
    func ksgVariance(_ c: KSGCase) throws {
        let check = try Self.ksgVarianceCalibration(c, replications: 200)
        #expect(check.passed, "\(c.testDescription): \(check)")
    }

    /// N ∈ {500, 2000, 10⁴} × {1 + 1, 2 + 2, 10 + 10} d × {Gaussian, Student-t ν = 3} × both
    /// algorithms, except 10 + 10 d at N = 10⁴ (about half an hour per cell in a release build,
    /// hours in debug: the opt-in `ksgVarianceHighDimension` below); plus N = 2·10⁴ in 1 + 1 d, where the blocks are capped at
    /// `maximumBlockSize` = 1024 points instead of N/8 = 2500 (f measured at b = 1024 and used at
    /// N = 2·10⁴).
    static let fullKSGCases: [KSGCase] = {
        var cases: [KSGCase] = []
        for n in [500, 2000, 10_000, 20_000] {
            for pairs in [1, 2, 10] where !(n == 10_000 && pairs == 10) && !(n == 20_000 && pairs > 1) {
                for nu in [Double.infinity, 3] {
                    for algorithm in [KSGEstimator.Algorithm.one, .two] { cases.append(KSGCase(n: n, pairs: pairs, nu: nu, algorithm: algorithm)) }
                }
            }
        }
        return cases
    }()

    @Test("KSG variance calibrated (full grid)", .fullCalibrationOnly, arguments: fullKSGCases)
    func ksgVarianceFullGrid(_ c: KSGCase) throws {
        let check = try Self.ksgVarianceCalibration(c, replications: 200)
        #expect(check.passed, "\(c.testDescription): \(check)")
    }

    /// The grid's missing corner: 10 + 10 d at N = 10⁴, both algorithms, Gaussian and Student-t
    /// ν = 3 (R = 200 each). Too long even for the full calibration run, so it also needs
    /// `MONTECARLO_KSG_HIGH_DIMENSION=1`; run it in a release test build:
    ///
    /// ```
    /// make test-calibration-ksg-high-dimension
    /// ```
    /// About 1.5 s of CPU per estimate in release, so 5–6 CPU minutes per cell. Measured
    /// (release, R = 200, χ² band on empirical/reported 0.70…1.36 at false alarm 10⁻³): all four
    /// cells passed (28 min on a loaded 2-core machine). Rerun with the printed checks (2026-12-06,
    /// 16 min): empirical/reported 1.03 (ksg1) and 0.98 (ksg2) on Gaussian data, 1.12 and 1.11 on
    /// Student-t ν = 3.
    static let highDimensionKSGCases: [KSGCase] = [
        KSGCase(n: 10_000, pairs: 10, nu: .infinity, algorithm: .one), KSGCase(n: 10_000, pairs: 10, nu: .infinity, algorithm: .two),
        KSGCase(n: 10_000, pairs: 10, nu: 3, algorithm: .one), KSGCase(n: 10_000, pairs: 10, nu: 3, algorithm: .two),
    ]

    @Test("KSG variance calibrated (10 + 10 d, N = 10⁴)", .fullCalibrationOnly,
          .enabled(if: ProcessInfo.processInfo.environment["MONTECARLO_KSG_HIGH_DIMENSION"] == "1",
                   "runs only with MONTECARLO_KSG_HIGH_DIMENSION=1 (about half an hour per case in release)"),
          arguments: highDimensionKSGCases)
    func ksgVarianceHighDimension(_ c: KSGCase) throws {
        let check = try Self.ksgVarianceCalibration(c, replications: 200)
        print("\(c.testDescription): \(check)")  // the measured ratio, for the record above
        #expect(check.passed, "\(c.testDescription): \(check)")
    }
}
