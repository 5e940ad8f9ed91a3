import Foundation
import MonteCarloCore

/// A European call under geometric Brownian motion, discretized with 2^ℓ time steps at level ℓ:
/// the reference hierarchy for ``MultilevelMonteCarlo``, with the Black–Scholes price as its limit.
///
/// Level ℓ simulates dS = rS dt + σS dW on [0, T] with step h_ℓ = T/2^ℓ by Euler–Maruyama,
/// S ← S(1 + rh + σΔW), or Milstein, S ← S(1 + rh + σΔW + ½σ²(ΔW² − h)), and returns the
/// discounted payoff e^{−rT} max(S_T − K, 0). A coupled sample draws the 2^ℓ fine Brownian
/// increments and feeds their pairwise sums to the coarse path (Giles 2008).
///
/// ```swift
/// let option = try EuropeanCallOption(spot: 100, strike: 105, rate: 0.05, volatility: 0.2, maturity: 1)
/// let sampler = try EuropeanCallLevelSampler(option: option, scheme: .euler)
/// let report = try MultilevelMonteCarlo(sampler: sampler).run(rootMeanSquareError: 0.01, seed: 1)
/// // report.estimate is within a few ε of option.blackScholesPrice
/// ```
///
/// **Rates (theory).** Both schemes have weak order α = 1. The payoff is Lipschitz, so
/// Var[P_ℓ − P_{ℓ−1}] decays like the strong error squared: β = 1 for Euler (strong order ½)
/// and β = 2 for Milstein (strong order 1). A coupled sample costs 2^ℓ + 2^{ℓ−1} steps (1 at
/// level 0), so γ = 1: Euler is the critical case β = γ, with MLMC cost O(ε⁻²(log ε)²), and
/// Milstein the case β > γ, with cost O(ε⁻²) (Giles 2008; Giles 2015, §5).
public struct EuropeanCallLevelSampler: CoupledLevelSampler, Hashable, Codable {
    /// The time-stepping scheme.
    public enum Scheme: String, Sendable, Hashable, Codable, CaseIterable {
        /// Euler–Maruyama: strong order ½, weak order 1.
        case euler
        /// Milstein: strong order 1, weak order 1.
        case milstein
    }

    /// The option; its Black–Scholes price is the limit of E[P_ℓ].
    public let option: EuropeanCallOption
    /// The scheme.
    public let scheme: Scheme
    /// The finest level (2^maximumLevel steps).
    public let maximumLevel: Int

    /// Creates the hierarchy.
    /// - Throws: `MonteCarloError/invalidParameter(name:value:requirement:)` unless
    ///   0 ≤ maximumLevel ≤ 30.
    public init(option: EuropeanCallOption, scheme: Scheme, maximumLevel: Int = 20) throws(MonteCarloError) {
        guard (0...30).contains(maximumLevel) else {
            throw .invalidParameter(name: "maximumLevel", value: Double(maximumLevel), requirement: "between 0 and 30")
        }
        self.option = option
        self.scheme = scheme
        self.maximumLevel = maximumLevel
    }

    /// The Black–Scholes price, the limit of E[P_ℓ] as ℓ → ∞.
    public var limit: Double { option.blackScholesPrice }

    /// 2^ℓ + 2^{ℓ−1} time steps per coupled sample (1 at level 0).
    public func cost(level: Int) -> Double {
        level == 0 ? 1 : exp2(Double(level)) * 1.5
    }

    /// One step of the scheme from S with increment ΔW over h.
    @inline(__always)
    func step(_ s: Double, _ dw: Double, _ h: Double) -> Double {
        let sigma = option.volatility
        switch scheme {
        case .euler: return s * (1 + option.rate * h + sigma * dw)
        case .milstein: return s * (1 + option.rate * h + sigma * dw + 0.5 * sigma * sigma * (dw * dw - h))
        }
    }

    @inline(__always)
    func payoff(_ terminal: Double) -> Double {
        exp(-option.rate * option.maturity) * max(terminal - option.strike, 0)
    }

    public func sample(level: Int, using generator: inout Xoshiro256PlusPlus) -> (fine: Double, difference: Double) {
        let fineSteps = 1 << level
        let h = option.maturity / Double(fineSteps)
        let sqrtH = h.squareRoot()
        if level == 0 {
            let p = payoff(step(option.spot, sqrtH * generator.nextStandardNormal(), h))
            return (p, p)
        }
        var fine = option.spot, coarse = option.spot
        for _ in 0..<(fineSteps / 2) {
            let dw1 = sqrtH * generator.nextStandardNormal()
            let dw2 = sqrtH * generator.nextStandardNormal()
            fine = step(step(fine, dw1, h), dw2, h)
            coarse = step(coarse, dw1 + dw2, 2 * h)
        }
        let pf = payoff(fine)
        return (pf, pf - payoff(coarse))
    }

    /// One sample of P_ℓ alone, without the coarse path: a draw for plain Monte Carlo on level ℓ
    /// (2^ℓ steps; same law as the `fine` value of ``sample(level:using:)``).
    public func fineSample(level: Int, using generator: inout Xoshiro256PlusPlus) -> Double {
        let steps = 1 << level
        let h = option.maturity / Double(steps), sqrtH = h.squareRoot()
        var s = option.spot
        for _ in 0..<steps { s = step(s, sqrtH * generator.nextStandardNormal(), h) }
        return payoff(s)
    }

    /// Δ₀, …, Δ_L from one Brownian path on the finest grid: level ℓ's path uses the sums of
    /// 2^{L−ℓ} consecutive finest increments, so all levels are coupled (the coupled sum of
    /// Rhee & Glynn 2015).
    public func pathDifferences(throughLevel level: Int, into differences: inout [Double],
                                using generator: inout Xoshiro256PlusPlus) {
        let steps = 1 << level
        let hFinest = option.maturity / Double(steps)
        let sqrtH = hFinest.squareRoot()
        withUnsafeTemporaryAllocation(of: Double.self, capacity: steps) { increments in
            for i in 0..<steps { increments[i] = sqrtH * generator.nextStandardNormal() }
            var previous = 0.0
            for l in 0...level {
                let stride = 1 << (level - l)
                let h = hFinest * Double(stride)
                var s = option.spot
                var i = 0
                while i < steps {
                    var dw = 0.0
                    for j in i..<(i + stride) { dw += increments[j] }
                    s = step(s, dw, h)
                    i += stride
                }
                let p = payoff(s)
                differences[l] = p - previous
                previous = p
            }
        }
    }
}
