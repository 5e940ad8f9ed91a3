import Foundation
import MonteCarloCore

/// An Asian call on the average of m equally spaced prices of a geometric Brownian motion.
///
/// The arithmetic-average payoff has no closed form; the geometric-average payoff does, and is
/// an excellent control variate for it (Kemna & Vorst 1990). A path is driven by m standard
/// normals (one per monitoring date, Brownian increments), so the problem's measure is
/// `StandardNormalVector` of dimension m: reflectable for antithetic paths and a unit-cube
/// image for randomized QMC.
public struct AsianCallOption: Sendable, Hashable, Codable {
    /// Spot price S₀ > 0.
    public let spot: Double
    /// Strike K > 0.
    public let strike: Double
    /// Risk-free rate r.
    public let rate: Double
    /// Volatility σ > 0.
    public let volatility: Double
    /// Maturity T > 0.
    public let maturity: Double
    /// Number of monitoring dates m ≥ 1 (at T/m, 2T/m, …, T).
    public let monitoringDates: Int

    /// Creates the option.
    public init(spot: Double, strike: Double, rate: Double, volatility: Double, maturity: Double,
                monitoringDates: Int) throws(MonteCarloError) {
        _ = try EuropeanCallOption(spot: spot, strike: strike, rate: rate, volatility: volatility, maturity: maturity)
        guard monitoringDates >= 1 else {
            throw .invalidParameter(name: "monitoringDates", value: Double(monitoringDates), requirement: "at least 1")
        }
        self.spot = spot
        self.strike = strike
        self.rate = rate
        self.volatility = volatility
        self.maturity = maturity
        self.monitoringDates = monitoringDates
    }

    /// The measure of the m normals that drive one path.
    public var pathMeasure: StandardNormalVector { try! StandardNormalVector(dimension: monitoringDates) }

    /// Arithmetic and geometric averages of the path driven by `normals`.
    public func averages(_ normals: [Double]) -> (arithmetic: Double, geometric: Double) {
        let dt = maturity / Double(monitoringDates)
        let drift = (rate - 0.5 * volatility * volatility) * dt
        let diffusion = volatility * dt.squareRoot()
        var logPrice = log(spot)
        var sum = 0.0, logSum = 0.0
        for z in normals {
            logPrice += drift + diffusion * z
            sum += exp(logPrice)
            logSum += logPrice
        }
        let m = Double(monitoringDates)
        return (sum / m, exp(logSum / m))
    }

    /// e^{−rT} max(arithmetic average − K, 0).
    public func arithmeticPayoff(_ normals: [Double]) -> Double {
        exp(-rate * maturity) * max(averages(normals).arithmetic - strike, 0)
    }

    /// e^{−rT} max(geometric average − K, 0).
    public func geometricPayoff(_ normals: [Double]) -> Double {
        exp(-rate * maturity) * max(averages(normals).geometric - strike, 0)
    }

    /// The closed-form price of the geometric-average call.
    ///
    /// log G is normal with mean log S₀ + (r − σ²/2)T(m + 1)/(2m) and variance
    /// σ²T(m + 1)(2m + 1)/(6m²), so the price is a Black-type formula in those two moments.
    public var geometricPrice: Double {
        let m = Double(monitoringDates)
        let mean = log(spot) + (rate - 0.5 * volatility * volatility) * maturity * (m + 1) / (2 * m)
        let sd = (volatility * volatility * maturity * (m + 1) * (2 * m + 1) / (6 * m * m)).squareRoot()
        let d2 = (mean - log(strike)) / sd
        let d1 = d2 + sd
        return exp(-rate * maturity) * (exp(mean + 0.5 * sd * sd) * NormalDistribution.standardCumulativeProbability(d1)
            - strike * NormalDistribution.standardCumulativeProbability(d2))
    }
}
