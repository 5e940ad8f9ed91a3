/// A sampler on ℝᵈ that also knows its score ∇ log π — what Stein-kernel estimators need.
///
/// `MultivariateNormalDistribution`, `StandardNormalVector`, `MultivariateStudentTDistribution`
/// and ``BananaDistribution`` conform; conform your own target to use the sampling
/// conveniences of the Stein control variates (`SteinControlFunctional`,
/// `ZeroVarianceControlVariates`) and of pointwise mutual information with Stein controls.
public protocol ScoredSampler: Sampler where Point == [Double] {
    /// The score ∇ log π(x).
    func score(_ point: [Double]) -> [Double]
}

extension MultivariateNormalDistribution: ScoredSampler {}
extension StandardNormalVector: ScoredSampler {}
extension MultivariateStudentTDistribution: ScoredSampler {}
