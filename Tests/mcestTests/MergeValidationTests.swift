import Foundation
import Testing

/// `mcest merge` of edited state files (what a mutation fuzzer produced): impossible counts or
/// sums of squares, a removed cost, counts that disagree with the run's layout or fingerprint.
/// Each must be refused with exit code 2 and the edited file named; none may trap or print an
/// impossible estimate.
@Suite("mcest merge: edited state files")
struct MergeValidationTests {
    typealias Edit = (inout [String: Any]) -> Void

    /// Shards of `arguments`; shard 1 is rewritten by `edit` and the merge must be refused,
    /// naming it and every fragment.
    static func expectEditRefused(_ arguments: [String], prefix: String, mentioning fragments: [String], _ edit: Edit,
                                  sourceLocation: SourceLocation = #_sourceLocation) throws {
        let dir = try ShardCommandTests.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var files = try ShardCommandTests.shards(arguments, count: 3, in: dir, prefix: prefix)
        var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: files[1]))) as? [String: Any])
        edit(&object)
        let edited = dir.appendingPathComponent("edited.json").path
        try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: edited))
        files[1] = edited
        try ShardCommandTests.expectRefused(files, mentioning: [edited] + fragments, sourceLocation: sourceLocation)
    }

    /// Applies `change` to the dictionary at `path` (keys, or indices into arrays) inside `object`.
    static func editing(_ path: [Any], _ change: @escaping (inout Any) -> Void) -> Edit {
        func apply(_ value: inout Any, _ rest: ArraySlice<Any>) {
            guard let head = rest.first else { change(&value); return }
            if let key = head as? String, var dictionary = value as? [String: Any] {
                var inner: Any = dictionary[key] as Any
                apply(&inner, rest.dropFirst())
                dictionary[key] = inner
                value = dictionary
            } else if let index = head as? Int, var array = value as? [Any] {
                apply(&array[index], rest.dropFirst())
                value = array
            }
        }
        return { object in
            var value: Any = object
            apply(&value, path[...])
            object = value as! [String: Any]
        }
    }

    static func set(_ path: [Any], to newValue: Any) -> Edit { editing(path) { $0 = newValue } }

    @Test("estimate: an edited block count, sample or evaluation count, or a negative sum of squares is refused")
    func editedEstimateStates() throws {
        let plain = ["estimate", "--samples", "20000", "--method", "plain", "--seed", "3"]
        let block: [Any] = ["payload", "blockStates", 0]
        try Self.expectEditRefused(plain, prefix: "count", mentioning: ["does not hold the run's"],
                                   Self.set(block + ["samples", "count"], to: 2_147_483_648))
        try Self.expectEditRefused(plain, prefix: "huge", mentioning: ["count", "not in 0…2^53"],
                                   Self.set(block + ["samples", "count"], to: 4_611_686_018_427_387_904))
        try Self.expectEditRefused(plain, prefix: "negative", mentioning: ["count -5"],
                                   Self.set(block + ["samples", "count"], to: -5))
        try Self.expectEditRefused(plain, prefix: "squares", mentioning: ["sum of squared deviations"],
                                   Self.set(block + ["samples", "sumOfSquaredDeviations"], to: -1.0))
        try Self.expectEditRefused(plain, prefix: "blocks", mentioning: ["the file is inconsistent"],
                                   Self.set(["payload", "blockCount"], to: 9))
        let antithetic = ["estimate", "--samples", "20000", "--method", "antithetic", "--seed", "3"]
        try Self.expectEditRefused(antithetic, prefix: "evaluations", mentioning: ["does not hold the run's"],
                                   Self.set(block + ["evaluations", "count"], to: 7))
        let cv = ["estimate", "--samples", "20000", "--method", "cv", "--seed", "3"]
        try Self.expectEditRefused(cv, prefix: "folds", mentioning: ["a sum of squares (diagonal co-moment) is negative"],
                                   Self.editing(block + ["groups", 0, "comoments"]) { value in
                                       var c = value as! [Double]
                                       c[0] = -c[0]
                                       value = c
                                   })
        // An empty third fold keeps the counts right, but cannot merge with the other files' two folds.
        try Self.expectEditRefused(cv, prefix: "extra-fold", mentioning: ["do not merge", "2 vs 3 folds"],
                                   Self.editing(block + ["groups"]) { value in
                                       value = (value as! [Any]) + [["count": 0, "dimension": 2, "mean": [0.0, 0.0],
                                                                     "comoments": [0.0, 0.0, 0.0, 0.0]] as [String: Any]]
                                   })
    }

    @Test("sw: an edited fingerprint, sample count or sum of squares, or inputs that changed, are refused")
    func editedSlicedWassersteinStates() throws {
        let dir = try ShardCommandTests.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (x, y) = try ShardCommandTests.clouds(in: dir)
        // `mcest sw` shards hold the driver's block states, like `mcest estimate`'s.
        let sw = ["sw", x, y, "--projections", "400", "--seed", "5", "--method", "mc"]
        let block: [Any] = ["payload", "blockStates", 0]
        try Self.expectEditRefused(sw, prefix: "points", mentioning: ["not a shard of the same run", "pointsX"],
                                   Self.set(["fingerprint", "pointsX"], to: 2_147_483_648))
        try Self.expectEditRefused(sw, prefix: "count", mentioning: ["does not hold the run's"],
                                   Self.set(block + ["samples", "count"], to: 2_147_483_648))
        try Self.expectEditRefused(sw, prefix: "negative", mentioning: ["negative or not finite"],
                                   Self.set(block + ["samples", "sumOfSquaredDeviations"], to: -1.0))
        try Self.expectEditRefused(sw, prefix: "blocks", mentioning: ["the file is inconsistent"],
                                   Self.set(["payload", "blockCount"], to: 9))
        try Self.expectEditRefused(sw, prefix: "contents", mentioning: ["not a shard of the same run", "xContents"],
                                   Self.set(["fingerprint", "xContents"], to: "0000000000000000"))
    }
}
