import Foundation
import LinearAlgebra
import Testing
@testable import MonteCarloCore

@Suite("Multivariate normal")
struct MultivariateNormalTests {
    let covariance = Matrix(rows: [[1, 0.5], [0.5, 2]])

    @Test("sample mean and covariance within 5 standard errors")
    func moments() throws {
        let d = try MultivariateNormalDistribution(mean: [-1.5, 1.5], covariance: covariance)
        var generator = Xoshiro256PlusPlus(seed: 1)
        let n = 100_000
        var moments = try CovarianceMoments(dimension: 2)
        for _ in 0..<n { moments.add(d.draw(using: &generator)) }
        for i in 0..<2 {
            #expect(abs(moments.mean[i] - d.mean[i]) < 5 * (covariance[i, i] / Double(n)).squareRoot())
            for j in 0..<2 {
                // Var of a sample covariance under normality: (Σ_ij² + Σ_ii Σ_jj)/n.
                let se = ((covariance[i, j] * covariance[i, j] + covariance[i, i] * covariance[j, j]) / Double(n)).squareRoot()
                #expect(abs(moments.sampleCovariance(i, j) - covariance[i, j]) < 5 * se)
            }
        }
    }

    @Test("log-density and score match closed forms")
    func densityAndScore() throws {
        let d = try MultivariateNormalDistribution(mean: [-1.5, 1.5], covariance: covariance)
        let x = [0.3, -0.7]
        // Σ⁻¹ = [[2, −0.5], [−0.5, 1]] / 1.75, det Σ = 1.75.
        let c = [x[0] + 1.5, x[1] - 1.5]
        let quadratic = (2 * c[0] * c[0] - c[0] * c[1] + c[1] * c[1]) / 1.75
        let expected = -0.5 * (quadratic + log(1.75) + 2 * log(2 * Double.pi))
        #expect(abs(d.logDensity(x) - expected) < 1e-13)
        let score = d.score(x)
        #expect(abs(score[0] + (2 * c[0] - 0.5 * c[1]) / 1.75) < 1e-13)
        #expect(abs(score[1] + (-0.5 * c[0] + c[1]) / 1.75) < 1e-13)
        #expect(d.reflection(of: x) == [-3.3, 3.7])
    }

    @Test("bad parameters are typed errors")
    func badInput() {
        #expect(throws: MonteCarloError.self) { try MultivariateNormalDistribution(mean: [0, 0], covariance: Matrix(rows: [[1, 2], [2, 1]])) }
        #expect(throws: MonteCarloError.self) { try MultivariateNormalDistribution(mean: [0], covariance: covariance) }
        #expect(throws: MonteCarloError.self) { try MultivariateNormalDistribution(mean: [.nan, 0], covariance: covariance) }
        #expect(throws: MonteCarloError.self) { try MultivariateNormalDistribution(mean: [0, 0], covariance: Matrix(rows: [[1, .nan], [.nan, 1]])) }
    }
}
