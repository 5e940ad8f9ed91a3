// NotebookSupport.swift — what every notebook-as-script needs besides its story: where to write,
// how big to run, Markdown tables and a stopwatch.
//
// Conventions shared by all notebooks:
// - output folder: the first command-line argument, else the environment variable
//   NOTEBOOK_OUTPUT, else `notebook-output/<notebook name>/` under the current directory;
// - NOTEBOOK_SCALE (a positive number, default 1) multiplies the notebook's sample sizes, so
//   that CI can run a notebook at 0.1 and a careful reader at 10.
//
// A library target of its own (`NotebookSupport`, Foundation and Dispatch only) that every
// notebook imports; it knows nothing about Monte Carlo.

import Dispatch
import Foundation

/// Where a notebook writes and how large it runs.
///
/// ```swift
/// let settings = NotebookSettings.fromEnvironment(notebook: "04-elbo")
/// let draws = max(100, Int(10_000 * settings.scale))
/// settings.write("# Report", to: "report.md")
/// ```
public struct NotebookSettings: Sendable {
    /// The folder that receives the report and the plots.
    public let outputDirectory: URL
    /// The factor applied to sample sizes.
    public let scale: Double

    /// Settings with an explicit folder and scale (the folder is not created).
    public init(outputDirectory: URL, scale: Double = 1) {
        self.outputDirectory = outputDirectory
        self.scale = scale
    }

    /// Reads the settings from the command line and the environment; exits with a message on bad input.
    /// - Parameters:
    ///   - name: The notebook's folder name under `notebook-output/`.
    ///   - scaled: What NOTEBOOK_SCALE multiplies, for `--help`.
    public static func fromEnvironment(notebook name: String, scaled: String = "the sample sizes") -> NotebookSettings {
        let environment = ProcessInfo.processInfo.environment
        let arguments = CommandLine.arguments.dropFirst()
        if let first = arguments.first, first == "-h" || first == "--help" {
            print("""
                usage: \(CommandLine.arguments[0]) [OUTPUT-FOLDER]
                  OUTPUT-FOLDER   where to write the report and plots (default: $NOTEBOOK_OUTPUT, else notebook-output/\(name)/)
                  NOTEBOOK_SCALE  environment variable, a positive number multiplying \(scaled) (default 1)
                """)
            exit(0)
        }
        let path = arguments.first ?? environment["NOTEBOOK_OUTPUT"] ?? "notebook-output/\(name)"
        var scale = 1.0
        if let text = environment["NOTEBOOK_SCALE"]?.trimmingCharacters(in: .whitespaces), !text.isEmpty {
            guard let value = Double(text), value.isFinite, value > 0 else {
                fail("NOTEBOOK_SCALE must be a positive number, got '\(text)'.")
            }
            scale = value
        }
        let url = URL(fileURLWithPath: path, isDirectory: true)
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            fail("cannot create the output folder \(path): \(error.localizedDescription)")
        }
        return NotebookSettings(outputDirectory: url, scale: scale)
    }

    /// Writes `text` to `name` in the output folder and returns the file's path.
    @discardableResult
    public func write(_ text: String, to name: String) -> String {
        let url = outputDirectory.appendingPathComponent(name)
        do {
            try text.write(to: url, atomically: true, encoding: .utf8)
        } catch {
            fail("cannot write \(url.path): \(error.localizedDescription)")
        }
        return url.path
    }
}

/// Prints a message to standard error and exits with status 1.
public func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("error: \(message)\n".utf8))
    exit(1)
}

/// A Markdown table; alignment per column is "l" or "r".
///
/// - Parameters:
///   - header: The column titles.
///   - rows: The cells, one array per row, as many as `header`.
///   - align: "l" (left) or "r" (right) per column; by default the first column is left-aligned
///     and the others right-aligned.
/// - Returns: The table's lines joined by newlines, without a trailing newline.
public func markdownTable(_ header: [String], _ rows: [[String]], align: [Character]? = nil) -> String {
    let alignment = align ?? header.indices.map { $0 == 0 ? "l" : "r" }
    var lines = ["| " + header.joined(separator: " | ") + " |"]
    lines.append("| " + alignment.map { $0 == "r" ? "---:" : "---" }.joined(separator: " | ") + " |")
    for row in rows { lines.append("| " + row.joined(separator: " | ") + " |") }
    return lines.joined(separator: "\n")
}

/// Wall-clock time since creation.
public struct Stopwatch: Sendable {
    private let start = DispatchTime.now().uptimeNanoseconds

    /// Starts the stopwatch.
    public init() {}

    /// Seconds elapsed since the stopwatch was created.
    public var seconds: Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
}

/// Short numeric formats for reports.
public enum Fmt {
    /// Three significant digits in scientific notation: 1.23e-04.
    public static func sci(_ x: Double) -> String { x.isFinite ? String(format: "%.2e", x) : "\(x)" }
    /// A fixed number of decimals.
    public static func fixed(_ x: Double, _ decimals: Int) -> String { x.isFinite ? String(format: "%.\(decimals)f", x) : "\(x)" }
    /// A fixed number of decimals with a true minus sign (−1.00).
    public static func signed(_ x: Double, _ decimals: Int) -> String {
        fixed(x, decimals).replacingOccurrences(of: "-", with: "−")
    }
    /// Three significant digits.
    public static func short(_ x: Double) -> String { x.isFinite ? String(format: "%.3g", x) : "\(x)" }
    /// A percentage with one decimal.
    public static func percent(_ x: Double) -> String { x.isFinite ? String(format: "%.1f%%", 100 * x) : "\(x)" }
    /// `value ± error` with the value rounded to two significant digits of the error and true
    /// minus signs: plusMinus(-6.347239, 0.00031) is "−6.34724 ± 0.00031".
    public static func plusMinus(_ value: Double, _ error: Double) -> String {
        guard value.isFinite else { return "\(value)" }
        guard error.isFinite, error > 0 else { return signed(value, 6) + " ± \(error)" }
        return matching(value, error: error) + " ± " + String(format: "%.2g", error)
    }

    /// `x` with as many decimals as the two significant digits of `error` need.
    public static func matching(_ x: Double, error: Double) -> String {
        guard x.isFinite else { return "\(x)" }
        guard error.isFinite, error > 0 else { return signed(x, 6) }
        return signed(x, min(12, max(0, 1 - Int(floor(log10(error))))))
    }
}
