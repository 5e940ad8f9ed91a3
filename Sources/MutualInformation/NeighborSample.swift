import Foundation
import MonteCarloCore

/// A validated sample of n points in ℝᵈ, stored row-major, for the k-nearest-neighbour
/// entropy and divergence estimators (max-norm, ties ordered by index).
struct NeighborSample: Sendable {
    let count: Int
    let dimension: Int
    /// count · dimension values, row-major.
    let values: [Double]

    init(count: Int, dimension: Int, values: [Double]) {
        self.count = count
        self.dimension = dimension
        self.values = values
    }

    /// Copies `rows`, checking that they are non-empty, of one width and finite, and that no
    /// column is constant.
    /// - Parameter name: Names the sample in error messages ("the sample", "P", "Q").
    init(_ rows: [[Double]], name: String) throws(MonteCarloError) {
        guard let width = rows.first?.count, width > 0 else {
            throw .insufficientSamples(needed: 1, available: rows.count, reason: "\(name) has no points or no coordinates")
        }
        var values = [Double]()
        values.reserveCapacity(rows.count * width)
        for (i, row) in rows.enumerated() {
            guard row.count == width else {
                throw .dimensionMismatch(what: "coordinates of point \(i) of \(name)", expected: width, actual: row.count)
            }
            for v in row {
                guard v.isFinite else { throw .nonFinite(quantity: "a coordinate of \(name)", index: i) }
                values.append(v)
            }
        }
        self.init(count: rows.count, dimension: width, values: values)
        try checkConstantColumns(name: name)
    }

    /// A one-dimensional sample, checked as ``init(_:name:)``.
    init(line: [Double], name: String) throws(MonteCarloError) {
        guard !line.isEmpty else { throw .insufficientSamples(needed: 1, available: 0, reason: "\(name) has no points") }
        for (i, v) in line.enumerated() where !v.isFinite { throw .nonFinite(quantity: "a value of \(name)", index: i) }
        self.init(count: line.count, dimension: 1, values: line)
        try checkConstantColumns(name: name)
    }

    /// A constant column makes the distribution singular (its differential entropy is −∞ and a
    /// divergence from or to it is undefined), so no finite estimate means anything.
    func checkConstantColumns(name: String) throws(MonteCarloError) {
        guard count > 1 else { return }
        for c in 0..<dimension where (1..<count).allSatisfy({ values[$0 * dimension + c] == values[c] }) {
            throw .invalidArgument("Column \(c) of \(name) is constant (every value \(values[c])): the distribution is "
                + "singular, its differential entropy is −∞, and no nearest-neighbour estimate is meaningful; drop the column.")
        }
    }

    /// The points at `indices`, in that order.
    func subset(_ indices: ArraySlice<Int>) -> NeighborSample {
        var picked = [Double]()
        picked.reserveCapacity(indices.count * dimension)
        for p in indices { picked.append(contentsOf: values[(p * dimension)..<((p + 1) * dimension)]) }
        return NeighborSample(count: indices.count, dimension: dimension, values: picked)
    }

    /// For every point of `queries` (or of this sample, each excluding itself, when `queries`
    /// is `nil`), its `k` nearest points of this sample in max-norm, ordered by (distance, index).
    /// - Parameter chunks: Pieces the queries are split into for the cores; the result does not depend on it.
    /// In one dimension by a sorted-line search (``lineNeighbors(of:k:chunks:)``), otherwise by a k-d tree.
    /// Groups of identical points are searched through their first k + 1 members only (see
    /// ``CoincidentPoints``), with the same result.
    func neighbors(of queries: NeighborSample? = nil, k: Int, chunks: Int = 64) -> NeighborTable {
        func search(_ sample: NeighborSample, _ queries: NeighborSample?) -> NeighborTable {
            sample.dimension == 1 ? sample.lineNeighbors(of: queries, k: k, chunks: chunks)
                : sample.treeNeighbors(of: queries, k: k, chunks: chunks)
        }
        guard let ties = CoincidentPoints(self, keep: queries == nil ? k + 1 : k) else { return search(self, queries) }
        return ties.neighbors(in: self, of: queries, k: k, search: search)
    }

    /// ``neighbors(of:k:chunks:)`` by a k-d tree, in any dimension.
    func treeNeighbors(of queries: NeighborSample? = nil, k: Int, chunks: Int = 64) -> NeighborTable {
        let query = queries ?? self, excludingSelf = queries == nil
        let n = query.count, d = dimension
        var distances = [Double](repeating: 0, count: n * k)
        var indices = [Int](repeating: 0, count: n * k)
        let tree = values.withUnsafeBufferPointer { KDTree($0, count: count, dimension: d) }
        let chunkCount = min(n, max(1, chunks))
        distances.withUnsafeMutableBufferPointer { distanceBuffer in
            indices.withUnsafeMutableBufferPointer { indexBuffer in
                let out = SharedPointer((distanceBuffer.baseAddress!, indexBuffer.baseAddress!))
                ParallelLoop.run(iterations: chunkCount) { chunk in
                    let stack = UnsafeMutablePointer<Int>.allocate(capacity: KDTree.stackCapacity)
                    let scratch = UnsafeMutablePointer<Double>.allocate(capacity: KDTree.leafSize)
                    defer {
                        stack.deallocate()
                        scratch.deallocate()
                    }
                    tree.withView { view in
                        query.values.withUnsafeBufferPointer { q in
                            for i in (chunk * n / chunkCount)..<((chunk + 1) * n / chunkCount) {
                                view.nearest(q.baseAddress! + i * d, k: k, excluding: excludingSelf ? i : -1,
                                             distances: out.pointer.0 + i * k, neighbours: out.pointer.1 + i * k,
                                             stack: stack, scratch: scratch)
                            }
                        }
                    }
                }
            }
        }
        return NeighborTable(k: k, distances: distances, indices: indices)
    }
}
