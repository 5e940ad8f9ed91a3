/// The largest values of a stream, up to a fixed capacity, mergeable.
///
/// Keeps what tail diagnostics need (e.g. the largest importance weights for Pareto-k̂) in
/// O(capacity) memory. A min-heap: adding a value below the current minimum of a full set costs
/// one comparison, a larger one O(log capacity).
public struct LargestValues: MergeableState, Hashable {
    /// How many values are kept.
    public let capacity: Int
    /// The kept values as a binary min-heap (the smallest kept value first).
    public private(set) var values: [Double] = []

    /// An empty set keeping at most `capacity` values.
    public init(capacity: Int) {
        precondition(capacity > 0, "capacity must be positive")
        self.capacity = capacity
    }

    /// Offers a value: O(1) when it is not among the largest, O(log capacity) otherwise.
    public mutating func add(_ x: Double) {
        if values.count < capacity {
            values.append(x)
            siftUp(values.count - 1)
        } else if x > values[0] {
            values[0] = x
            siftDown(0)
        }
    }

    private mutating func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard values[child] < values[parent] else { return }
            values.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        let n = values.count
        while true {
            let left = 2 * parent + 1
            guard left < n else { return }
            let right = left + 1
            let smaller = right < n && values[right] < values[left] ? right : left
            guard values[smaller] < values[parent] else { return }
            values.swapAt(parent, smaller)
            parent = smaller
        }
    }

    /// Multiplies every kept value by `factor` > 0 (the order is unchanged).
    public mutating func scaleValues(by factor: Double) {
        precondition(factor > 0, "scale factor must be positive")
        for i in values.indices { values[i] *= factor }
    }

    /// Keeps the largest of both sets.
    public mutating func merge(_ other: LargestValues) throws(MonteCarloError) {
        guard other.capacity == capacity else { throw .incompatibleStates("capacity \(capacity) vs \(other.capacity)") }
        for x in other.values { add(x) }
    }

    /// The kept values, largest first.
    public var descending: [Double] { values.sorted(by: >) }
}
