/// Distribution functions of the chi-squared law, used by calibration checks.
public enum ChiSquaredDistribution {
    /// The p-quantile with ν degrees of freedom.
    public static func quantile(_ p: Double, degreesOfFreedom: Double) -> Double {
        GSL.chiSquaredQuantile(p, degreesOfFreedom: degreesOfFreedom)
    }

    /// P(X ≤ x) with ν degrees of freedom.
    public static func cumulativeProbability(_ x: Double, degreesOfFreedom: Double) -> Double {
        GSL.chiSquaredCDF(x, degreesOfFreedom: degreesOfFreedom)
    }
}

/// Distribution functions of the binomial law, used by coverage checks.
public enum BinomialDistribution {
    /// P(X ≤ k) for X ~ Binomial(trials, probability).
    public static func cumulativeProbability(_ k: Int, probability: Double, trials: Int) -> Double {
        k < 0 ? 0 : k >= trials ? 1 : GSL.binomialCDF(k, probability: probability, trials: trials)
    }

    /// The smallest k with P(X ≤ k) ≥ p.
    public static func quantile(_ p: Double, probability: Double, trials: Int) -> Int {
        var low = 0, high = trials
        while low < high {
            let mid = (low + high) / 2
            if cumulativeProbability(mid, probability: probability, trials: trials) >= p { high = mid } else { low = mid + 1 }
        }
        return low
    }
}
