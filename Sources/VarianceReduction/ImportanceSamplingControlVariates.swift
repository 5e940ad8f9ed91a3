import Foundation
import MonteCarloCore

/// Importance sampling with control variates that have mean zero under the proposal: several
/// expectations E_π[f₁], …, E_π[f_k] from one weighted sample.
///
/// ```swift
/// // E[X] and E[X²] under N(0, 1) from draws of N(½, 1), with the proposal's score x − ½
/// // and the likelihood ratio w − 1 as controls.
/// let proposal = try NormalDistribution(mean: 0.5)
/// let estimator = try ImportanceSamplingControlVariates(
///     proposal: proposal,
///     integrand: VectorIntegrand(outputDimension: 2) { [$0, $0 * $0] },
///     logWeight: { -0.5 * $0 * $0 - proposal.logDensity($0) - 0.5 * log(2 * .pi) },
///     controls: VectorIntegrand(outputDimension: 1) { [$0 - 0.5] })
/// ```
///
/// The estimator averages wᵢ f(xᵢ) − Bᵀ hᵢ over draws xᵢ ~ q, where w = π/q and the controls h
/// are known to have mean zero under q: the proposal's score ∇_θ log q_θ (see
/// ``CrossEntropyFamily/score(_:parameters:)``), and, when `usesLikelihoodRatio` is on, w − 1
/// (E_q[w] = 1 for normalized densities). This is the construction of Owen & Zhou (2000) for
/// mixture components, and the idea of "Efficient estimation of multiple expectations with the
/// same sample by adaptive importance sampling and control variates": several expectations from
/// one adapted sample, with the proposal's own score as controls. The p × k
/// coefficients B are fitted by ``VectorControlVariateMonteCarlo`` (the package's regression
/// engine, cross-fitted over K folds) applied to the sampler q, the integrand w·f and the
/// controls h, so nothing here re-implements least squares.
///
/// **Statistical properties.** π and q must be normalized (standard importance weights).
/// Unbiased for each E_π[f_j]: each fold is averaged with coefficients fitted on the other
/// folds. `covariance` is the cross-fitted residual covariance of the vector w·f − Bᵀh over n
/// (see ``VectorControlVariateMonteCarlo``); normal intervals. The per-component ESS is
/// σ²_q(w f_j) / variance_j, the variance of plain importance sampling with the same proposal
/// over that of this estimator, times n: ESS/n is the variance-reduction factor of the controls
/// over importance sampling alone. A NaN or ∞ value of w·f or of a control is a typed error
/// naming the draw.
///
/// - Complexity: per draw, one log-weight for the integrand and one more for w − 1, plus
///   O((k + p)²) for the moments; O(p³ + p²k) per fold at the end.
public struct ImportanceSamplingControlVariates<Proposal: Sampler>: MonteCarloEstimator {
    /// The regression control-variate estimator on (q, w·f, h) that does the work.
    public let regression: VectorControlVariateMonteCarlo<Proposal>

    /// Creates the estimator.
    /// - Parameters:
    ///   - proposal: The proposal q that draws are taken from.
    ///   - integrand: The k functions f.
    ///   - logWeight: log π(x) − log q(x), both normalized.
    ///   - controls: Functions with mean zero under q, typically the proposal's score; `nil` for
    ///     none (then `usesLikelihoodRatio` must be on).
    ///   - usesLikelihoodRatio: Whether w − 1 is a control too.
    ///   - folds: Cross-fitting folds K ≥ 2.
    /// - Throws: `MonteCarloError/invalidArgument(_:)` when there are no controls at all, and the
    ///   errors of ``VectorControlVariateMonteCarlo/init(sampler:integrand:controls:controlMeans:folds:)``.
    public init(proposal: Proposal, integrand: VectorIntegrand<Proposal.Point>,
                logWeight: @escaping @Sendable (Proposal.Point) -> Double,
                controls: VectorIntegrand<Proposal.Point>?, usesLikelihoodRatio: Bool = true,
                folds: Int = CrossFitFolds.defaultCount) throws(MonteCarloError) {
        let k = integrand.outputDimension
        let p = (controls?.outputDimension ?? 0) + (usesLikelihoodRatio ? 1 : 0)
        guard p >= 1 else {
            throw .invalidArgument("Importance sampling with control variates needs a control: pass the proposal's score or use the likelihood ratio.")
        }
        let weighted = VectorIntegrand<Proposal.Point>(validatedOutputDimension: k) { points, values in
            integrand.evaluate(points, values)
            for i in points.indices {
                let w = exp(logWeight(points[i]))
                for j in 0..<k { values[i * k + j] *= w }
            }
        }
        let allControls = VectorIntegrand<Proposal.Point>(validatedOutputDimension: p) { points, values in
            let q = controls?.outputDimension ?? 0
            if let controls, q > 0 {
                var own = [Double](repeating: 0, count: points.count * q)
                own.withUnsafeMutableBufferPointer { controls.evaluate(points, $0) }
                for i in points.indices { for j in 0..<q { values[i * p + j] = own[i * q + j] } }
            }
            if usesLikelihoodRatio {
                for i in points.indices { values[i * p + p - 1] = exp(logWeight(points[i])) - 1 }
            }
        }
        regression = try VectorControlVariateMonteCarlo(
            sampler: proposal, integrand: weighted, controls: allControls,
            controlMeans: [Double](repeating: 0, count: p), folds: folds)
    }

    public typealias State = FoldedMoments

    public func makeState() -> State { regression.makeState() }

    public func accumulate(_ count: Int, firstIndex: Int, into state: inout State,
                           using generator: inout Xoshiro256PlusPlus) throws(MonteCarloError) {
        try regression.accumulate(count, firstIndex: firstIndex, into: &state, using: &generator)
    }

    public func estimate(from state: State) throws(MonteCarloError) -> VectorEstimate {
        let result = try regression.estimate(from: state)
        return VectorEstimate(
            values: result.values, covariance: result.covariance, sampleCount: result.sampleCount,
            effectiveSampleSizes: result.effectiveSampleSizes,
            diagnostics: Diagnostics(method: "importance-sampling-control-variates", warnings: result.diagnostics.warnings),
            componentWarnings: result.componentWarnings)
    }
}
