import LinearAlgebra
import MonteCarloCore

/// Computes f(θ) = W_p^p(θ#μ, θ#ν) for many directions at once.
///
/// Directions are processed in chunks whose projections fit in a fixed memory budget. For each
/// chunk one BLAS product gives all projections of X (n × C) and of Y (m × C); then the columns
/// are sorted and costed in parallel, each worker reusing its own buffers (no allocation per
/// direction). Every column's result depends only on its direction, so the output is the same
/// for any thread count.
struct ProjectionEvaluator: Sendable {
    let x: PointCloud
    let y: PointCloud
    let order: Order
    let threadCount: Int
    /// Bytes of projections held at once (both clouds).
    static let memoryBudget = 128 << 20

    /// Directions per chunk, from the cloud sizes only (never from the thread count).
    var columnsPerChunk: Int { max(1, ProjectionEvaluator.memoryBudget / (8 * (x.count + y.count))) }

    struct Output {
        /// f(θ_l).
        var costs: [Double]
        /// θ_lᵀΣ_μθ_l + θ_lᵀΣ_νθ_l (projected variances), when asked for.
        var projectedVariances: [Double]?
    }

    /// Evaluates every column of `directions` (column-major d × L).
    func evaluate(directions: [Double], wantVariances: Bool) throws(MonteCarloError) -> Output {
        let d = x.dimension
        let total = directions.count / d
        var costs = [Double](repeating: .nan, count: total)
        var variances = [Double](repeating: .nan, count: wantVariances ? total : 0)
        let xMatrix = Matrix(rows: d, columns: x.count, columnMajor: x.points)  // Xᵀ, adopted without copying
        let yMatrix = Matrix(rows: d, columns: y.count, columnMajor: y.points)
        var start = 0
        while start < total {
            let c = min(columnsPerChunk, total - start)
            let theta = Matrix(rows: d, columns: c, columnMajor: Array(directions[(start * d)..<((start + c) * d)]))
            var px: Matrix, py: Matrix
            do {
                px = try xMatrix.product(transposingSelf: true, theta, transposingOther: false)  // n × c
                py = try yMatrix.product(transposingSelf: true, theta, transposingOther: false)  // m × c
            } catch {
                preconditionFailure("projection shapes are consistent by construction: \(error)")
            }
            let chunkStart = start
            px.storage.withUnsafeMutableBufferPointer { pxb in
                py.storage.withUnsafeMutableBufferPointer { pyb in
                    costs.withUnsafeMutableBufferPointer { cb in
                        variances.withUnsafeMutableBufferPointer { vb in
                            let shared = SharedPointers(px: pxb.baseAddress!, py: pyb.baseAddress!,
                                                        costs: cb.baseAddress! + chunkStart,
                                                        variances: wantVariances ? vb.baseAddress! + chunkStart : nil)
                            run(chunkColumns: c, shared)
                        }
                    }
                }
            }
            start += c
        }
        for l in 0..<total where !costs[l].isFinite {
            throw .nonFinite(quantity: "projected Wasserstein cost (overflow in the projections)", index: l)
        }
        return Output(costs: costs, projectedVariances: wantVariances ? variances : nil)
    }

    /// Raw pointers handed to the workers; each column is written by exactly one worker.
    struct SharedPointers: @unchecked Sendable {
        let px: UnsafeMutablePointer<Double>
        let py: UnsafeMutablePointer<Double>
        let costs: UnsafeMutablePointer<Double>
        let variances: UnsafeMutablePointer<Double>?
    }

    private func run(chunkColumns c: Int, _ shared: SharedPointers) {
        let workers = max(1, min(threadCount, c))
        let work: @Sendable (Int) -> Void = { w in
            var workspace = Workspace(x: x, y: y)
            var column = w
            while column < c {
                let xs = shared.px + column * x.count
                let ys = shared.py + column * y.count
                if let v = shared.variances {
                    v[column] = projectedVariance(xs, x) + projectedVariance(ys, y)
                }
                shared.costs[column] = workspace.cost(xs, ys, order: order)
                column += workers
            }
        }
        if workers == 1 { work(0) } else { ParallelLoop.run(iterations: workers, work) }
    }

    /// Σ αᵢ (pᵢ − p̄)², two passes.
    private func projectedVariance(_ p: UnsafeMutablePointer<Double>, _ cloud: PointCloud) -> Double {
        let n = cloud.count
        if let w = cloud.weights {
            var mean = 0.0
            for i in 0..<n { mean += w[i] * p[i] }
            var s = 0.0
            for i in 0..<n { let t = p[i] - mean; s += w[i] * t * t }
            return s
        }
        var mean = 0.0
        for i in 0..<n { mean += p[i] }
        mean /= Double(n)
        var s = 0.0
        for i in 0..<n { let t = p[i] - mean; s += t * t }
        return s / Double(n)
    }

    /// Per-worker buffers: permuted weights for weighted clouds, radix-sort scratch.
    struct Workspace {
        let x: PointCloud, y: PointCloud
        var wx: [Double]
        var wy: [Double]
        var sorter: RadixSorter

        init(x: PointCloud, y: PointCloud) {
            self.x = x
            self.y = y
            let weighted = x.weights != nil || y.weights != nil
            wx = weighted ? [Double](repeating: 0, count: x.count) : []
            wy = weighted ? [Double](repeating: 0, count: y.count) : []
            sorter = RadixSorter(capacity: max(x.count, y.count), withCompanion: weighted)
        }

        /// Sorts the two projected columns in place and returns W_p^p between them.
        mutating func cost(_ xs: UnsafeMutablePointer<Double>, _ ys: UnsafeMutablePointer<Double>, order: Order) -> Double {
            let n = x.count, m = y.count
            if x.weights == nil && y.weights == nil {
                sorter.sort(xs, count: n)
                sorter.sort(ys, count: m)
                return n == m ? sortedEqualSizeCost(xs, ys, count: n, order: order)
                    : sortedUniformCost(xs, n, ys, m, order: order)
            }
            let x = self.x, y = self.y
            // Move the sorter out (an empty one allocates nothing) so the weight buffers can be
            // borrowed at the same time without copying either.
            var sorter = RadixSorter.empty
            swap(&sorter, &self.sorter)
            defer { swap(&sorter, &self.sorter) }
            return wx.withUnsafeMutableBufferPointer { wxb in
                wy.withUnsafeMutableBufferPointer { wyb in
                    let a = wxb.baseAddress!, b = wyb.baseAddress!
                    for i in 0..<n { a[i] = x.weight(i) }
                    for j in 0..<m { b[j] = y.weight(j) }
                    sorter.sort(xs, count: n, companion: a)
                    sorter.sort(ys, count: m, companion: b)
                    return sortedWeightedCost(xs, a, n, ys, b, m, order: order)
                }
            }
        }
    }
}
