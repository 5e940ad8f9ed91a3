import Foundation
import MonteCarloCore

/// A European call on a stock following geometric Brownian motion, with its Black–Scholes price.
///
/// A reference problem with a closed-form answer: the discounted payoff
/// e^{−rT} max(S_T − K, 0) with S_T = S₀ exp((r − σ²/2)T + σ√T Z), Z ~ N(0, 1), has mean
/// S₀Φ(d₁) − K e^{−rT} Φ(d₂) (Black & Scholes 1973).
public struct EuropeanCallOption: Sendable, Hashable, Codable {
    /// Spot price S₀ > 0.
    public let spot: Double
    /// Strike K > 0.
    public let strike: Double
    /// Risk-free rate r (continuously compounded).
    public let rate: Double
    /// Volatility σ > 0.
    public let volatility: Double
    /// Maturity T > 0 in years.
    public let maturity: Double

    /// Creates the option.
    /// - Throws: `MonteCarloError/invalidParameter(name:value:requirement:)` for non-positive S₀, K, σ, T.
    public init(spot: Double, strike: Double, rate: Double, volatility: Double, maturity: Double) throws(MonteCarloError) {
        for (name, value) in [("spot", spot), ("strike", strike), ("volatility", volatility), ("maturity", maturity)] {
            guard value.isFinite, value > 0 else { throw .invalidParameter(name: name, value: value, requirement: "finite and positive") }
        }
        guard rate.isFinite else { throw .invalidParameter(name: "rate", value: rate, requirement: "finite") }
        self.spot = spot
        self.strike = strike
        self.rate = rate
        self.volatility = volatility
        self.maturity = maturity
    }

    /// The discounted payoff for the standard normal draw `z` driving S_T.
    public func discountedPayoff(_ z: Double) -> Double {
        let terminal = spot * exp((rate - 0.5 * volatility * volatility) * maturity + volatility * maturity.squareRoot() * z)
        return exp(-rate * maturity) * max(terminal - strike, 0)
    }

    /// The Black–Scholes price.
    public var blackScholesPrice: Double {
        let sd = volatility * maturity.squareRoot()
        let d1 = (log(spot / strike) + (rate + 0.5 * volatility * volatility) * maturity) / sd
        let d2 = d1 - sd
        return spot * NormalDistribution.standardCumulativeProbability(d1)
            - strike * exp(-rate * maturity) * NormalDistribution.standardCumulativeProbability(d2)
    }
}
