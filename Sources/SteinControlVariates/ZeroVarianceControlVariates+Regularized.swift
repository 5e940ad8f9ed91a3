import LinearAlgebra
import MonteCarloCore
import VarianceReduction

extension ZeroVarianceControlVariates {
    /// The number of inner cross-validation folds that choose the penalty, its weight and the
    /// degree inside each training set: 5.
    public static let innerFoldCount = 5

    /// What one training set chose: the degree, the penalty and its weight, and the fitted
    /// coefficients (intercept first, then one per control of the highest degree, 0 for the
    /// controls of a lower degree chosen).
    struct FoldChoice {
        var degree: Int
        var penalty: PenalizedControlVariateFit.Penalty
        var weight: Double
        var coefficients: [Double]
    }

    /// Whether the estimate goes through the penalized, cross-validated path.
    var isRegularized: Bool { penalty != .none || selectsDegree }

    /// The number of controls of total degree ≤ q in dimension d: C(d + q, d) − 1 for q ≤ 2.
    static func controlCount(dimension d: Int, degree q: Int) -> Int {
        q == 1 ? d : d + d + d * (d - 1) / 2
    }

    /// Chooses the degree (1 … `degree` when ``selectsDegree``), the penalty and its weight by
    /// ``innerFoldCount``-fold cross-validation over `rows`, and fits the coefficients on all of
    /// `rows` with that choice.
    /// - Throws: the error of the last candidate degree when none can be fitted.
    func select(rows: [Int], controls g: [Double], p: Int, values: [Double],
                dependence: SampleDependence, dimension d: Int) throws(MonteCarloError) -> FoldChoice {
        var groups: [CovarianceMoments] = []
        for inner in Self.innerGroups(rows, isChain: dependence.isChain) {
            groups.append(Self.moments(rows: inner, values: values, controls: g, p: p, kept: p))
        }
        var best: (choice: FoldChoice, score: Double)? = nil
        var lastError = MonteCarloError.invalidParameter(name: "degree", value: Double(degree), requirement: "1 or 2")
        for q in (selectsDegree ? 1 : degree)...degree {
            let count = Self.controlCount(dimension: d, degree: q)
            var restricted: [CovarianceMoments] = []
            for group in groups { restricted.append(count == p ? group : Self.restrict(group, controls: count)) }
            do {
                let fit = try PenalizedControlVariateFit(groups: restricted, penalty: penalty,
                                                         controlNames: (0..<count).map { "zero-variance control \($0)" })
                if let best, best.score <= fit.crossValidatedVariance { continue }
                var coefficients = [fit.intercept] + fit.coefficients
                coefficients += [Double](repeating: 0, count: p - count)
                best = (FoldChoice(degree: q, penalty: fit.penalty, weight: fit.weight, coefficients: coefficients),
                        fit.crossValidatedVariance)
            } catch {
                lastError = error
            }
        }
        guard let best else { throw lastError }
        return best.choice
    }

    /// The coefficients (intercept first, padded to p controls) refitted on `rows` at a choice
    /// made before: the degree, penalty and weight are kept.
    func refit(_ choice: FoldChoice, rows: [Int], controls g: [Double], p: Int, values: [Double],
               dimension d: Int) throws(MonteCarloError) -> [Double] {
        let count = Self.controlCount(dimension: d, degree: choice.degree)
        let moments = Self.moments(rows: rows, values: values, controls: g, p: p, kept: count)
        let beta = try PenalizedControlVariateFit.coefficients(
            moments, penalty: choice.penalty, weight: choice.weight,
            controlNames: (0..<count).map { "zero-variance control \($0)" })
        var intercept = moments.mean[0]
        for j in beta.indices { intercept -= beta[j] * moments.mean[j + 1] }
        return [intercept] + beta + [Double](repeating: 0, count: p - count)
    }

    /// The inner folds of a training set: position t mod K for independent draws, K contiguous
    /// runs of the training draws in draw order for chains.
    static func innerGroups(_ rows: [Int], isChain: Bool) -> [[Int]] {
        let k = innerFoldCount
        var groups = [[Int]](repeating: [], count: k)
        let ordered = isChain ? rows.sorted() : rows
        for (t, i) in ordered.enumerated() { groups[isChain ? t * k / ordered.count : t % k].append(i) }
        return groups
    }

    /// The co-moments of (f, g₁ … g_kept) over `rows` (g row-major n × p), summed in two passes
    /// (means, then one BLAS Gram product of the centred columns).
    static func moments(rows: [Int], values: [Double], controls g: [Double], p: Int, kept: Int) -> CovarianceMoments {
        let n = rows.count, d = kept + 1
        var mean = [Double](repeating: 0, count: d)
        for i in rows {
            mean[0] += values[i]
            for j in 0..<kept { mean[j + 1] += g[i * p + j] }
        }
        for j in 0..<d { mean[j] /= Double(max(n, 1)) }
        var centred = [Double](repeating: 0, count: n * d)
        for (a, i) in rows.enumerated() {
            centred[a] = values[i] - mean[0]
            for j in 0..<kept { centred[(j + 1) * n + a] = g[i * p + j] - mean[j + 1] }
        }
        let gram = Matrix(rows: n, columns: d, columnMajor: centred).gram()
        return CovarianceMoments(count: n, mean: mean, comoments: gram.storage)
    }

    /// The co-moments of (f, g₁ … g_q) from those of (f, g₁ … g_p), q ≤ p.
    static func restrict(_ moments: CovarianceMoments, controls q: Int) -> CovarianceMoments {
        let (d, e) = (moments.dimension, q + 1)
        var comoments = [Double](repeating: 0, count: e * e)
        for a in 0..<e {
            for b in 0..<e { comoments[a * e + b] = moments.comoments[a * d + b] }
        }
        return CovarianceMoments(count: moments.count, mean: Array(moments.mean.prefix(e)), comoments: comoments)
    }
}
