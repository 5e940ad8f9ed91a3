import Foundation
import MonteCarloCore
import StatisticalTesting
import Testing
import VarianceReduction
@testable import SlicedWassersteinModule

/// The Gaussian-space integrand and controls work with the generic estimators.
@Suite("Sliced Wasserstein: composition with the generic estimators")
struct GenericCompositionTests {
    @Test("plain MC and cross-fitted control variates from VarianceReduction agree with the closed form")
    func genericEstimators() throws {
        let n = 100, d = 4
        let v: [Double] = [2, -1, 0.5, 1]
        // A translation plus a mild scaling so that the lower control is good but not exact.
        let x = Support.gaussianPoints(n, d, seed: 12)
        let y = (0..<(n * d)).map { 1.2 * x[$0] + v[$0 % d] }
        let sw = try SlicedWasserstein(try PointCloud(points: x, dimension: d), try PointCloud(points: y, dimension: d))
        // Affine image: SW₂² = tr M/d exactly, M = (1/n) Σ vᵢvᵢᵀ, vᵢ = 0.2 xᵢ + v.
        var truth = 0.0
        for i in 0..<n { for k in 0..<d { let t = 0.2 * x[i * d + k] + v[k]; truth += t * t } }
        truth /= Double(n * d)

        let plain = try PlainMonteCarlo(sampler: sw.gaussianSpace, integrand: sw.gaussianSpaceIntegrand)
            .run(samples: 2000, seed: 3)
        #expect(StatisticalCheck.consistency(of: plain, with: truth).passed, "\(plain) vs \(truth)")

        let (controls, means) = sw.gaussianSpaceControls(.lower)
        let cv = try ControlVariateMonteCarlo(sampler: sw.gaussianSpace, integrand: sw.gaussianSpaceIntegrand,
                                              controls: controls, controlMeans: means)
            .run(samples: 2000, seed: 3)
        #expect(StatisticalCheck.consistency(of: cv, with: truth).passed, "\(cv) vs \(truth)")
        #expect(cv.diagnostics.varianceReductionFactor! > 5, "\(cv)")

        // The generic controls agree with the specialized estimator's on the same directions.
        let (both, bothMeans) = sw.gaussianSpaceControls(.both)
        #expect(abs(bothMeans[0] - means[0]) < 1e-15)
        let e: [Double] = [0.3, -1.2, 0.7, 2]
        var values = [Double](repeating: 0, count: 2)
        [e].withUnsafeBufferPointer { p in values.withUnsafeMutableBufferPointer { both.evaluate(p, $0) } }
        let norm2 = e.reduce(0) { $0 + $1 * $1 }
        let dm = zip(sw.source.mean, sw.target.mean).map { $0 - $1 }
        let proj = zip(e, dm).reduce(0) { $0 + $1.0 * $1.1 }
        #expect(abs(values[0] - proj * proj / norm2) < 1e-12 * values[0])
        // θᵀΣθ from the projections equals the upper control minus the lower.
        let theta = e.map { $0 / norm2.squareRoot() }
        let evaluated = try sw.evaluator.evaluate(directions: theta, wantVariances: true)
        #expect(abs(values[1] - values[0] - evaluated.projectedVariances![0]) < 1e-12 * values[1])
    }
}

@Suite("Sliced Wasserstein: Stein control functionals")
struct SteinCompositionTests {
    /// On five pairs of clouds and direction seeds: one seed alone can pass by luck.
    @Test("Stein control functionals over Gaussian directions agree with the affine-image closed form, five seeds",
          arguments: [(21, 5), (22, 6), (23, 7), (24, 8), (25, 9)] as [(UInt64, UInt64)])
    func steinControlFunctional(cloudSeed: UInt64, directionSeed: UInt64) throws {
        let (sw, truth) = try Support.affineImage(n: 60, scale: 1.3, shift: [1, -0.5, 0.25], seed: cloudSeed)
        let stein = try sw.steinEstimate(projections: 200, seed: directionSeed)
        // Within 5 of its own standard errors (probability 6·10⁻⁷ of a false alarm for an honest
        // error bar); it was held to the plain Monte Carlo error bar before the Stein error bar
        // included the jackknife and the unseen-tail term.
        #expect(abs(stein.value - truth) <= 5 * stein.standardError, "\(stein) vs \(truth)")
        #expect(stein.sampleCount == 200)
    }
}
