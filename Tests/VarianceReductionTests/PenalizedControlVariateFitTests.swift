import MonteCarloCore
import Testing
@testable import VarianceReduction

/// Closed forms of the penalized fit with uncorrelated controls (R = I on the standardized
/// scale): least squares bⱼ = rⱼ, ridge bⱼ = rⱼ/(1 + λ), lasso bⱼ = sign(rⱼ)·max(|rⱼ| − λ, 0);
/// then βⱼ = bⱼ s_f/sⱼ.
@Suite("Penalized control-variate fit")
struct PenalizedControlVariateFitTests {
    /// n = 100 draws of (f, g₁, g₂) with s_f = 2, s₁ = 1, s₂ = 3, corr(g₁, g₂) = 0,
    /// corr(f, g₁) = 0.6, corr(f, g₂) = −0.2.
    static let moments: CovarianceMoments = {
        let n = 100.0
        let (sf, s1, s2, r1, r2) = (2.0, 1.0, 3.0, 0.6, -0.2)
        let comoments = [sf * sf, r1 * sf * s1, r2 * sf * s2,
                         r1 * sf * s1, s1 * s1, 0,
                         r2 * sf * s2, 0, s2 * s2].map { $0 * n }
        return CovarianceMoments(count: 100, mean: [1, 0.5, -0.25], comoments: comoments)
    }()

    /// (penalty, λ, expected β) with s_f/s₁ = 2 and s_f/s₂ = 2/3.
    static let cases: [(PenalizedControlVariateFit.Penalty, Double, [Double])] = [
        (.none, 0, [1.2, -0.4 / 3]),
        (.ridge, 0.5, [0.8, -0.4 / 4.5]),
        (.lasso, 0.1, [1.0, -0.2 / 3]),
        (.lasso, 0.3, [0.6, 0]),
        (.lasso, 0.6, [0, 0]),
    ]

    @Test("least squares, ridge and lasso match their closed forms", arguments: cases)
    func closedForms(penalty: PenalizedControlVariateFit.Penalty, weight: Double, expected: [Double]) throws {
        let beta = try PenalizedControlVariateFit.coefficients(Self.moments, penalty: penalty, weight: weight)
        #expect(beta.count == 2)
        for (b, e) in zip(beta, expected) { #expect(abs(b - e) < 1e-9, "\(penalty) λ = \(weight): \(beta) vs \(expected)") }
    }

    @Test("bad settings are typed errors")
    func badInput() throws {
        #expect(throws: MonteCarloError.self) {
            try PenalizedControlVariateFit(groups: [Self.moments], penalty: .ridge)
        }
        #expect(throws: MonteCarloError.self) {
            try PenalizedControlVariateFit.coefficients(Self.moments, penalty: .automatic, weight: 0)
        }
        #expect(throws: MonteCarloError.self) {
            try PenalizedControlVariateFit.coefficients(Self.moments, penalty: .ridge, weight: -1)
        }
        let tiny = CovarianceMoments(count: 3, mean: [0, 0, 0], comoments: [2, 1, 0, 1, 2, 0, 0, 0, 2])
        #expect {
            try PenalizedControlVariateFit(groups: [tiny, tiny], penalty: .none)
        } throws: { error in
            guard case .insufficientSamples = error as? MonteCarloError else { return false }
            return true
        }
    }
}
