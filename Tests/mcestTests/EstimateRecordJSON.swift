import Foundation

/// One estimate record of `mcest … --json` (`EstimateRecord`, `Schemas/estimate.schema.json`),
/// decoded, with the command's `context` as `Context`.
struct EstimateRecordJSON<Context: Decodable>: Decodable {
    struct Interval: Decodable {
        let lower: Double
        let upper: Double
        let level: Double
        let degreesOfFreedom: Double?
    }

    struct Diagnostics: Decodable {
        let warnings: [String]
        let declaredBias: String?
        let coefficients: [Double?]
        let varianceReductionFactor: Double?
        let figures: [String: Double?]
    }

    let value: Double
    let variance: Double
    let standardError: Double
    let confidenceInterval: Interval
    let sampleCount: Int
    let effectiveSampleSize: Double?
    let method: String
    let diagnostics: Diagnostics
    let context: Context

    /// Decodes one record (`output` is a JSON object) or several (a JSON array).
    static func one(_ output: String) throws -> Self { try JSONDecoder().decode(Self.self, from: Data(output.utf8)) }
    static func array(_ output: String) throws -> [Self] { try JSONDecoder().decode([Self].self, from: Data(output.utf8)) }
}
