import Foundation
import MonteCarloCore

/// The Wasserstein distance between two weighted empirical measures on the real line.
///
/// On ℝ the optimal coupling is monotone, so
/// W_p^p(α, β) = ∫₀¹ |F_α⁻¹(q) − F_β⁻¹(q)|^p dq with the quantile functions F⁻¹ of the two
/// measures. Both quantile functions are step functions; the integral is a finite sum over the
/// merged grid of their cumulative weights (Peyré & Cuturi 2019, §2.6; the same algorithm as
/// POT's `wasserstein_1d`). Two samples of the same size with uniform weights take the fast path
/// (1/n) Σᵢ |x₍ᵢ₎ − y₍ᵢ₎|^p on the sorted samples; two uniform samples of different sizes n and m
/// merge the grids in exact integer arithmetic (breakpoints i/n and j/m in units of 1/(nm)).
///
/// ```swift
/// let w22 = try OneDimensionalWasserstein.powerDistance([0, 1, 2], [0, 2], p: 2)   // 1/3
/// let w1 = try OneDimensionalWasserstein.distance([0, 1, 2], [0, 2], p: 1)         // 1/3
/// ```
///
/// This is a deterministic computation, not an estimator: it returns numbers, not `Estimate`s.
public enum OneDimensionalWasserstein {
    /// W_p^p between Σᵢ aᵢ δ_{xᵢ} and Σⱼ bⱼ δ_{yⱼ} (weights normalized to sum 1; `nil` = uniform).
    ///
    /// - Parameters:
    ///   - x: the first sample (any order), at least one finite value.
    ///   - y: the second sample (any order, any size), at least one finite value.
    ///   - p: the order, p ≥ 1 (finite).
    ///   - weightsX: optional non-negative weights of `x`, not all zero.
    ///   - weightsY: optional non-negative weights of `y`, not all zero.
    /// - Returns: W_p^p, the p-th power of the distance.
    /// - Throws: `MonteCarloError/insufficientSamples(needed:available:reason:)` for an empty
    ///   sample; `MonteCarloError/nonFinite(quantity:index:)` for a NaN or ∞ value or weight;
    ///   `MonteCarloError/invalidParameter(name:value:requirement:)` for p < 1, a negative
    ///   weight or weights summing to zero; `MonteCarloError/dimensionMismatch(what:expected:actual:)`
    ///   when a weight vector's length differs from its sample's.
    /// - Complexity: O((n + m) log(n + m)) time, O(n + m) memory.
    public static func powerDistance(_ x: [Double], _ y: [Double], p: Double = 2,
                                     weightsX: [Double]? = nil, weightsY: [Double]? = nil) throws(MonteCarloError) -> Double {
        try validateOrder(p)
        guard !x.isEmpty else { throw .insufficientSamples(needed: 1, available: 0, reason: "in the first sample") }
        guard !y.isEmpty else { throw .insufficientSamples(needed: 1, available: 0, reason: "in the second sample") }
        if let i = x.firstIndex(where: { !$0.isFinite }) { throw .nonFinite(quantity: "first sample value", index: i) }
        if let i = y.firstIndex(where: { !$0.isFinite }) { throw .nonFinite(quantity: "second sample value", index: i) }
        var a = x, b = y
        var wa = try weightsX.map { w throws(MonteCarloError) in try PointCloud.normalizedWeights(w, count: x.count) }
        var wb = try weightsY.map { w throws(MonteCarloError) in try PointCloud.normalizedWeights(w, count: y.count) }
        let order = Order(p)
        return a.withUnsafeMutableBufferPointer { a in
            b.withUnsafeMutableBufferPointer { b in
                sortedCost(a.baseAddress!, a.count, weights: &wa, b.baseAddress!, b.count, weights: &wb, order: order)
            }
        }
    }

    /// W_p = (W_p^p)^{1/p}; see ``powerDistance(_:_:p:weightsX:weightsY:)``.
    public static func distance(_ x: [Double], _ y: [Double], p: Double = 2,
                                weightsX: [Double]? = nil, weightsY: [Double]? = nil) throws(MonteCarloError) -> Double {
        let power = try powerDistance(x, y, p: p, weightsX: weightsX, weightsY: weightsY)
        return p == 1 ? power : (p == 2 ? power.squareRoot() : pow(power, 1 / p))
    }

    static func validateOrder(_ p: Double) throws(MonteCarloError) {
        guard p.isFinite, p >= 1 else { throw .invalidParameter(name: "p", value: p, requirement: "finite and at least 1") }
    }

    /// Sorts (with weights) and computes the cost; the arrays' storage is reused, not reallocated.
    private static func sortedCost(_ x: UnsafeMutablePointer<Double>, _ n: Int, weights wx: inout [Double]?,
                                   _ y: UnsafeMutablePointer<Double>, _ m: Int, weights wy: inout [Double]?,
                                   order: Order) -> Double {
        var sorter = RadixSorter(capacity: max(n, m), withCompanion: wx != nil || wy != nil)
        func sort(_ v: UnsafeMutablePointer<Double>, _ count: Int, _ w: inout [Double]?) {
            if w == nil {
                sorter.sort(v, count: count)
            } else {
                w!.withUnsafeMutableBufferPointer { sorter.sort(v, count: count, companion: $0.baseAddress!) }
            }
        }
        sort(x, n, &wx)
        sort(y, m, &wy)
        switch (wx, wy) {
        case (nil, nil):
            return n == m ? sortedEqualSizeCost(x, y, count: n, order: order) : sortedUniformCost(x, n, y, m, order: order)
        default:
            let ux = wx ?? [Double](repeating: 1 / Double(n), count: n)
            let uy = wy ?? [Double](repeating: 1 / Double(m), count: m)
            return ux.withUnsafeBufferPointer { ux in
                uy.withUnsafeBufferPointer { uy in
                    sortedWeightedCost(x, ux.baseAddress!, n, y, uy.baseAddress!, m, order: order)
                }
            }
        }
    }
}

// MARK: - Kernels on sorted samples (shared with the sliced estimators)

/// |t|^p with the common orders special-cased.
struct Order: Sendable, Hashable {
    let p: Double
    let kind: Int  // 1, 2, or 0 for general
    init(_ p: Double) {
        self.p = p
        kind = p == 1 ? 1 : (p == 2 ? 2 : 0)
    }
    @inline(__always)
    func cost(_ t: Double) -> Double {
        switch kind {
        case 1: return abs(t)
        case 2: return t * t
        default: return pow(abs(t), p)
        }
    }
}

/// (1/n) Σ |x₍ᵢ₎ − y₍ᵢ₎|^p for sorted samples of equal size and uniform weights.
@inline(__always)
func sortedEqualSizeCost(_ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>, count n: Int, order: Order) -> Double {
    var total = 0.0
    switch order.kind {
    case 2:
        for i in 0..<n { let t = x[i] - y[i]; total += t * t }
    case 1:
        for i in 0..<n { total += abs(x[i] - y[i]) }
    default:
        for i in 0..<n { total += order.cost(x[i] - y[i]) }
    }
    return total / Double(n)
}

/// ∫|F_x⁻¹ − F_y⁻¹|^p for sorted uniform samples of sizes n and m: the merged grid of the
/// breakpoints i/n and j/m, walked in exact integer units of 1/(nm).
func sortedUniformCost(_ x: UnsafePointer<Double>, _ n: Int, _ y: UnsafePointer<Double>, _ m: Int, order: Order) -> Double {
    var i = 0, j = 0
    var position = 0  // in units of 1/(n m)
    var total = 0.0
    let (nm, overflow) = n.multipliedReportingOverflow(by: m)
    if overflow {
        // Astronomically large clouds: fall back to floating breakpoints.
        return sortedGridCost(x, n, { Double($0 + 1) / Double(n) }, y, m, { Double($0 + 1) / Double(m) }, order: order)
    }
    while i < n && j < m {
        let nextX = (i + 1) * m, nextY = (j + 1) * n
        let next = min(nextX, nextY)
        total += Double(next - position) * order.cost(x[i] - y[j])
        position = next
        if nextX == next { i += 1 }
        if nextY == next { j += 1 }
    }
    return total / Double(nm)
}

/// ∫|F_x⁻¹ − F_y⁻¹|^p for sorted samples with weights (each summing to 1).
func sortedWeightedCost(_ x: UnsafePointer<Double>, _ wx: UnsafePointer<Double>, _ n: Int,
                        _ y: UnsafePointer<Double>, _ wy: UnsafePointer<Double>, _ m: Int, order: Order) -> Double {
    // Cumulative weights; the last breakpoint is forced to exactly 1 so rounding cannot leave a gap.
    var i = 0, j = 0
    var cumX = wx[0], cumY = wy[0]
    if n == 1 { cumX = 1 }
    if m == 1 { cumY = 1 }
    var position = 0.0
    var total = 0.0
    while i < n && j < m {
        let next = min(cumX, cumY)
        if next > position {
            total += (next - position) * order.cost(x[i] - y[j])
            position = next
        }
        if cumX <= next {
            i += 1
            if i < n { cumX = i == n - 1 ? 1 : cumX + wx[i] }
        }
        if cumY <= next {
            j += 1
            if j < m { cumY = j == m - 1 ? 1 : cumY + wy[j] }
        }
    }
    return total
}

/// The same walk with breakpoints given by closures (used only when n·m overflows).
private func sortedGridCost(_ x: UnsafePointer<Double>, _ n: Int, _ bx: (Int) -> Double,
                            _ y: UnsafePointer<Double>, _ m: Int, _ by: (Int) -> Double, order: Order) -> Double {
    var i = 0, j = 0, position = 0.0, total = 0.0
    while i < n && j < m {
        let cx = i == n - 1 ? 1 : bx(i), cy = j == m - 1 ? 1 : by(j)
        let next = min(cx, cy)
        total += max(0, next - position) * order.cost(x[i] - y[j])
        position = max(position, next)
        if cx <= next { i += 1 }
        if cy <= next { j += 1 }
    }
    return total
}
