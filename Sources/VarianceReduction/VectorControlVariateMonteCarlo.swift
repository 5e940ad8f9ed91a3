import LinearAlgebra
import MonteCarloCore

/// Regression control variates for a vector-valued integrand: E_π[f] ≈ mean of f − Bᵀ(h − θ).
///
/// One set of p controls with known means θ serves all k components; the p × k coefficient
/// matrix B = S_hh⁻¹ S_hf is fitted by ``RegressionControlVariateFit`` with cross-fitting over
/// K folds (``CrossFitFolds``: draw i goes to fold i mod K, K = 2 by default), so the estimate
/// is unbiased. Used, for example, with the controls ε and ε² − 1 for ELBO
/// gradients (a Taylor-type control in the spirit of Miller et al. 2017).
///
/// **Statistical properties.** Unbiased (each fold is averaged with B fitted on the other
/// folds). `covariance` is Σ_j (n_j/n)² C_j / n_j, with C_j the sample covariance of the
/// residual vectors f − Bᵀ(h − θ) on fold j at its fixed B; normal intervals. Per-component ESS
/// is σ²_plain,i / variance_i with σ²_plain,i the sample variance of f_i over all draws. When the
/// controls explain a component to rounding error its variance is raised to the engine's
/// rounding floor and a warning says so (never a false zero). A constant or collinear control is
/// `MonteCarloError/singularControlCovariance(detail:)` naming it.
///
/// - Complexity: O((k + p)²) per draw and O(p³ + p²k) per fold at the end.
public struct VectorControlVariateMonteCarlo<S: Sampler>: MonteCarloEstimator {
    /// The measure π.
    public let sampler: S
    /// The integrand f: Point → ℝᵏ.
    public let integrand: VectorIntegrand<S.Point>
    /// The controls h: Point → ℝᵖ.
    public let controls: VectorIntegrand<S.Point>
    /// Their known means θ.
    public let controlMeans: [Double]
    /// Number of cross-fitting folds K ≥ 2.
    public let folds: Int

    /// Creates the estimator.
    /// - Throws: `MonteCarloError` when `controlMeans` does not match the controls, a mean is
    ///   not finite, or `folds` < 2.
    public init(sampler: S, integrand: VectorIntegrand<S.Point>, controls: VectorIntegrand<S.Point>,
                controlMeans: [Double], folds: Int = CrossFitFolds.defaultCount) throws(MonteCarloError) {
        try validateControlMeans(controlMeans, controlCount: controls.outputDimension)
        _ = try CrossFitFolds(folds)
        self.sampler = sampler
        self.integrand = integrand
        self.controls = controls
        self.controlMeans = controlMeans
        self.folds = folds
    }

    /// Joint moments of (f, h − θ) per fold.
    public typealias State = FoldedMoments

    public func makeState() -> State {
        FoldedMoments(folds: folds, dimension: integrand.outputDimension + controlMeans.count)
    }

    public func accumulate(_ count: Int, firstIndex: Int, into state: inout State,
                           using generator: inout Xoshiro256PlusPlus) throws(MonteCarloError) {
        let k = integrand.outputDimension, p = controlMeans.count
        let points = sampler.drawBatch(count, using: &generator)
        let values = integrand.values(at: points)
        let controlValues = controls.values(at: points)
        var row = [Double](repeating: 0, count: k + p)
        for i in 0..<count {
            for j in 0..<k { row[j] = values[i * k + j] }
            for j in 0..<p { row[k + j] = controlValues[i * p + j] - controlMeans[j] }
            if let bad = row.firstIndex(where: { !$0.isFinite }) {
                throw .nonFinite(quantity: bad < k ? "integrand component \(bad)" : "control \(bad - k)", index: firstIndex + i)
            }
            state.add(row, index: firstIndex + i)
        }
    }

    public func estimate(from state: State) throws(MonteCarloError) -> VectorEstimate {
        let k = integrand.outputDimension, p = controlMeans.count
        let all = try state.merged()
        let n = all.count
        guard n >= folds * (p + 2) else {
            throw .insufficientSamples(needed: folds * (p + 2), available: n, reason: "so that every fold's fit of \(p) controls has p + 2 draws")
        }
        let heldOut = try RegressionControlVariateFit.heldOutMoments(state, pilot: false, responses: k, controlNames: nil,
                                                                     collinearity: .fail)
        let (values, covariance, atFloor) = (heldOut.values, heldOut.covariance, heldOut.atFloor)
        let ess = (0..<k).map {
            Estimate.effectiveSampleSize(perDrawVariance: all.sampleCovariance($0, $0), estimatorVariance: covariance[$0 * k + $0], evaluations: n)
        }
        return VectorEstimate(
            values: values, covariance: covariance, sampleCount: n, effectiveSampleSizes: ess,
            diagnostics: Diagnostics(method: "control-variates-vector-cross-fitted",
                                     warnings: atFloor ? ["Some components are explained by the controls to rounding error: their variance was raised to the rounding floor (an upper bound)."] : []))
    }
}
