import Foundation
import MonteCarloCore
import StatisticalTesting
import Testing
@testable import SlicedWasserstein

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
        let (qmcVar, qmc) = try Self.empiricalVariance(sw, projections: 64, method: .randomizedQuasiMonteCarlo(randomizations: 8),
                                                       replications: reps, seed: 3)
        print("anchor B empirical factors at L = 64: orthogonal \(plainVar / orthoVar), rqmc \(plainVar / qmcVar)")
        print("reported: orthogonal \(ortho[0]), rqmc \(qmc[0])")
        #expect(plainVar / orthoVar > 2)
        #expect(plainVar / qmcVar > 5)
    }
}
