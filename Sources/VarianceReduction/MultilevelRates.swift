import Foundation
import MonteCarloCore

/// The convergence rates of a multilevel hierarchy, fitted by least squares over levels ℓ ≥ 1.
///
/// With h_ℓ = 2^{−ℓ}: |E[P_ℓ − P_{ℓ−1}]| ≈ c_α 2^{−αℓ} (weak order α), Var[P_ℓ − P_{ℓ−1}] ≈ c_β
/// 2^{−βℓ} and the cost per coupled sample C_ℓ ≈ c_γ 2^{γℓ}. Giles' complexity theorem (2008,
/// 2015) then gives the cost to reach a root-mean-square error ε: O(ε⁻²) when β > γ,
/// O(ε⁻²(log ε)²) when β = γ, O(ε^{−2−(γ−β)/α}) when β < γ. The randomized estimators of
/// Rhee & Glynn (2015) have finite variance and finite expected cost only when β > γ.
///
/// ```swift
/// let rates = try MultilevelRates(levels: [1, 2, 3, 4], means: m, variances: v, costs: c)
/// print(rates.beta, rates.betaStandardError ?? .nan)
/// ```
///
/// **Statistical properties.** Each rate is minus (plus, for γ) the ordinary least-squares slope
/// of log₂ of the level figures against ℓ. Its standard error is the regression's, from the
/// residuals with (points − 2) degrees of freedom, so it measures both the sampling noise of the
/// per-level estimates and any departure from a straight line (pre-asymptotic levels); it is
/// `nil` with fewer than three usable levels. Levels whose figure is zero (log undefined) are
/// left out of that rate's fit.
public struct MultilevelRates: Sendable, Hashable, Codable {
    /// Weak order α: |E[P_ℓ − P_{ℓ−1}]| ∝ 2^{−αℓ}.
    public var alpha: Double
    /// Variance decay β: Var[P_ℓ − P_{ℓ−1}] ∝ 2^{−βℓ}.
    public var beta: Double
    /// Cost growth γ: C_ℓ ∝ 2^{γℓ}.
    public var gamma: Double
    /// Standard error of α from the regression, when at least three levels were fitted.
    public var alphaStandardError: Double?
    /// Standard error of β from the regression, when at least three levels were fitted.
    public var betaStandardError: Double?
    /// Standard error of γ from the regression, when at least three levels were fitted.
    public var gammaStandardError: Double?
    /// Degrees of freedom of the β fit (usable levels − 2).
    public var betaDegreesOfFreedom: Int

    /// Rates known in advance (from theory), with no standard errors.
    /// - Throws: `MonteCarloError/invalidParameter(name:value:requirement:)` unless α > 0,
    ///   β > 0 and γ > 0 are finite.
    public init(alpha: Double, beta: Double, gamma: Double) throws(MonteCarloError) {
        for (name, value) in [("alpha", alpha), ("beta", beta), ("gamma", gamma)] {
            guard value.isFinite, value > 0 else { throw .invalidParameter(name: name, value: value, requirement: "finite and positive") }
        }
        self.alpha = alpha
        self.beta = beta
        self.gamma = gamma
        betaDegreesOfFreedom = 0
    }

    /// Rates for an allocation: fitted values where available, α and β floored at ½ (Giles 2015),
    /// γ at 0, with ½, ½ and 1 where a rate could not be fitted.
    init(fittedAlpha: Double?, beta fittedBeta: Double?, gamma fittedGamma: Double?, alphaStandardError: Double?,
         betaStandardError: Double?, gammaStandardError: Double?, betaPoints: Int) {
        alpha = max(0.5, fittedAlpha ?? 0.5)
        beta = max(0.5, fittedBeta ?? 0.5)
        gamma = max(0, fittedGamma ?? 1)
        self.alphaStandardError = alphaStandardError
        self.betaStandardError = betaStandardError
        self.gammaStandardError = gammaStandardError
        betaDegreesOfFreedom = max(0, betaPoints - 2)
    }

    /// Fits the rates to per-level figures.
    /// - Parameters:
    ///   - levels: the levels ℓ ≥ 1 of the figures (at least two).
    ///   - means: |E[P_ℓ − P_{ℓ−1}]| estimates (signs are ignored).
    ///   - variances: Var[P_ℓ − P_{ℓ−1}] estimates.
    ///   - costs: costs per coupled sample.
    /// - Throws: `MonteCarloError/dimensionMismatch(what:expected:actual:)` for arrays of different
    ///   lengths, `MonteCarloError/insufficientSamples(needed:available:reason:)` when a rate has
    ///   fewer than two levels with a non-zero figure.
    public init(levels: [Int], means: [Double], variances: [Double], costs: [Double]) throws(MonteCarloError) {
        for (what, array) in [("means", means), ("variances", variances), ("costs", costs)] where array.count != levels.count {
            throw .dimensionMismatch(what: "multilevel rate fit: \(what) per level", expected: levels.count, actual: array.count)
        }
        let a = try Self.slope(levels, means.map(abs), "weak order alpha")
        let b = try Self.slope(levels, variances, "variance decay beta")
        let g = try Self.slope(levels, costs, "cost growth gamma")
        alpha = -a.slope
        beta = -b.slope
        gamma = g.slope
        alphaStandardError = a.standardError
        betaStandardError = b.standardError
        gammaStandardError = g.standardError
        betaDegreesOfFreedom = b.points - 2
    }

    /// The least-squares slope of log₂ y against ℓ over the positive finite y, with its standard error.
    static func slope(_ levels: [Int], _ y: [Double], _ what: String) throws(MonteCarloError)
        -> (slope: Double, standardError: Double?, points: Int)
    {
        var xs: [Double] = [], ys: [Double] = []
        for (l, v) in zip(levels, y) where v > 0 && v.isFinite {
            xs.append(Double(l))
            ys.append(log2(v))
        }
        guard xs.count >= 2 else {
            throw .insufficientSamples(needed: 2, available: xs.count, reason: "levels with a non-zero figure to fit the \(what)")
        }
        let n = Double(xs.count)
        let mx = xs.reduce(0, +) / n, my = ys.reduce(0, +) / n
        var sxx = 0.0, sxy = 0.0
        for (x, y) in zip(xs, ys) {
            sxx += (x - mx) * (x - mx)
            sxy += (x - mx) * (y - my)
        }
        let slope = sxy / sxx
        guard xs.count >= 3 else { return (slope, nil, xs.count) }
        var residuals = 0.0
        for (x, y) in zip(xs, ys) {
            let r = y - my - slope * (x - mx)
            residuals += r * r
        }
        return (slope, (residuals / (n - 2) / sxx).squareRoot(), xs.count)
    }
}
