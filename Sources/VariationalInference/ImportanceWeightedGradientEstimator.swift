/// Which unbiased per-group estimator of ∇IWAE_K to average.
///
/// Each group draws K latents z_k = m + Cε_k with log-weights log w_k = log p(x, z_k) − log q(z_k)
/// and normalized weights w̃_k = w_k / Σ_j w_j; L̂ = log (1/K) Σ_k w_k is the group's IWAE value.
/// All four are unbiased for the gradient of IWAE_K = E[L̂] with respect to the variational
/// parameters (m, then the free entries of C, in ``GaussianApproximation`` order); they differ
/// only in variance and in what they need from the model.
public enum ImportanceWeightedGradientEstimator: String, Sendable, Hashable, Codable, CaseIterable {
    /// Reparameterization (Burda, Grosse & Salakhutdinov 2016): Σ_k w̃_k ∇_λ log w(m + Cε_k),
    /// that is g_m = Σ_k w̃_k ∇ℓ(z_k) and g_C = Σ_k w̃_k ∇ℓ(z_k)ε_kᵀ + diag(1/C_jj), with
    /// ℓ = log p(x, ·). At K = 1 it is the ELBO's reparameterization gradient. Its
    /// signal-to-noise ratio falls like 1/√K as K grows (Rainforth et al. 2018).
    case reparameterization
    /// Doubly reparameterized (DReG; Tucker, Lawson, Gu & Maddison 2019): the score term of
    /// each weight is itself reparameterized, leaving Σ_k w̃_k² h_k ∂z_k/∂λ with the path
    /// derivative h_k = ∇ℓ(z_k) − ∇_z log q(z_k) = ∇ℓ(z_k) + C⁻ᵀε_k (q's parameters held fixed
    /// inside log q): g_m = Σ_k w̃_k² h_k, g_C = Σ_k w̃_k² h_k ε_kᵀ. At K = 1 it is sticking the
    /// landing; its signal-to-noise ratio rises like √K.
    case doublyReparameterized
    /// VIMCO (Mnih & Rezende 2016), for models whose log density is not differentiated: the
    /// score-function gradient Σ_k (L̂ − L̂₋ₖ − w̃_k) ∇_λ log q(z_k), where the baseline L̂₋ₖ is L̂
    /// with w_k replaced by the geometric mean of the other K − 1 weights. L̂₋ₖ does not depend
    /// on z_k, so the baseline has mean zero. Needs K ≥ 2. Uses only log p(x, z).
    case vimco
    /// The plain score-function gradient Σ_k (L̂ − w̃_k) ∇_λ log q(z_k), without a baseline: the
    /// reference VIMCO improves on. Uses only log p(x, z).
    case scoreFunction

    /// Whether the estimator differentiates the model (reparameterization and DReG) or uses
    /// only log p(x, z) (VIMCO, score function).
    public var usesModelGradient: Bool { self == .reparameterization || self == .doublyReparameterized }

    /// The smallest group size K the estimator accepts: 2 for VIMCO, 1 otherwise.
    public var minimumGroupSize: Int { self == .vimco ? 2 : 1 }
}
