import Foundation
import LinearAlgebra
import MonteCarloCore
import StatisticalTesting
import Testing

@testable import MutualInformation

/// Song & Ermon's (2020) self-consistency properties and invariance under invertible
/// per-variable maps, for KSG, judged by the reported standard errors.
@Suite("KSG self-consistency and invariance")
struct SelfConsistencyTests {
    @Test func invariantUnderCubicAndAsinh() throws {
        // I is unchanged by x ↦ x³ and y ↦ asinh(y); raw-value KSG moves its neighbours, so
        // only agreement with the truth within 5 reported SE is required.
        let rho = 0.75, truth = pairMutualInformation(rho, dimension: 1)
        var g = Xoshiro256PlusPlus(seed: 41)
        let batch = correlatedGaussianBatch(count: 4000, dimension: 1, correlation: rho, using: &g)
        let x = batch.x.map { $0[0] }, y = batch.y.map { $0[0] }
        let ksg = KSGEstimator(neighbors: 3, seed: 8)
        let cases: [(String, [Double], [Double])] = [
            ("identity", x, y), ("cubic x", x.map { $0 * $0 * $0 }, y), ("asinh y", x, y.map { asinh($0) }),
            ("cubic x, asinh y", x.map { $0 * $0 * $0 }, y.map { asinh($0) }),
        ]
        for (name, tx, ty) in cases {
            let e = try ksg.estimate(x: tx, y: ty)
            let check = StatisticalCheck.consistency(of: e, with: truth)
            #expect(check.passed, "\(name): \(check)")
        }
    }

    @Test func independenceDataProcessingAndAdditivity() throws {
        // X = (X₁, X₂), Y = (Y₁, Y₂): two independent pairs with correlations ρ₁, ρ₂.
        let rho1 = 0.6, rho2 = 0.4, n = 4000
        var g = Xoshiro256PlusPlus(seed: 42)
        let first = correlatedGaussianBatch(count: n, dimension: 1, correlation: rho1, using: &g)
        let second = correlatedGaussianBatch(count: n, dimension: 1, correlation: rho2, using: &g)
        let ksg = KSGEstimator(neighbors: 3, seed: 9)
        // (a) Independence: pair X₁ with Y₂ (independent by construction): Î ≈ 0.
        let independent = try ksg.estimate(x: first.x, y: second.y)
        let zero = StatisticalCheck.consistency(of: independent, with: 0)
        #expect(zero.passed, "independence: \(zero)")
        // (b) Data processing: I(X; Y) ≥ I(X; g(Y)) with g dropping Y₂; one-sided within 5 SE.
        let x = (0..<n).map { [first.x[$0][0], second.x[$0][0]] }
        let y = (0..<n).map { [first.y[$0][0], second.y[$0][0]] }
        let full = try ksg.estimate(x: x, y: y)
        let dropped = try ksg.estimate(x: x, y: first.y)
        let combined = (full.variance + dropped.variance).squareRoot()
        #expect(full.value - dropped.value >= -5 * combined, "data processing: \(full) vs \(dropped)")
        // The processed value must not exceed the information Y₁ carries, I(X₁; Y₁).
        let check1 = StatisticalCheck.consistency(of: dropped, with: pairMutualInformation(rho1, dimension: 1))
        #expect(check1.passed, "I(X; Y₁): \(check1)")
        // (c) Additivity over independent blocks: Î(X; Y) ≈ Î(X₁; Y₁) + Î(X₂; Y₂), and ≈ the truth.
        let block1 = try ksg.estimate(x: first.x, y: first.y)
        let block2 = try ksg.estimate(x: second.x, y: second.y)
        let sum = block1.value + block2.value
        let spread = (full.variance + block1.variance + block2.variance).squareRoot()
        #expect(abs(full.value - sum) <= 5 * spread, "additivity: \(full) vs \(block1) + \(block2)")
        let truth = pairMutualInformation(rho1, dimension: 1) + pairMutualInformation(rho2, dimension: 1)
        let check2 = StatisticalCheck.consistency(of: full, with: truth)
        #expect(check2.passed, "I(X; Y): \(check2)")
    }
}
