import Foundation
import MonteCarloCore

/// A continuously averaged Asian call under geometric Brownian motion, discretized with 2^ℓ
/// time steps at level ℓ: a path-dependent hierarchy for ``MultilevelMonteCarlo``.
///
/// Level ℓ simulates the price S on the grid t_n = nT/2^ℓ with the Euler or Milstein step of
/// ``EuropeanCallLevelSampler``, approximates the time average (1/T)∫₀ᵀ S dt by the trapezoidal
/// rule on that grid, and returns e^{−rT} max(A − K, 0). With ``Average/geometric`` the average
/// is exp((1/T)∫₀ᵀ log S dt), the log-prices integrated by the same rule (a path whose Euler
/// price reaches zero or below, an event of probability below 10⁻⁶ at level 0 for σ = 0.2, has
/// geometric average 0). A coupled sample draws the fine increments and feeds their pairwise
/// sums to the coarse path, as for the European call.
///
/// ```swift
/// let option = try EuropeanCallOption(spot: 100, strike: 100, rate: 0.05, volatility: 0.2, maturity: 1)
/// let sampler = try AsianCallLevelSampler(option: option, scheme: .milstein, average: .geometric)
/// let report = try MultilevelMonteCarlo(sampler: sampler).run(rootMeanSquareError: 0.01, seed: 1)
/// // report.estimate is within a few ε of sampler.limit (Kemna & Vorst 1990)
/// ```
///
/// **Limits.** The arithmetic-average price has no closed form. The geometric one has
/// (Kemna & Vorst 1990): (1/T)∫₀ᵀ log S dt is normal with mean log S₀ + (r − σ²/2)T/2 and
/// variance σ²T/3, so its price is a Black-type formula in those moments (``limit``); it checks
/// the hierarchy's limit, and it is the classic control variate for the arithmetic price.
///
/// **Rates (theory).** Weak order α = 1 for both schemes. Two terms make up
/// Var[P_ℓ − P_{ℓ−1}]. The quadrature: the fine and coarse trapezoids differ by about
/// (h/2)σS(ΔW₁ − ΔW₂) per coarse step, 2^{ℓ−1} independent terms of variance O(h³), so about
/// σ²S²h²/4 in all (β = 2). The scheme: Euler's fine and coarse paths differ by σ²SΔW₁ΔW₂ per
/// coarse step (Milstein's correction, missing from Euler), which the average carries with
/// variance about σ⁴S²h/6 (β = 1); Milstein has no such term. So β = 2 for Milstein, and β = 1
/// for Euler only asymptotically: its term dominates once h < 2σ²/3 (level 6 and beyond at
/// σ = 0.2), and a fit over coarser levels sees β between 1 and 2. The payoff is Lipschitz in
/// the average, and a coupled sample costs 2^ℓ + 2^{ℓ−1} steps, so γ = 1 (Giles 2008, §5).
public struct AsianCallLevelSampler: CoupledLevelSampler, Hashable, Codable {
    /// Which average of the path the call is written on.
    public enum Average: String, Sendable, Hashable, Codable, CaseIterable {
        /// (1/T)∫₀ᵀ S dt: no closed-form price.
        case arithmetic
        /// exp((1/T)∫₀ᵀ log S dt): the Kemna–Vorst closed form.
        case geometric
    }

    /// Spot, strike, rate, volatility and maturity (the European call's terms; the payoff is on
    /// the average instead of S_T).
    public var option: EuropeanCallOption { path.option }
    /// The time-stepping scheme.
    public var scheme: EuropeanCallLevelSampler.Scheme { path.scheme }
    /// The average the call is written on.
    public let average: Average
    /// The finest level (2^maximumLevel steps).
    public var maximumLevel: Int { path.maximumLevel }
    /// The price paths, stepped as for the European call.
    let path: EuropeanCallLevelSampler

    /// Creates the hierarchy.
    /// - Throws: `MonteCarloError/invalidParameter(name:value:requirement:)` unless
    ///   0 ≤ maximumLevel ≤ 30.
    public init(option: EuropeanCallOption, scheme: EuropeanCallLevelSampler.Scheme, average: Average,
                maximumLevel: Int = 20) throws(MonteCarloError) {
        path = try EuropeanCallLevelSampler(option: option, scheme: scheme, maximumLevel: maximumLevel)
        self.average = average
    }

    /// The limit of E[P_ℓ] when it has a closed form: the Kemna–Vorst price of the continuously
    /// averaged geometric call; `nil` for the arithmetic average.
    public var limit: Double? {
        guard average == .geometric else { return nil }
        let (r, sigma, t) = (option.rate, option.volatility, option.maturity)
        let mean = log(option.spot) + (r - 0.5 * sigma * sigma) * t / 2
        let sd = sigma * (t / 3).squareRoot()
        let d2 = (mean - log(option.strike)) / sd
        let d1 = d2 + sd
        return exp(-r * t) * (exp(mean + 0.5 * sd * sd) * NormalDistribution.standardCumulativeProbability(d1)
            - option.strike * NormalDistribution.standardCumulativeProbability(d2))
    }

    /// 2^ℓ + 2^{ℓ−1} time steps per coupled sample (1 at level 0).
    public func cost(level: Int) -> Double { path.cost(level: level) }

    /// The summand of the trapezoidal rule: S, or log S for the geometric average (−∞ once S ≤ 0).
    @inline(__always)
    func summand(_ s: Double) -> Double {
        switch average {
        case .arithmetic: return s
        case .geometric: return s > 0 ? log(s) : -.infinity
        }
    }

    /// The discounted payoff of the trapezoidal sum Σ_n (f(S_n) + f(S_{n+1}))/2 over `steps` steps.
    @inline(__always)
    func payoff(trapezoid: Double, steps: Int) -> Double {
        let mean = trapezoid / Double(steps)
        let averagePrice = average == .arithmetic ? mean : exp(mean)
        return exp(-option.rate * option.maturity) * max(averagePrice - option.strike, 0)
    }

    public func sample(level: Int, using generator: inout Xoshiro256PlusPlus) -> (fine: Double, difference: Double) {
        let fineSteps = 1 << level
        let h = option.maturity / Double(fineSteps)
        let sqrtH = h.squareRoot()
        let start = summand(option.spot)
        if level == 0 {
            let end = path.step(option.spot, sqrtH * generator.nextStandardNormal(), h)
            let p = payoff(trapezoid: 0.5 * (start + summand(end)), steps: 1)
            return (p, p)
        }
        var fine = option.spot, coarse = option.spot
        // Interior points count once, the two ends one half each.
        var fineSum = 0.5 * start, coarseSum = 0.5 * start
        for pair in 0..<(fineSteps / 2) {
            let dw1 = sqrtH * generator.nextStandardNormal()
            let dw2 = sqrtH * generator.nextStandardNormal()
            fine = path.step(fine, dw1, h)
            fineSum += summand(fine)
            fine = path.step(fine, dw2, h)
            coarse = path.step(coarse, dw1 + dw2, 2 * h)
            let last = pair == fineSteps / 2 - 1
            fineSum += last ? 0.5 * summand(fine) : summand(fine)
            coarseSum += last ? 0.5 * summand(coarse) : summand(coarse)
        }
        let pf = payoff(trapezoid: fineSum, steps: fineSteps)
        return (pf, pf - payoff(trapezoid: coarseSum, steps: fineSteps / 2))
    }
}
