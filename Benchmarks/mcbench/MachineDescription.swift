import Foundation

/// What the numbers were measured on.
struct MachineDescription: Codable {
    /// `model name` from /proc/cpuinfo.
    var cpuModel: String
    /// Processors this process may use (what `nproc` prints).
    var activeProcessors: Int
    /// Processors in the machine.
    var processors: Int
    /// Operating system and kernel.
    var operatingSystem: String
    /// /proc/loadavg (1, 5, 15 minutes) when the run started and when it ended.
    var loadAverageAtStart: [Double]
    var loadAverageAtEnd: [Double]?

    static func current() -> MachineDescription {
        let info = ProcessInfo.processInfo
        return MachineDescription(
            cpuModel: cpuModel() ?? "unknown", activeProcessors: info.activeProcessorCount,
            processors: info.processorCount, operatingSystem: info.operatingSystemVersionString,
            loadAverageAtStart: loadAverage(), loadAverageAtEnd: nil)
    }

    /// `model name` from /proc/cpuinfo, with the family and model numbers (virtual machines often
    /// report only a generic name such as "AMD EPYC").
    static func cpuModel() -> String? {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return nil }
        var fields: [String: String] = [:]
        for line in text.split(separator: "\n") {
            if line.trimmingCharacters(in: .whitespaces).isEmpty, !fields.isEmpty { break }  // first processor only
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = line[..<colon].trimmingCharacters(in: .whitespaces)
            fields[key] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        guard let name = fields["model name"] else { return nil }
        guard let family = fields["cpu family"], let model = fields["model"] else { return name }
        return "\(name) (family \(family), model \(model))"
    }

    static func loadAverage() -> [Double] {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return [] }
        return text.split(separator: " ").prefix(3).compactMap { Double($0) }
    }
}

/// "release" or "debug", as compiled.
var buildConfiguration: String {
    #if DEBUG
    return "debug"
    #else
    return "release"
    #endif
}

/// The compiler, as far as `#if compiler` can tell.
var compilerDescription: String {
    #if compiler(>=6.3)
    return "Swift 6.3 or later, Swift 6 language mode"
    #elseif compiler(>=6.0)
    return "Swift 6.0–6.2, Swift 6 language mode"
    #else
    return "Swift before 6.0"
    #endif
}
