import LinearAlgebra

/// Unit roundoff u = 2⁻⁵³ of IEEE binary64 (half of `Double.ulpOfOne`).
let unitRoundoff = Double.ulpOfOne / 2

/// Higham's γₖ = k·u / (1 − k·u): the relative error bound of a k-term recursive sum or
/// dot product (Higham, *Accuracy and Stability of Numerical Algorithms*, §3.1), valid for
/// any summation order, blocking or use of FMA.
func gamma(_ k: Int) -> Double {
    let ku = Double(k) * unitRoundoff
    precondition(ku < 1, "γ\(k) undefined")
    return ku / (1 - ku)
}

/// A small deterministic generator (SplitMix64) so that test data never changes.
struct SplitMix64 {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform value in `range` built from the top 53 bits.
    mutating func uniform(in range: ClosedRange<Double>) -> Double {
        let unit = Double(next() >> 11) * 0x1p-53
        return range.lowerBound + unit * (range.upperBound - range.lowerBound)
    }
}

/// A matrix with independent uniform entries in [−1, 1].
func randomMatrix(rows: Int, columns: Int, using generator: inout SplitMix64) -> Matrix {
    let entries = (0..<(rows * columns)).map { _ in generator.uniform(in: -1...1) }
    return Matrix(rows: rows, columns: columns, columnMajor: entries)
}

/// A random symmetric positive definite matrix BᵀB + I (B is (n+10)×n), whose smallest
/// eigenvalue is at least 1, so it is comfortably well conditioned.
func randomSPD(order n: Int, using generator: inout SplitMix64) -> Matrix {
    let b = randomMatrix(rows: n + 10, columns: n, using: &generator)
    var a = naiveProduct(b.transposed, b)
    for i in 0..<n { a[i, i] += 1 }
    return a
}

/// The textbook triple-loop product, independent of BLAS.
func naiveProduct(_ a: Matrix, _ b: Matrix) -> Matrix {
    precondition(a.columns == b.rows)
    var c = Matrix(rows: a.rows, columns: b.columns)
    for i in 0..<a.rows {
        for j in 0..<b.columns {
            var sum = 0.0
            for k in 0..<a.columns { sum += a[i, k] * b[k, j] }
            c[i, j] = sum
        }
    }
    return c
}

/// The naive matrix–vector product.
func naiveProduct(_ a: Matrix, _ x: [Double]) -> [Double] {
    (0..<a.rows).map { i in (0..<a.columns).reduce(0.0) { $0 + a[i, $1] * x[$1] } }
}

/// The entrywise absolute value |A|.
func absolute(_ a: Matrix) -> Matrix {
    Matrix(rows: a.rows, columns: a.columns, columnMajor: a.storage.map(\.magnitude))
}

/// Whether |actual − expected| ≤ bound holds entrywise.
func entrywiseWithin(_ actual: Matrix, _ expected: Matrix, bound: Matrix) -> Bool {
    guard actual.rows == expected.rows, actual.columns == expected.columns else { return false }
    return actual.storage.indices.allSatisfy {
        (actual.storage[$0] - expected.storage[$0]).magnitude <= bound.storage[$0]
    }
}

/// Multiplies every entry of a matrix by `factor`.
func scaled(_ a: Matrix, by factor: Double) -> Matrix {
    Matrix(rows: a.rows, columns: a.columns, columnMajor: a.storage.map { $0 * factor })
}

/// The Euclidean norm of a vector.
func norm2(_ x: [Double]) -> Double {
    x.reduce(0.0) { $0 + $1 * $1 }.squareRoot()
}

/// The 1-norm (maximum absolute column sum) of a matrix.
func oneNorm(_ a: Matrix) -> Double {
    (0..<a.columns).map { a.column($0).reduce(0.0) { $0 + $1.magnitude } }.max() ?? 0
}
