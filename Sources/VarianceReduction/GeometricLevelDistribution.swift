import Foundation
import MonteCarloCore

/// A geometric distribution on the levels 0…L: P(N = ℓ) ∝ 2^{−rℓ}.
///
/// The level distribution of ``RandomizedMultilevelMonteCarlo``. With variance decay β and
/// cost growth γ, the single-term estimator's variance Σ_ℓ E[Δ_ℓ²]/p_ℓ and expected cost
/// Σ_ℓ p_ℓ C_ℓ both converge as L → ∞ exactly when γ < r < β; r = (β + γ)/2 balances them, the
/// choice p_ℓ ∝ √(E[Δ_ℓ²]/C_ℓ) of Rhee & Glynn (2015, §3) for geometric rates.
///
/// ```swift
/// let levels = try GeometricLevelDistribution(rate: 1.5, maximumLevel: 20)
/// levels.probability(0)        // 1 − 2^{−1.5}, renormalized over 0…20
/// ```
public struct GeometricLevelDistribution: Sendable, Hashable, Codable {
    /// The decay exponent r > 0.
    public let rate: Double
    /// The largest level L.
    public let maximumLevel: Int

    /// Creates the distribution.
    /// - Throws: `MonteCarloError/invalidParameter(name:value:requirement:)` unless r > 0 is
    ///   finite and 0 ≤ L ≤ 255.
    public init(rate: Double, maximumLevel: Int) throws(MonteCarloError) {
        guard rate.isFinite, rate > 0 else { throw .invalidParameter(name: "rate", value: rate, requirement: "finite and positive") }
        guard (0...255).contains(maximumLevel) else {
            throw .invalidParameter(name: "maximumLevel", value: Double(maximumLevel), requirement: "between 0 and 255")
        }
        self.rate = rate
        self.maximumLevel = maximumLevel
    }

    /// q = 2^{−r}, the ratio of consecutive probabilities.
    var ratio: Double { exp2(-rate) }

    /// 1 − q^{L+1}, the normalizing sum times (1 − q).
    var normalization: Double { -expm1(Double(maximumLevel + 1) * log(ratio)) }

    /// P(N = ℓ).
    public func probability(_ level: Int) -> Double {
        guard (0...maximumLevel).contains(level) else { return 0 }
        return pow(ratio, Double(level)) * -expm1(log(ratio)) / normalization
    }

    /// P(N ≥ ℓ).
    public func tailProbability(_ level: Int) -> Double {
        guard level > 0 else { return 1 }
        guard level <= maximumLevel else { return 0 }
        return (pow(ratio, Double(level)) - pow(ratio, Double(maximumLevel + 1))) / normalization
    }

    /// A level drawn by inversion: N = ⌊log(1 − U(1 − q^{L+1})) / log q⌋.
    public func sample(using generator: inout Xoshiro256PlusPlus) -> Int {
        let u = generator.nextUniform()
        let level = Int((log1p(-u * normalization) / log(ratio)).rounded(.down))
        return min(max(level, 0), maximumLevel)
    }
}
