import Foundation
import MonteCarloCore
import StatisticalTesting
import Testing
@testable import SlicedWassersteinModule

@Suite("Sliced Wasserstein: spherical-harmonic control variates")
struct SphericalHarmonicTests {
    @Test("monomial means on the sphere match the closed forms; one monomial is dropped")
    func means() {
        for d in [2, 3, 5] {
            let dd = Double(d)
            let two = SphericalHarmonicControls(dimension: d, degree: 2)
            #expect(two.count == d * (d + 1) / 2 - 1)
            for j in 0..<two.count {
                let a = Array(two.exponents[(j * d)..<((j + 1) * d)])
                let expected = a.contains(2) ? 1 / dd : 0
                #expect(abs(two.means[j] - expected) < 1e-14, "d = \(d), a = \(a)")
            }
            let four = SphericalHarmonicControls(dimension: d, degree: 4)
            for j in 0..<four.count {
                let a = Array(four.exponents[(j * d)..<((j + 1) * d)])
                let expected: Double
                if a.contains(4) { expected = 3 / (dd * (dd + 2)) }
                else if a.filter({ $0 == 2 }).count == 2 { expected = 1 / (dd * (dd + 2)) }
                else { expected = 0 }
                #expect(abs(four.means[j] - expected) < 1e-14, "d = \(d), a = \(a)")
            }
        }
    }

    @Test("exact on an affine image (f is a quadratic form) for degrees 2 and 4")
    func affineExactness() throws {
        let n = 80, d = 3
        let x = Support.gaussianPoints(n, d, seed: 31)
        let b: [Double] = [1, -0.5, 2]
        let c = 0.3
        let y = (0..<(n * d)).map { c * x[$0] + b[$0 % d] }
        var truth = 0.0
        for i in 0..<n { for k in 0..<d { let t = (c - 1) * x[i * d + k] + b[k]; truth += t * t } }
        truth /= Double(n * d)
        let sw = try SlicedWasserstein(try PointCloud(points: x, dimension: d), try PointCloud(points: y, dimension: d))
        for degree in [2, 4] {
            let estimate = try sw.estimate(projections: 40, method: .sphericalHarmonics(maxDegree: degree), seed: 2)
            #expect(abs(estimate.value - truth) < 1e-10 * truth, "degree \(degree): \(estimate) vs \(truth)")
            #expect(estimate.standardError < 1e-6 * truth)
        }
    }

    @Test("anchor B (d = 3): harmonics of degree ≤ 4 beat plain MC by far and agree with it")
    func anchorB() throws {
        let (x, y) = try Support.anchorB(n: 400, seed: 17)
        let sw = try SlicedWasserstein(x, y)
        let plain = try sw.estimate(projections: 400, seed: 1)
        let harmonics = try sw.estimate(projections: 400, method: .sphericalHarmonics(maxDegree: 4), seed: 1)
        let z = (harmonics.value - plain.value) / (plain.variance + harmonics.variance).squareRoot()
        #expect(abs(z) < 5, "\(harmonics) vs \(plain)")
        // Degree-2 harmonics alone contain the lower control's quadratic part; degree 4 adds more
        // (measured reported factor ≈ 10³ here; the floor is the lower control's ideal 300 / 3).
        #expect(harmonics.diagnostics.varianceReductionFactor! > 100, "\(harmonics)")
    }

    @Test("bad arguments give typed errors")
    func errors() throws {
        let x = try PointCloud(points: Support.gaussianPoints(10, 3, seed: 1), dimension: 3)
        let sw = try SlicedWasserstein(x, x)
        #expect(throws: MonteCarloError.invalidParameter(name: "maxDegree", value: 3, requirement: "even, between 2 and 16")) {
            try sw.estimate(projections: 100, method: .sphericalHarmonics(maxDegree: 3), seed: 1)
        }
        #expect(throws: MonteCarloError.insufficientSamples(
            needed: 17, available: 16, reason: "(directions) to fit 14 harmonic control coefficients and a variance")) {
            try sw.estimate(projections: 16, method: .sphericalHarmonics(maxDegree: 4), seed: 1)
        }
        let line = try PointCloud(points: [0, 1, 2], dimension: 1)
        #expect(throws: MonteCarloError.self) {
            try SlicedWasserstein(line, line).estimate(projections: 10, method: .sphericalHarmonics(maxDegree: 2), seed: 1)
        }
    }
}
