import MonteCarloCore

/// A parametric family of proposals q_θ for the cross-entropy method, with its nominal law π = q_θ₀.
///
/// The cross-entropy method (``CrossEntropyImportanceSampling``) needs four things from a
/// family: a sampler for q_θ, the log-likelihood ratio log π(x) − log q_θ(x), the weighted
/// maximum-likelihood fit θ = argmax Σ wᵢ log q_θ(xᵢ) (the cross-entropy update: for an
/// exponential family it matches the weighted mean of the sufficient statistic), and the score
/// ∇_θ log q_θ(x), which has mean zero under q_θ and serves as a control variate
/// (``ImportanceSamplingControlVariates``). The families provided are
/// ``GaussianCrossEntropyFamily`` (mean shift, or mean and scale, of N(0, I)) and
/// ``ExponentialCrossEntropyFamily`` (exponential tilting of independent exponentials).
public protocol CrossEntropyFamily: Sendable {
    /// The parameters θ of one member of the family.
    associatedtype Parameters: Sendable, Hashable
    /// The sampler of q_θ.
    associatedtype Proposal: Sampler where Proposal.Point == [Double]

    /// The dimension d of a point.
    var dimension: Int { get }
    /// The parameters θ₀ with q_θ₀ = π, where the adaptation starts.
    var nominalParameters: Parameters { get }
    /// The sampler of q_θ.
    func proposal(_ parameters: Parameters) throws(MonteCarloError) -> Proposal
    /// log π(x) − log q_θ(x), the log importance weight.
    func logLikelihoodRatio(_ x: [Double], parameters: Parameters) -> Double
    /// The weighted maximum-likelihood parameters argmax_θ Σ wᵢ log q_θ(xᵢ) (weights ≥ 0, not all 0).
    ///
    /// `isFinal` is true for the last update, whose elite draws all lie in the rare set; a family
    /// may adapt some parameters only then (see ``GaussianCrossEntropyFamily/Adaptation/meanAndScale``).
    /// - Throws: `MonteCarloError` when the points do not determine θ (for example, a scale
    ///   fitted to identical points).
    func fitted(to points: [[Double]], weights: [Double], isFinal: Bool) throws(MonteCarloError) -> Parameters
    /// The number of components of ``score(_:parameters:)``.
    var scoreDimension: Int { get }
    /// The score ∇_θ log q_θ(x), whose mean under q_θ is zero.
    func score(_ x: [Double], parameters: Parameters) -> [Double]
}
