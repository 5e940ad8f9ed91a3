import MonteCarloCore

/// A B×B matrix of critic scores S[i, j] = T(xᵢ, yⱼ) for a batch of B joint pairs (xᵢ, yᵢ).
///
/// The diagonal holds B draws from the joint law P = p(x, y); the B(B − 1) off-diagonal
/// entries are (dependent) draws from the product of the marginals Q = p(x)p(y). Every
/// variational bound in ``VariationalBound`` is a function of this one matrix.
///
/// ```swift
/// let scores = try ScoreMatrix(x: xs, y: ys) { x, y in critic(x, y) }
/// let nwj = try VariationalBound.nwj.estimate(from: scores)
/// ```
///
/// Orientation: row i is xᵢ, column j is yⱼ. InfoNCE normalises each row (over yⱼ for fixed
/// xᵢ), so its optimal critic is log r(x, y) + c(x).
public struct ScoreMatrix: Sendable, Hashable, Codable {
    /// The batch size B (rows and columns).
    public let batchSize: Int
    /// Row-major entries: `values[i * batchSize + j]` = S[i, j].
    public let values: [Double]

    /// Wraps row-major scores.
    /// - Throws: `MonteCarloError/insufficientSamples(needed:available:reason:)` if B < 2;
    ///   `MonteCarloError/dimensionMismatch(what:expected:actual:)` if `values.count ≠ B²`;
    ///   `MonteCarloError/nonFinite(quantity:index:)` for a NaN or infinite score (index = i·B + j).
    public init(batchSize: Int, values: [Double]) throws(MonteCarloError) {
        guard batchSize >= 2 else {
            throw .insufficientSamples(needed: 2, available: batchSize,
                                       reason: "(a batch needs off-diagonal negative pairs)")
        }
        guard values.count == batchSize * batchSize else {
            throw .dimensionMismatch(what: "score matrix entries (B²)", expected: batchSize * batchSize,
                                     actual: values.count)
        }
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw .nonFinite(quantity: "critic score S[\(bad / batchSize), \(bad % batchSize)]", index: bad)
        }
        self.batchSize = batchSize
        self.values = values
    }

    /// Wraps a list of rows.
    /// - Throws: As ``init(batchSize:values:)``; a ragged row gives `dimensionMismatch`.
    public init(rows: [[Double]]) throws(MonteCarloError) {
        for (i, row) in rows.enumerated() where row.count != rows.count {
            throw .dimensionMismatch(what: "length of score-matrix row \(i)", expected: rows.count, actual: row.count)
        }
        try self.init(batchSize: rows.count, values: rows.flatMap { $0 })
    }

    /// Evaluates a critic on every pair (xᵢ, yⱼ) of a batch.
    ///
    /// - Parameters:
    ///   - x: The B draws of X (each a vector).
    ///   - y: The B draws of Y, paired with `x` by index.
    ///   - critic: T(x, y), any real function.
    /// - Complexity: B² critic evaluations.
    public init(x: [[Double]], y: [[Double]], critic: (_ x: [Double], _ y: [Double]) -> Double) throws(MonteCarloError) {
        guard x.count == y.count else {
            throw .dimensionMismatch(what: "number of y draws (one per x draw)", expected: x.count, actual: y.count)
        }
        let b = x.count
        var values = [Double](repeating: 0, count: b * b)
        for i in 0..<b { for j in 0..<b { values[i * b + j] = critic(x[i], y[j]) } }
        try self.init(batchSize: b, values: values)
    }

    /// S[i, j].
    public subscript(i: Int, j: Int) -> Double { values[i * batchSize + j] }

    /// The matrix with `constant` added to every entry (e.g. S + 1 for NWJ at a JS-trained critic).
    public func shifted(by constant: Double) -> ScoreMatrix {
        ScoreMatrix(unchecked: batchSize, values.map { $0 + constant })
    }

    init(unchecked batchSize: Int, _ values: [Double]) {
        self.batchSize = batchSize
        self.values = values
    }
}
