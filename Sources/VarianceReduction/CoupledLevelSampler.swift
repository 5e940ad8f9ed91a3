import MonteCarloCore

/// A hierarchy of approximations P₀, P₁, … of a quantity P, sampled in coupled pairs.
///
/// Level ℓ approximates P with resolution growing in ℓ (for an SDE: 2^ℓ time steps). One
/// *coupled sample* at level ℓ computes the fine value P_ℓ and the coarse value P_{ℓ−1} from
/// the **same** randomness (the coarse Brownian increments are sums of the fine ones), so the
/// difference P_ℓ − P_{ℓ−1} is small and has a small variance; at level 0 there is no coarse
/// value and the difference is P₀ itself. ``MultilevelMonteCarlo`` and
/// ``RandomizedMultilevelMonteCarlo`` estimate lim E[P_ℓ] from such samples by the telescoping
/// sum E[P_L] = E[P₀] + Σ_{ℓ=1}^{L} E[P_ℓ − P_{ℓ−1}].
///
/// ```swift
/// let sampler = try EuropeanCallLevelSampler(option: option, scheme: .milstein)
/// var generator = Xoshiro256PlusPlus(seed: 1)
/// let pair = sampler.sample(level: 3, using: &generator)   // (fine: P₃, difference: P₃ − P₂)
/// ```
///
/// **The coupling is the sampler's business.** Any coupling whose coarse part has the law of
/// level ℓ − 1's fine part keeps the telescoping sum exact. The antithetic coupling of Giles &
/// Szpruch (2014) fits: return as `difference` the average of the fine payoff and of its
/// antithetic twin (the fine path with the two Brownian increments inside each coarse step
/// swapped) minus the coarse payoff, and as `fine` the first fine payoff.
///
/// **Cost.** ``cost(level:)`` is the cost of one coupled sample in any unit (time steps,
/// seconds): it is declared rather than timed so that the allocation, and hence every number,
/// depends only on the seed. Only its ratios between levels matter.
public protocol CoupledLevelSampler: Sendable {
    /// The finest level the sampler offers (at least 0).
    var maximumLevel: Int { get }

    /// The cost of one coupled sample at `level` (positive, finite; any unit).
    func cost(level: Int) -> Double

    /// One coupled sample at `level` (0 ≤ level ≤ ``maximumLevel``): the fine value P_ℓ and the
    /// difference P_ℓ − P_{ℓ−1} (P₀ at level 0), from shared randomness drawn from `generator`.
    func sample(level: Int, using generator: inout Xoshiro256PlusPlus) -> (fine: Double, difference: Double)

    /// The differences Δ₀, …, Δ_L (Δ_ℓ = P_ℓ − P_{ℓ−1}, Δ₀ = P₀) of **one** underlying path,
    /// written to `differences[0...level]`, for the coupled-sum estimator of
    /// ``RandomizedMultilevelMonteCarlo``.
    ///
    /// The default draws every level independently (the *independent-sum* estimator of Rhee &
    /// Glynn 2015, equally unbiased); samplers that can compute all levels from one path
    /// override it.
    func pathDifferences(throughLevel level: Int, into differences: inout [Double],
                         using generator: inout Xoshiro256PlusPlus)
}

extension CoupledLevelSampler {
    public func pathDifferences(throughLevel level: Int, into differences: inout [Double],
                                using generator: inout Xoshiro256PlusPlus) {
        for l in 0...level { differences[l] = sample(level: l, using: &generator).difference }
    }
}
