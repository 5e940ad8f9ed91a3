import Foundation
import LinearAlgebra
import MonteCarloCore

/// A Gaussian variational family member q = N(m, CCᵀ), reparameterized as z = m + Cε, ε ~ N(0, I).
///
/// Mean-field: C diagonal (d scale parameters). Full-rank: C lower triangular with a positive
/// diagonal (d(d+1)/2 parameters). the parameters lists m, then the free entries of C (the
/// diagonal for mean-field; the lower triangle column by column for full-rank), the order
/// gradient estimators use.
public struct GaussianApproximation: Sendable, Hashable, Codable {
    /// Mean-field (diagonal C) or full-rank (lower-triangular C).
    public enum Structure: String, Sendable, Hashable, Codable {
        case meanField
        case fullRank
    }

    /// The mean m.
    public let mean: [Double]
    /// The scale factor C (lower triangular; diagonal for mean-field), column-major d × d.
    public let scale: Matrix
    /// Which family.
    public let structure: Structure

    /// A mean-field Gaussian with the given standard deviations.
    public static func meanField(mean: [Double], standardDeviations: [Double]) throws(MonteCarloError) -> GaussianApproximation {
        guard standardDeviations.count == mean.count else {
            throw .dimensionMismatch(what: "standard deviations (one per mean entry)", expected: mean.count,
                                     actual: standardDeviations.count)
        }
        var scale = Matrix(rows: mean.count, columns: mean.count)
        for i in mean.indices { scale[i, i] = standardDeviations[i] }
        return try GaussianApproximation(mean: mean, scale: scale, structure: .meanField)
    }

    /// A full-rank Gaussian with lower-triangular scale factor C (covariance CCᵀ).
    public static func fullRank(mean: [Double], lowerScale: Matrix) throws(MonteCarloError) -> GaussianApproximation {
        try GaussianApproximation(mean: mean, scale: lowerScale, structure: .fullRank)
    }

    init(mean: [Double], scale: Matrix, structure: Structure) throws(MonteCarloError) {
        let d = mean.count
        guard d >= 1 else { throw .invalidArgument("A variational Gaussian needs at least one dimension.") }
        guard scale.rows == d, scale.columns == d else {
            throw .dimensionMismatch(what: "scale matrix (d × d)", expected: d, actual: scale.rows == d ? scale.columns : scale.rows)
        }
        try Check.finite(mean, "mean")
        try Check.finite(scale.storage, "scale")
        var cleaned = scale
        for j in 0..<d {
            guard scale[j, j] > 0 else {
                throw .invalidParameter(name: "scale[\(j), \(j)]", value: scale[j, j], requirement: "positive")
            }
            for i in 0..<d where i < j || (structure == .meanField && i != j) { cleaned[i, j] = 0 }
        }
        self.mean = mean
        self.scale = cleaned
        self.structure = structure
    }

    /// The dimension d.
    public var dimension: Int { mean.count }

    /// z = m + Cε.
    public func transform(_ epsilon: [Double]) -> [Double] {
        var z = mean
        let d = dimension
        for j in 0..<d {
            let e = epsilon[j]
            let lower = structure == .meanField ? j : d - 1
            for i in j...lower { z[i] += scale[i, j] * e }
        }
        return z
    }

    /// Σ log C_jj = ½ log det(CCᵀ).
    var logDeterminantOfScale: Double { (0..<dimension).reduce(0) { $0 + log(scale[$1, $1]) } }

    /// The entropy H[q] = (d/2)(1 + log 2π) + Σ log C_jj.
    public var entropy: Double { 0.5 * Double(dimension) * (1 + log(2 * Double.pi)) + logDeterminantOfScale }

    /// log q(m + Cε), written in terms of ε: log φ(ε) − Σ log C_jj.
    public func logDensity(atStandardized epsilon: [Double]) -> Double {
        let squares = epsilon.reduce(0) { $0 + $1 * $1 }
        return -0.5 * squares - 0.5 * Double(dimension) * log(2 * Double.pi) - logDeterminantOfScale
    }

    /// log q(z).
    public func logDensity(_ z: [Double]) -> Double {
        logDensity(atStandardized: standardize(z))
    }

    /// ε = C⁻¹(z − m), by forward substitution.
    public func standardize(_ z: [Double]) -> [Double] {
        let d = dimension
        var e = [Double](repeating: 0, count: d)
        for i in 0..<d {
            var residual = z[i] - mean[i]
            for j in 0..<i where scale[i, j] != 0 { residual -= scale[i, j] * e[j] }
            e[i] = residual / scale[i, i]
        }
        return e
    }

    /// C⁻ᵀε (so that ∇_z log q(z) = −C⁻ᵀε at z = m + Cε), by back substitution.
    func inverseTransposeScale(_ epsilon: [Double]) -> [Double] {
        let d = dimension
        var v = [Double](repeating: 0, count: d)
        for i in stride(from: d - 1, through: 0, by: -1) {
            var residual = epsilon[i]
            for k in (i + 1)..<max(i + 1, d) where scale[k, i] != 0 { residual -= scale[k, i] * v[k] }
            v[i] = residual / scale[i, i]
        }
        return v
    }

    /// Positions (row, column) of the free scale parameters, in parameter order.
    public var scaleParameterPositions: [(row: Int, column: Int)] {
        let d = dimension
        switch structure {
        case .meanField: return (0..<d).map { ($0, $0) }
        case .fullRank: return (0..<d).flatMap { j in (j..<d).map { ($0, j) } }
        }
    }

    /// Number of variational parameters: d + d (mean-field) or d + d(d+1)/2 (full-rank).
    public var parameterCount: Int { dimension + scaleParameterPositions.count }
}
