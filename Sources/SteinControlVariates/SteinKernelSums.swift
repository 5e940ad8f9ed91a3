import LinearAlgebra
import MonteCarloCore

/// One pass over the Stein kernel matrix H[i, j] = k0(xᵢ, xⱼ) of a sample, keeping only what the
/// discrepancy and its bootstrap need: the off-diagonal row sums, the diagonal, the sum of the
/// squared off-diagonal entries and, optionally, the products H·w for bootstrap multipliers w.
///
/// The lower triangle is filled in blocks of ``blockSize`` columns by
/// ``LangevinSteinKernel/matrix(for:rows:columns:)`` (the package's one Stein-kernel fill: the
/// C kernels for the Gaussian and inverse multiquadric base kernels, all cores for large
/// blocks), so memory stays O(n·blockSize + n·B) however large n is, and every pair is
/// evaluated once (twice only inside the blockSize × blockSize diagonal blocks).
struct SteinKernelSums {
    /// Σ_{j ≠ i} H[i, j] for every i.
    var rowSums: [Double]
    /// H[i, i] for every i.
    var diagonal: [Double]
    /// Σ_{i ≠ j} H[i, j]² (both triangles).
    var offDiagonalSquares: Double
    /// For multipliers W (B × n, column i holding the B multipliers of draw i), Σᵢ W[b, i] (H·W[b, ·]ᵀ)ᵢ
    /// for every b, i.e. W[b, ·] H W[b, ·]ᵀ; empty without multipliers.
    var quadraticForms: [Double]

    /// Columns per block.
    static let blockSize = 256

    /// Runs the pass.
    /// - Parameters:
    ///   - kernel: The Stein kernel.
    ///   - sample: The draws and scores.
    ///   - multipliers: B × n multipliers, column-major (column i contiguous), or `nil`.
    init(kernel: LangevinSteinKernel, sample: SteinSample, multipliers: Matrix? = nil) {
        let n = sample.count
        let bootstrapCount = multipliers?.rows ?? 0
        var rowSums = [Double](repeating: 0, count: n)
        var diagonal = [Double](repeating: 0, count: n)
        var squares = 0.0
        // (H·Wᵀ)ᵀ accumulated as B × n, column-major.
        var products = [Double](repeating: 0, count: multipliers == nil ? 0 : bootstrapCount * n)
        for start in stride(from: 0, to: n, by: Self.blockSize) {
            let end = min(start + Self.blockSize, n)
            let width = end - start
            let height = n - start
            // M = H[start..<n, start..<end]: row a is draw start + a, column b draw start + b.
            var block = kernel.matrix(for: sample, rows: Array(start..<n), columns: Array(start..<end))
            block.storage.withUnsafeMutableBufferPointer { m in
                for b in 0..<width {
                    let j = start + b
                    let column = b * height
                    diagonal[j] = m[column + b]
                    var columnSum = 0.0
                    for a in (b + 1)..<max(b + 1, height) {
                        let h = m[column + a]
                        columnSum += h
                        rowSums[start + a] += h
                        squares += 2 * h * h
                    }
                    rowSums[j] += columnSum
                    // For the bootstrap: the strict lower part plus half the diagonal, so H = L + Lᵀ.
                    for a in 0..<b { m[column + a] = 0 }
                    m[column + b] *= 0.5
                }
            }
            guard let w = multipliers else { continue }
            // (H W)ᵀ[:, start..<n] += W[:, block] Mᵀ and (H W)ᵀ[:, block] += W[:, start..<n] M.
            let wBlock = Matrix(rows: bootstrapCount, columns: width,
                                columnMajor: Array(w.storage[(start * bootstrapCount)..<(end * bootstrapCount)]))
            let wTail = Matrix(rows: bootstrapCount, columns: height,
                               columnMajor: Array(w.storage[(start * bootstrapCount)..<(n * bootstrapCount)]))
            // Shapes agree by construction, so the products cannot throw.
            guard let lower = try? wBlock.product(transposingSelf: false, block, transposingOther: true),
                  let upper = try? wTail.product(transposingSelf: false, block, transposingOther: false) else {
                preconditionFailure("bootstrap block shapes disagree")
            }
            for k in 0..<(bootstrapCount * height) { products[start * bootstrapCount + k] += lower.storage[k] }
            for k in 0..<(bootstrapCount * width) { products[start * bootstrapCount + k] += upper.storage[k] }
        }
        var forms = [Double](repeating: 0, count: bootstrapCount)
        if let w = multipliers {
            for i in 0..<n {
                for b in 0..<bootstrapCount { forms[b] += w.storage[i * bootstrapCount + b] * products[i * bootstrapCount + b] }
            }
        }
        self.rowSums = rowSums
        self.diagonal = diagonal
        self.offDiagonalSquares = squares
        self.quadraticForms = forms
    }
}
