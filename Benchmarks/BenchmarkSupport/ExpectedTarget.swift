/// One target that a full `make bench` must evaluate: the benchmark that measures it, the
/// row's `measure` (exactly as the benchmark writes it) and the target in words.
public struct ExpectedTarget: Hashable, Sendable, Codable {
    public var benchmark: String
    public var measure: String
    public var target: String

    public init(benchmark: String, measure: String, target: String) {
        self.benchmark = benchmark
        self.measure = measure
        self.target = target
    }
}
