/// The order of the Langevin Stein operator a Stein kernel is built from.
///
/// - ``first``: the vector-field operator (Sφ)(x) = ∇·φ(x) + u(x)·φ(x), u = ∇ log π, giving
///   k0 = ∇ₓ·∇ᵧk + u(x)·∇ᵧk + u(y)·∇ₓk + u(x)·u(y)k (Oates, Girolami & Chopin 2017).
/// - ``second``: the scalar operator (Lg)(x) = Δg(x) + u(x)·∇g(x), the generator of the
///   overdamped Langevin diffusion, giving k0 = Lₓ Lᵧ k (used by the semi-exact control
///   functionals of South et al. 2022 and by ZVCV's `steinOrder = 2`). Its functions L h are the
///   zero-variance controls with h ranging over the base kernel's Hilbert space.
///
/// The second-order kernel needs the base kernel's radial derivatives up to the fourth, but no
/// derivative of the score: L acts on k, and u(x), u(y) enter only as coefficients. So only
/// the score is required at each draw, as for the first order (no Hessian or Laplacian of
/// log π). It needs a base kernel four times differentiable: Gaussian, inverse multiquadric
/// and rational quadratic; Matérn 5/2 is rejected (ZVCV likewise asks for Matérn ν ≥ 4.5).
public enum SteinOrder: Int, Sendable, Hashable, Codable, CaseIterable {
    /// k0 = ∇ₓ·∇ᵧk + u(x)·∇ᵧk + u(y)·∇ₓk + u(x)·u(y)k.
    case first = 1
    /// k0 = Lₓ Lᵧ k with Lg = Δg + u·∇g.
    case second = 2
}
