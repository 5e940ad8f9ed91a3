import Foundation
import MonteCarloCore

/// The plug-in estimator of I(X; Y) for two discrete variables, in nats, with the Miller–Madow
/// bias correction (Miller 1955; Paninski 2003).
///
/// With n_xy the count of the pair (x, y) among N points and n_x, n_y the marginal counts,
///
///     Î_plug = Σ (n_xy/N) log(N n_xy / (n_x n_y)),
///     Î_MM   = Î_plug − (K_xy − K_x − K_y + 1)/(2N),
///
/// K the number of occupied cells (joint and marginal). Labels are any integers (category
/// codes); only equality matters.
///
/// ```swift
/// let estimate = try DiscreteMutualInformation().estimate(x: colours, y: shapes)  // [Int] each
/// ```
///
/// **Statistical properties.** The plug-in overestimates I by (K_xy − K_x − K_y + 1)/(2N) +
/// O(N⁻²) when every cell of positive probability is observed (from the Miller–Madow expansion
/// of each entropy, Ĥ ≈ H − (K − 1)/(2N)); the correction removes that term, leaving O(N⁻²).
/// Cells of positive but tiny probability that are not observed leave more bias (not
/// estimated).
///
/// *Variance.* `variance` estimates Var(Î) by the delta method: with PMI(x, y) =
/// log(p_xy/(p_x p_y)), √N(Î − I) → N(0, σ²), σ² = Var PMI(X, Y) = E PMI² − I², when I > 0, so
/// `variance` = σ̂²/N with σ̂² = Σ (n_xy/N) PMÎ² − Î_plug² (the plug-in PMIs). The interval is
/// normal. At I = 0 this limit is degenerate (σ² = 0): there 2N·Î_plug is asymptotically
/// χ² with (K_x − 1)(K_y − 1) degrees of freedom (the G-test), so Î is not normal, its
/// variance is (K_x − 1)(K_y − 1)/(2N²), and σ̂²/N ≈ (K_x − 1)(K_y − 1)/N² (Pearson's X²/N²)
/// is about twice that: conservative, but the normal interval is the wrong shape. The estimate
/// therefore reports the G-test in `figures` (`"independenceStatistic"` = 2N·Î_plug,
/// `"independenceDegreesOfFreedom"`, `"independencePValue"`) and a warning when independence is
/// not rejected at the 5% level; test independence with that p-value rather than the interval.
/// Measured over 200 data sets of a 3 × 3 table with I = 0.290 (`DiscreteMutualInformationTests`):
/// reported/empirical variance 1.06 at N = 500 and 0.82 at N = 2000 (χ² band 0.70…1.36); mean
/// − I = +0.002 ± 0.002 and +0.0004 ± 0.001. ESS = σ̂² /
/// `variance` = N (the PMI terms are i.i.d. to first order).
///
/// - Complexity: O(N) expected (hashing of the labels and pairs).
public struct DiscreteMutualInformation: Sendable, Hashable, Codable {
    /// The bias correction applied to the plug-in value.
    public enum Correction: String, Sendable, Hashable, Codable {
        /// The plug-in value as is (biased upwards by about (K_xy − K_x − K_y + 1)/(2N)).
        case none
        /// Subtract (K_xy − K_x − K_y + 1)/(2N) (Miller–Madow).
        case millerMadow
    }

    /// Which correction; Miller–Madow by default.
    public var correction: Correction

    public init(correction: Correction = .millerMadow) {
        self.correction = correction
    }

    /// Î with its delta-method variance (see the type's discussion).
    /// - Throws: `MonteCarloError/dimensionMismatch(what:expected:actual:)` when `x` and `y`
    ///   differ in length; `MonteCarloError/insufficientSamples(needed:available:reason:)` for
    ///   fewer than 2 points; `MonteCarloError/invalidArgument(_:)` when either variable is
    ///   constant.
    public func estimate(x: [Int], y: [Int]) throws(MonteCarloError) -> Estimate {
        let n = x.count
        guard y.count == n else { throw .dimensionMismatch(what: "labels of Y (one per label of X)", expected: n, actual: y.count) }
        guard n >= 2 else { throw .insufficientSamples(needed: 2, available: n, reason: "for a contingency table") }
        let cx = CategoricalCodes(x), cy = CategoricalCodes(y)
        try cx.checkNotConstant(name: "X")
        try cy.checkNotConstant(name: "Y")
        var joint = [Int: Int](minimumCapacity: min(n, cx.categories * cy.categories))
        for i in 0..<n { joint[cx.codes[i] * cy.categories + cy.codes[i], default: 0] += 1 }
        // Cells in a fixed order so the sums do not depend on the dictionary's layout.
        let cells = joint.sorted { $0.key < $1.key }
        let total = Double(n)
        var plugIn = 0.0, squares = 0.0
        for (cell, count) in cells {
            let nx = Double(cx.sizes[cell / cy.categories]), ny = Double(cy.sizes[cell % cy.categories])
            let share = Double(count) / total
            let pmi = log(total * Double(count) / (nx * ny))
            plugIn += share * pmi
            squares += share * pmi * pmi
        }
        let excessCells = cells.count - cx.categories - cy.categories + 1
        let shift = correction == .millerMadow ? Double(excessCells) / (2 * total) : 0
        let pointVariance = max(squares - plugIn * plugIn, 0)
        let variance = pointVariance / total
        let statistic = 2 * total * plugIn
        let freedom = Double((cx.categories - 1) * (cy.categories - 1))
        let pValue = 1 - ChiSquaredDistribution.cumulativeProbability(statistic, degreesOfFreedom: freedom)
        var warnings = [String]()
        if pValue > 0.05 {
            warnings.append(String(format: "Independence is not rejected (G = 2N·Î = %.3g on %.0f degrees of freedom, p = %.3g): "
                + "near I = 0 the estimate is χ²-distributed, not normal, and the variance is about twice too large; "
                + "use the p-value, not the interval.", statistic, freedom, pValue))
        }
        return Estimate(
            value: plugIn - shift, variance: variance, sampleCount: n,
            effectiveSampleSize: Estimate.effectiveSampleSize(perDrawVariance: pointVariance, estimatorVariance: variance,
                                                              evaluations: n),
            diagnostics: Diagnostics(
                method: correction == .millerMadow ? "plug-in-miller-madow" : "plug-in",
                declaredBias: correction == .millerMadow
                    ? "O(N⁻²) when every cell of positive probability is observed; unobserved cells add more"
                    : String(format: "Overestimates I by about (K_xy − K_x − K_y + 1)/(2N) = %.3g", Double(excessCells) / (2 * total)),
                figures: ["plugIn": plugIn, "millerMadowCorrection": Double(excessCells) / (2 * total),
                          "occupiedCells": Double(cells.count), "categoriesX": Double(cx.categories),
                          "categoriesY": Double(cy.categories), "independenceStatistic": statistic,
                          "independenceDegreesOfFreedom": freedom, "independencePValue": pValue],
                warnings: warnings))
    }
}
