import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing

/// Every example and notebook runs at a small scale, exits 0, and writes well-formed output.
///
/// The executables are products of this package; `swift test` builds them next to the test
/// runner, so they are looked up in the directory of the running test binary.
@Suite("Examples and notebooks run")
struct ExampleRunTests {
    static var productsDirectory: URL {
        #if os(Linux)
        return URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        #else
        return Bundle.main.bundleURL.deletingLastPathComponent()
        #endif
    }

    struct Run {
        let status: Int32
        let output: String
    }

    static func run(_ name: String, _ arguments: [String], environment: [String: String] = [:]) throws -> Run {
        let process = Process()
        process.executableURL = productsDirectory.appendingPathComponent(name)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
    }

    @Test("examples exit 0 and print estimates with standard errors", arguments: ["asian-option", "several-expectations"])
    func examples(name: String) throws {
        let run = try Self.run(name, ["--samples", "20000", "--seed", "3"])
        #expect(run.status == 0, "\(name): \(run.output.suffix(400))")
        #expect(run.output.contains("±"))
    }

    @Test("the gradient-flow example decreases SW and writes a well-formed plot")
    func gradientFlow() throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("gradient-flow-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: output) }
        let run = try Self.run("gradient-flow", ["--steps", "10", "--output", output.path])
        #expect(run.status == 0, "\(run.output.suffix(400))")
        let data = try Data(contentsOf: output.appendingPathComponent("gradient-flow.svg"))
        #expect(XMLParser(data: data).parse())
        #expect(run.output.contains("lower CV"))
    }

    @Test("notebooks at scale 0.02 exit 0 and write a report and well-formed SVG plots",
          arguments: ["notebook-variance-vs-n", "notebook-sliced-wasserstein", "notebook-mutual-information",
                      "notebook-elbo", "notebook-calibration"])
    func notebooks(name: String) throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: output) }
        let run = try Self.run(name, [output.path], environment: ["NOTEBOOK_SCALE": "0.02"])
        #expect(run.status == 0, "\(name): \(run.output.suffix(400))")
        let files = try FileManager.default.contentsOfDirectory(atPath: output.path)
        #expect(files.contains { $0.hasSuffix(".md") }, "\(files)")
        let plots = files.filter { $0.hasSuffix(".svg") }
        #expect(!plots.isEmpty)
        for plot in plots {
            let data = try Data(contentsOf: output.appendingPathComponent(plot))
            let parser = XMLParser(data: data)
            #expect(parser.parse(), "\(plot) is not well-formed XML: \(String(describing: parser.parserError))")
            let text = String(decoding: data, as: UTF8.self)
            #expect(text.contains("<svg") && text.contains("<text"), "\(plot) has no text (axis labels)")
        }
    }
}
