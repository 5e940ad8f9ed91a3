import Foundation

/// One headline figure of a benchmark, in the form `benchreport` gathers from every
/// benchmark's JSON file (the top-level `"summary"` array) into one table.
public struct SummaryRow: Codable, Sendable {
    /// The benchmark executable that measured it.
    public var benchmark: String
    /// What was measured, e.g. "plain SW, L = 1000: speed-up vs POT".
    public var measure: String
    /// The figure.
    public var value: Double?
    /// Its unit: "×" for ratios (higher is better unless stated), "s", "ms", "%".
    public var unit: String
    /// The target it is held to, in words (e.g. "≥ 20×"), if any.
    public var target: String?
    /// Whether the target was met (nil: no target, or the comparison was skipped).
    public var passed: Bool?
    /// Why the figure is missing or what to keep in mind (skipped peer, busy machine, …).
    public var note: String?

    public init(benchmark: String, measure: String, value: Double?, unit: String, target: String? = nil,
                passed: Bool? = nil, note: String? = nil) {
        self.benchmark = benchmark
        self.measure = measure
        self.value = value
        self.unit = unit
        self.target = target
        self.passed = passed
        self.note = note
    }

    /// A speed-up row: `peerSeconds / swiftSeconds` against a peer, with a minimum ratio target.
    public static func speedup(benchmark: String, measure: String, swiftSeconds: Double, peer: PeerResult?,
                               atLeast target: Double?) -> SummaryRow {
        speedup(benchmark: benchmark, measure: measure, swiftSeconds: swiftSeconds, peerName: peer?.peer ?? "peer",
                peerSeconds: peer?.seconds, skipped: peer?.skipped ?? (peer == nil ? "peer not run" : nil), atLeast: target)
    }

    /// A speed-up row from a peer's name and time (nil when it was skipped, for the reason given).
    public static func speedup(benchmark: String, measure: String, swiftSeconds: Double, peerName: String,
                               peerSeconds: Double?, skipped: String?, atLeast target: Double?) -> SummaryRow {
        guard let peerSeconds, swiftSeconds > 0 else {
            return SummaryRow(benchmark: benchmark, measure: measure, value: nil, unit: "×",
                              target: target.map { "≥ \(format($0))×" }, passed: nil, note: skipped ?? "peer not run")
        }
        let ratio = peerSeconds / swiftSeconds
        return SummaryRow(benchmark: benchmark, measure: measure, value: ratio, unit: "×",
                          target: target.map { "≥ \(format($0))×" }, passed: target.map { ratio >= $0 },
                          note: "ours \(String(format: "%.3g", swiftSeconds)) s, \(peerName) \(String(format: "%.3g", peerSeconds)) s")
    }

    static func format(_ x: Double) -> String { x == x.rounded() ? String(Int(x)) : String(format: "%g", x) }
}
