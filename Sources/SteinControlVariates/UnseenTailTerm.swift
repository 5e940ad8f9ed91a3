import LinearAlgebra
import MonteCarloCore

/// The unseen-tail term of the kernel estimators' error bars: a variance for the part of the
/// error that lies beyond the draws, added when the held-out residuals are heavy-tailed.
///
/// A Stein-kernel control ψ̂ is a combination of functions centred on the training draws that
/// decay away from them; beyond the outermost draws only its constant (and, for semi-exact
/// control functionals, its polynomial) part remains, so the residual there is the
/// *uncontrolled* residual r = f − Φβ̂. When r grows or stays large in π's tails, the estimate's
/// error is mostly how often a sample reaches that region, times r, and the region beyond the
/// sample's outermost draws (mass of order 1/n) is seen by no held-out fold and no jackknife
/// replicate. Measured with an independent numpy re-implementation (200 replications, 5-fold
/// cross-fitted Gaussian control functionals): on f = 1 + x + x² + sin(πx)e^(−x²) under
/// N(0, 1), n = 250, every one of the 44 intervals that missed had a *negative* error (tail mass
/// not reached) and a sample whose largest |x| was below the median largest |x|; the
/// misses on sin x₁ under the correlated 2-D Gaussian of the `mcest cv` tests were likewise.
///
/// The term stands in for that region with one phantom draw as far out as the sample's
/// outermost ones: among the m = 5 draws with the largest Mahalanobis distance from the sample
/// mean (sample covariance), take the largest squared uncontrolled residual, each computed with
/// the constant and polynomial coefficients β̂ of the fit that held the draw out (the split
/// form's one fit), and add what one such draw contributes to the variance of a plain mean of
/// n residuals:
///
///     V_tail = max_{o among the 5 outermost} (f(x_o) − Φ(x_o)β̂)² / n².
///
/// It is added only when the held-out residuals' Pareto k̂ is at least ``shapeThreshold`` = ½,
/// where the fitted generalized Pareto tail has no finite variance, so the residuals' sample
/// variance cannot describe the error; when the fit leaves no heavy tail the held-out and
/// jackknife variances already do, and the term would only cost efficiency (on the d = 4 South
/// problem k̂ stays below ½ in about three replications of four).
///
/// **What it is and is not.** A heuristic, conservative stand-in for an error that no
/// resampling of the same draws can estimate, not an estimate of the missing mass; it leaves the
/// point estimate unchanged (and so the bias, none for split and cross-fitted forms on i.i.d.
/// draws). Alternatives measured with numpy on the same replications: the one outermost draw
/// (coverage 89–99%, but a single small r on an unlucky sample let the `mcest cv` test's fixed
/// seed miss by 5.1 standard errors), the 2d outermost draws summed (93.5–100%, reported variance
/// up to 10 times the mean squared error on smooth problems), the plain sample mean's variance
/// whenever k̂ ≥ 0.7 (93–100%, no reported gain at all), a Student-t interval with
/// kurtosis-based degrees of freedom (78% → 87.5% only). Measured with this implementation over
/// 200 replications each (`swift test --filter TailCalibrationTests`; before the term, with the
/// same test, in parentheses): f above without a polynomial part, n = 250, 98.5% (81.0%); sin x₁,
/// n = 200, 100% (93.5%); i.i.d. draws of the `mcmc-stein` banana, n = 200, x₂² 90.5% (89.0%)
/// and x₁² 93.0% (87.5%); the reported variance was 1.0–5.6 times the empirical one. At 600
/// replications (`MONTECARLO_CALIBRATION=full`): 98.5%, 99.8%, 88.8% and 94.5% — x₂² under the
/// banana stays short of 95%, and is limited by more than the tail: f = x₂² is so skewed that
/// even the plain sample mean's normal interval covers only 92.2% at n = 200 (94.1% at n = 1000). On smooth
/// problems (12 replications, the same suite) the mean reported variance-reduction factor fell
/// from 411 to 25 on the correlated 2-D Gaussian (realised 189: the term makes that error bar
/// conservative), from 1.1·10⁵ to 2.1·10⁴ on the 1-D South problem with Q = 2, and from 9.8
/// to 9.5 on the d = 4 South problem.
enum UnseenTailTerm {
    /// How many of the outermost draws the term looks at.
    static let outermostCount = 5

    /// The ``outermostCount`` draws with the largest Mahalanobis distance (x − x̄)ᵀS⁻¹(x − x̄)
    /// from the sample mean x̄ under the sample covariance S (Euclidean distance when S does not
    /// factor even with jitter, e.g. all draws equal), furthest first.
    static func outermostDraws(of sample: SteinSample) -> [Int] {
        outermostDraws(points: sample.points, dimension: sample.dimension, among: Array(0..<sample.count))
    }

    /// The ``outermostCount`` elements of `indices` whose points (row `i` of the row-major
    /// `points`) lie furthest out among them, as in ``outermostDraws(of:)``.
    static func outermostDraws(points: [Double], dimension d: Int, among indices: [Int]) -> [Int] {
        let n = indices.count
        guard n >= 2 else { return indices }
        var mean = [Double](repeating: 0, count: d)
        for i in indices { for k in 0..<d { mean[k] += points[i * d + k] / Double(n) } }
        var centred = Matrix(rows: d, columns: n)
        for (a, i) in indices.enumerated() { for k in 0..<d { centred.storage[k + a * d] = points[i * d + k] - mean[k] } }
        var covariance = Matrix(rows: d, columns: d)
        for a in 0..<d {
            for b in 0...a {
                var sum = 0.0
                for i in 0..<n { sum += centred.storage[a + i * d] * centred.storage[b + i * d] }
                covariance.storage[a + b * d] = sum / Double(n - 1)
                covariance.storage[b + a * d] = sum / Double(n - 1)
            }
        }
        let whitened: Matrix
        if let factor = try? covariance.choleskyFactorization(initialJitter: 1e-10, maximumJitter: 1e-4) {
            whitened = factor.solve(centred)
        } else {
            whitened = centred
        }
        var distances = [Double](repeating: 0, count: n)
        for a in 0..<n {
            for k in 0..<d { distances[a] += centred.storage[k + a * d] * whitened.storage[k + a * d] }
        }
        let order = (0..<n).sorted { distances[$0] > distances[$1] || distances[$0] == distances[$1] && $0 < $1 }
        return order.prefix(outermostCount).map { indices[$0] }
    }

    /// The Pareto k̂ from which the term is added: ½, where the fitted generalized Pareto tail of
    /// the residuals has no finite variance, so their sample variance cannot describe the error.
    static let shapeThreshold = 0.5

    /// V_tail = max r²/n² over the `uncontrolledResiduals` of the outermost draws when `shape`
    /// (the held-out residuals' Pareto k̂) is at least ``shapeThreshold``, else 0.
    static func variance(uncontrolledResiduals residuals: [Double], shape: Double?, count n: Int) -> Double {
        guard let shape, shape >= shapeThreshold else { return 0 }
        let largest = residuals.filter(\.isFinite).map { $0 * $0 }.max() ?? 0
        return largest / (Double(n) * Double(n))
    }
}
