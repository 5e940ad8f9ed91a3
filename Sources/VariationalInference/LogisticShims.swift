internal import MonteCarloShims

/// The module's only door to C: the vectorised logistic residuals
/// (`Sources/MonteCarloShims/LogisticKernels.c`).
enum LogisticShims {
    /// values[i + j·rows] ← labels[i] − σ(values[i + j·rows]) for a column-major rows × columns
    /// block, σ the logistic function with e^x within 2.2 ulp of the correctly rounded value's.
    static func residuals(_ values: inout [Double], labels: [Double], rows: Int, columns: Int) {
        precondition(values.count == rows * columns && labels.count == rows, "logistic residuals: shape mismatch")
        values.withUnsafeMutableBufferPointer { v in
            labels.withUnsafeBufferPointer { y in
                mc_logistic_residuals(v.baseAddress, y.baseAddress, rows, columns)
            }
        }
    }
}
