import ArgumentParser

/// The ranges of the count-like options, checked in `validate()` (exit code 64).
///
/// Upper bounds keep every size computed from an option (arrays of directions, B² critic scores,
/// block arithmetic) far from `Int` overflow and from allocations no machine can make: a value
/// beyond them is a typing mistake, and it is refused before any work starts.
enum CountOption {
    static let projections = 2...100_000_000
    static let randomizations = 2...1_000_000
    static let folds = 2...1_000_000
    static let neighbors = 1...100_000
    static let criticBatchSize = 4...10_000
    static let chainBatchSize = 1...1_000_000_000
    static let chains = 1...1_000_000
    static let samples = 2...1_000_000_000_000_000
    static let points = 1...1_073_741_824
    static let blockSize = 1...1_000_000_000
    static let variationalSamples = 100...100_000_000
    static let demoSamples = 10...1_000_000_000_000
    static let iterations = 1...100_000_000
    static let renyiGroupSize = 1...100_000

    /// Throws a `ValidationError` naming `option` when `value` is outside `range`.
    static func check(_ value: Int, _ option: String, in range: ClosedRange<Int>) throws {
        guard value >= range.lowerBound else { throw ValidationError("\(option) must be at least \(range.lowerBound) (got \(value)).") }
        guard value <= range.upperBound else { throw ValidationError("\(option) must be at most \(range.upperBound) (got \(value)).") }
    }
}
