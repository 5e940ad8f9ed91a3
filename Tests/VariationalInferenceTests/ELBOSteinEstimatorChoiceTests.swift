import Foundation
import MonteCarloCore
import StatisticalTesting
import SteinControlVariates
import Testing
import VariationalInference

/// `steinEstimate` takes any fixed-sample estimator, not only control functionals. Problem NN-1
/// (shared/reference/elbo.md §3): q = N(0.2, 0.6²) against the Normal–Normal posterior
/// N(μ_n, τ_n²). With ε ~ N(0, 1), log w = c − s(m − μ_n)ε/τ_n² + ½(1 − s²/τ_n²)ε²: per-draw
/// variance s²(m − μ_n)²/τ_n⁴ + ½(1 − s²/τ_n²)² = 2.1128, of which the linear part is removed by
/// the degree-1 zero-variance control (the score −ε), leaving ½(1 − s²/τ_n²)² = 0.6728.
@Suite("ELBO: any fixed-sample estimator")
struct ELBOSteinEstimatorChoiceTests {
    let model = try! NormalNormalModel(observations: [0.5, 1.2, -0.3, 0.8, 1.0])
    let q = try! GaussianApproximation.meanField(mean: [0.2], standardDeviations: [0.6])

    /// ELBO = log p(x) − KL(q ‖ posterior), in closed form.
    var truth: Double {
        let (m, s) = (0.2, 0.6)
        let (mean, variance) = (model.posteriorMean, model.posteriorVariance)
        let kl = 0.5 * log(variance / (s * s)) + (s * s + (m - mean) * (m - mean)) / (2 * variance) - 0.5
        return model.logEvidence - kl
    }

    @Test("degree-1 zero-variance CVs: the closed-form residual variance, and 2.1128/0.6728 = 3.14 times less than plain")
    func zeroVarianceDegreeOne() throws {
        let n = 4000
        let elbo = EvidenceLowerBound(model: model, approximation: q)
        let plain = try elbo.steinEstimate(samples: n, seed: 7, estimator: SampleMean())
        let zv = try elbo.steinEstimate(samples: n, seed: 7, estimator: ZeroVarianceControlVariates(degree: 1))
        for estimate in [plain, zv] {
            let check = StatisticalCheck.consistency(of: estimate, with: truth)
            #expect(check.passed, "\(estimate.diagnostics.method): \(check)")
        }
        // Sample variances of quadratic forms in normals (kurtosis at most 15, that of χ²₁):
        // relative tolerance 5√(14/n) (as ELBOTests.varianceTolerance). Cross-fitting the one
        // coefficient adds O(1/n) relative to the residual variance.
        let tolerance = 5 * (14 / Double(n)).squareRoot()
        #expect(abs(plain.variance * Double(n) / 2.1128 - 1) < tolerance, "\(plain)")
        #expect(abs(zv.variance * Double(n) / 0.6728 - 1) < tolerance, "\(zv)")
        let factor = try #require(zv.diagnostics.varianceReductionFactor)
        #expect(abs(factor - plain.variance / zv.variance) <= 1e-9 * factor)
        #expect(factor > 2.1128 / 0.6728 * (1 - tolerance) / (1 + tolerance)
                    && factor < 2.1128 / 0.6728 * (1 + tolerance) / (1 - tolerance), "factor \(factor)")
    }

    @Test("the automatic chooser: exact up to its rounding floor, since log w is quadratic in ε")
    func automatic() throws {
        let elbo = EvidenceLowerBound(model: model, approximation: q)
        let plain = try elbo.steinEstimate(samples: 200, seed: 8, estimator: SampleMean())
        let auto = try elbo.steinEstimate(samples: 200, seed: 8, estimator: AutomaticControlVariates())
        let check = StatisticalCheck.consistency(of: auto, with: truth)
        #expect(check.passed, "\(auto.diagnostics.method): \(check)")
        #expect(abs(auto.value - truth) < 1e-9, "\(auto)")
        let factor = try #require(auto.diagnostics.varianceReductionFactor)
        #expect(abs(factor - plain.variance / auto.variance) <= 1e-9 * factor)
        #expect(factor > 1e6, "\(auto)")
    }
}
