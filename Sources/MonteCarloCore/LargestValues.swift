/// The largest values of a stream, up to a fixed capacity, mergeable.
///
/// Keeps what tail diagnostics need (e.g. the largest importance weights for Pareto-k̂) in
/// O(capacity) memory. Adding a value below the current minimum of a full set costs one
/// comparison, so the amortized cost per value is O(1) for long streams.
public struct LargestValues: MergeableState, Hashable {
    /// How many values are kept.
    public let capacity: Int
    /// The kept values, in no particular order.
    public private(set) var values: [Double] = []
    private var minimumIndex = 0

    /// An empty set keeping at most `capacity` values.
    public init(capacity: Int) {
        precondition(capacity > 0, "capacity must be positive")
        self.capacity = capacity
    }

    /// Offers a value.
    public mutating func add(_ x: Double) {
        if values.count < capacity {
            values.append(x)
            if values.count == capacity { findMinimum() }
        } else if x > values[minimumIndex] {
            values[minimumIndex] = x
            findMinimum()
        }
    }

    private mutating func findMinimum() {
        var index = 0
        for i in values.indices where values[i] < values[index] { index = i }
        minimumIndex = index
    }

    /// Keeps the largest of both sets.
    public mutating func merge(_ other: LargestValues) throws(MonteCarloError) {
        guard other.capacity == capacity else { throw .incompatibleStates("capacity \(capacity) vs \(other.capacity)") }
        for x in other.values { add(x) }
    }

    /// The kept values, largest first.
    public var descending: [Double] { values.sorted(by: >) }
}
