import Foundation
import LinearAlgebra
import Testing

@Suite("Matrix storage and products")
struct MatrixTests {
    @Test("Row-list, column-major and subscript access agree")
    func construction() {
        let a = Matrix(rows: [[1, 2, 3], [4, 5, 6]])
        #expect(a.rows == 2 && a.columns == 3)
        #expect(a.storage == [1, 4, 2, 5, 3, 6])
        #expect(a == Matrix(rows: 2, columns: 3, columnMajor: [1, 4, 2, 5, 3, 6]))
        #expect(a[1, 2] == 6)
        #expect(a.column(1) == [2, 5])
        #expect(a.transposed == Matrix(rows: [[1, 4], [2, 5], [3, 6]]))
        #expect(Matrix.identity(2) == Matrix(rows: [[1, 0], [0, 1]]))
        #expect(Matrix(rows: 2, columns: 2, repeating: 7).storage == [7, 7, 7, 7])
        #expect(Matrix(rows: []).rows == 0)

        var b = a
        b[0, 0] = -1
        #expect(a[0, 0] == 1, "value semantics: mutating a copy leaves the original alone")
        #expect(b.storage.first == -1)
        #expect(a.description.hasPrefix("Matrix 2×3"))
    }

    @Test("Codable round-trips, and decoding rejects a wrong entry count")
    func codable() throws {
        let a = Matrix(rows: [[1.5, -2], [0, 1e-300]])
        let data = try JSONEncoder().encode(a)
        #expect(try JSONDecoder().decode(Matrix.self, from: data) == a)

        let corrupt = Data(#"{"rows":2,"columns":2,"storage":[1,2,3]}"#.utf8)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Matrix.self, from: corrupt) }
    }

    @Test("Small product equals the hand-computed one exactly")
    func smallProduct() {
        let a = Matrix(rows: [[1, 2, 3], [4, 5, 6]])
        let b = Matrix(rows: [[7, 8], [9, 10], [11, 12]])
        // Integer entries and partial sums are far below 2⁵³, so every operation is exact
        // whatever the summation order: equality must hold bit for bit.
        #expect(a * b == Matrix(rows: [[58, 64], [139, 154]]))
        #expect(a.multiplied(by: [1, -1, 2]) == [5, 11])
        #expect(a.gram() == Matrix(rows: [[17, 22, 27], [22, 29, 36], [27, 36, 45]]))
    }

    @Test("50×40 · 40×30 product matches a naive triple loop within the dot-product bound")
    func randomProduct() throws {
        var generator = SplitMix64(seed: 1)
        let a = randomMatrix(rows: 50, columns: 40, using: &generator)
        let b = randomMatrix(rows: 40, columns: 30, using: &generator)
        let k = a.columns

        // Each computed entry of a k-term inner product satisfies |ĉ − c| ≤ γₖ (|A||B|)ᵢⱼ
        // for any order of evaluation (Higham Thm 3.5), so the BLAS and naive results are
        // within 2γₖ(|A||B|)ᵢⱼ of each other (≈ 9e-15 relative to |A||B| for k = 40).
        // |A||B| is itself computed with relative error ≤ γₖ, hence the extra (1 + γₖ).
        let bound = scaled(naiveProduct(absolute(a), absolute(b)), by: 2 * gamma(k) * (1 + gamma(k)))
        let reference = naiveProduct(a, b)
        #expect(entrywiseWithin(a * b, reference, bound: bound))

        // The checked product with transposition flags must give the same product when fed
        // the transposed operands (transposition is exact).
        let viaFlags = try a.transposed.product(transposingSelf: true, b.transposed, transposingOther: true)
        #expect(entrywiseWithin(viaFlags, reference, bound: bound))
        let mixed = try a.product(transposingSelf: false, b.transposed, transposingOther: true)
        #expect(entrywiseWithin(mixed, reference, bound: bound))

        // Matrix–vector product: same bound with |A||x|.
        let x = (0..<k).map { _ in generator.uniform(in: -1...1) }
        let xBound = naiveProduct(absolute(a), x.map(\.magnitude)).map { 2 * gamma(k) * (1 + gamma(k)) * $0 }
        let y = a.multiplied(by: x)
        let yReference = naiveProduct(a, x)
        #expect(y.indices.allSatisfy { (y[$0] - yReference[$0]).magnitude <= xBound[$0] })
    }

    @Test("Gram matrix AᵀA is exactly symmetric and matches the naive product")
    func gram() {
        var generator = SplitMix64(seed: 2)
        let a = randomMatrix(rows: 37, columns: 9, using: &generator)
        let g = a.gram()
        #expect(g.rows == 9 && g.columns == 9)
        #expect((0..<9).allSatisfy { i in (0..<9).allSatisfy { j in g[i, j] == g[j, i] } })
        // Same inner-product bound as above with k = rows of A.
        let k = a.rows
        let bound = scaled(naiveProduct(absolute(a).transposed, absolute(a)), by: 2 * gamma(k) * (1 + gamma(k)))
        #expect(entrywiseWithin(g, naiveProduct(a.transposed, a), bound: bound))
    }

    @Test("Checked product reports the mismatching operand")
    func productMismatch() throws {
        let a = Matrix(rows: 2, columns: 3)
        let b = Matrix(rows: 4, columns: 2)
        let error = #expect(throws: LinearAlgebraError.self) {
            try a.product(transposingSelf: false, b, transposingOther: false)
        }
        guard case let .dimensionMismatch(expected, actual) = error else {
            Issue.record("expected dimensionMismatch, got \(String(describing: error))")
            return
        }
        #expect(expected.contains("other") && expected.contains("3"))
        #expect(actual.contains("4×2"))
        // With selfᵀ (3×2) the inner dimension is 2, which does not match 4 either …
        #expect(throws: LinearAlgebraError.self) {
            try a.product(transposingSelf: true, b, transposingOther: false)
        }
        // … but otherᵀ (2×4) does match self's 2 rows when self is transposed.
        let c = try a.product(transposingSelf: true, b, transposingOther: true)
        #expect(c.rows == 3 && c.columns == 4)
    }

    @Test("Empty dimensions give correctly shaped zero results")
    func emptyShapes() {
        let a = Matrix(rows: 2, columns: 0)
        let b = Matrix(rows: 0, columns: 3)
        #expect(a * b == Matrix(rows: 2, columns: 3))
        #expect(b.transposed * b == Matrix(rows: 3, columns: 3))
        #expect(Matrix(rows: 0, columns: 4) * Matrix(rows: 4, columns: 2) == Matrix(rows: 0, columns: 2))
        #expect(a.multiplied(by: []) == [0, 0])
        #expect(b.gram() == Matrix(rows: 3, columns: 3))
    }
}
