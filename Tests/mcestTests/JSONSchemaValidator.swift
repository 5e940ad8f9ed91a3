import Foundation

/// Checks a parsed JSON document (`JSONSerialization` output) against a JSON Schema, for the
/// subset of draft 2020-12 that `Schemas/estimate.schema.json` uses: `type` (one name or a
/// list), `properties`, `required`, `additionalProperties` (a boolean or a schema), `items`,
/// `anyOf`, `minimum`, `exclusiveMinimum`, `exclusiveMaximum` and local `$ref`s
/// (`#/$defs/name`). Annotations (`description`, `title`, `$id`, `$schema`) are ignored; any
/// other keyword is reported as unsupported, so the schema cannot silently outgrow the validator.
struct JSONSchemaValidator {
    let root: [String: Any]

    static let annotations: Set<String> = ["description", "title", "$id", "$schema", "$defs"]
    static let supported: Set<String> = [
        "type", "properties", "required", "additionalProperties", "items", "anyOf", "minimum", "exclusiveMinimum",
        "exclusiveMaximum", "$ref",
    ]

    /// The problems of `document`, each with its JSON path; empty when it is valid.
    func errors(_ document: Any) -> [String] { errors(document, against: root, at: "$") }

    func errors(_ value: Any, against schema: [String: Any], at path: String) -> [String] {
        var problems: [String] = []
        for key in schema.keys where !Self.supported.contains(key) && !Self.annotations.contains(key) {
            problems.append("\(path): unsupported schema keyword \(key)")
        }
        if let reference = schema["$ref"] as? String {
            guard let target = resolve(reference) else { return problems + ["\(path): unresolved $ref \(reference)"] }
            problems += errors(value, against: target, at: path)
        }
        if let alternatives = schema["anyOf"] as? [[String: Any]] {
            let results = alternatives.map { errors(value, against: $0, at: path) }
            if !results.contains(where: \.isEmpty) {
                problems.append("\(path): matches no alternative of anyOf (" + results.map { $0.first ?? "" }.joined(separator: "; ") + ")")
            }
        }
        if let type = schema["type"] {
            let names = (type as? [String]) ?? [(type as? String) ?? "?"]
            if !names.contains(where: { Self.value(value, isOfType: $0) }) {
                return problems + ["\(path): \(Self.describe(value)) is not of type \(names.joined(separator: " or "))"]
            }
        }
        if let number = Self.number(value) {
            if let minimum = schema["minimum"] as? Double, number < minimum { problems.append("\(path): \(number) < minimum \(minimum)") }
            if let bound = schema["exclusiveMinimum"] as? Double, number <= bound { problems.append("\(path): \(number) ≤ \(bound)") }
            if let bound = schema["exclusiveMaximum"] as? Double, number >= bound { problems.append("\(path): \(number) ≥ \(bound)") }
        }
        if let object = value as? [String: Any] {
            let properties = schema["properties"] as? [String: [String: Any]] ?? [:]
            for key in schema["required"] as? [String] ?? [] where object[key] == nil {
                problems.append("\(path): missing required key \(key)")
            }
            for (key, member) in object {
                if let property = properties[key] {
                    problems += errors(member, against: property, at: "\(path).\(key)")
                } else if let additional = schema["additionalProperties"] {
                    if let allowed = additional as? Bool {
                        if !allowed { problems.append("\(path): unexpected key \(key)") }
                    } else if let additionalSchema = additional as? [String: Any] {
                        problems += errors(member, against: additionalSchema, at: "\(path).\(key)")
                    }
                }
            }
        }
        if let array = value as? [Any], let items = schema["items"] as? [String: Any] {
            for (index, element) in array.enumerated() { problems += errors(element, against: items, at: "\(path)[\(index)]") }
        }
        return problems
    }

    /// `#/$defs/name` (or any `#/a/b` path) in the root schema.
    func resolve(_ reference: String) -> [String: Any]? {
        guard reference.hasPrefix("#/") else { return nil }
        var node: Any = root
        for part in reference.dropFirst(2).split(separator: "/") {
            guard let next = (node as? [String: Any])?[String(part)] else { return nil }
            node = next
        }
        return node as? [String: Any]
    }

    // MARK: - JSON types of JSONSerialization values

    /// Whether `value` is a JSON boolean (JSONSerialization gives NSNumber for both numbers and booleans).
    static func isBoolean(_ value: Any) -> Bool {
        guard !(value is String), let number = value as? NSNumber else { return false }
        // Booleans are stored as C chars ("c"), numbers as integers or doubles.
        return String(cString: number.objCType) == "c"
    }

    static func number(_ value: Any) -> Double? {
        guard !isBoolean(value), !(value is String), let number = value as? NSNumber else { return nil }
        return number.doubleValue
    }

    static func value(_ value: Any, isOfType type: String) -> Bool {
        switch type {
        case "null": return value is NSNull
        case "boolean": return isBoolean(value)
        case "number": return number(value) != nil
        case "integer": return number(value).map { $0 == $0.rounded() } ?? false
        case "string": return value is String
        case "array": return value is [Any]
        case "object": return value is [String: Any]
        default: return false
        }
    }

    static func describe(_ value: Any) -> String {
        let text = "\(value)"
        return text.count > 60 ? String(text.prefix(60)) + "…" : text
    }
}
