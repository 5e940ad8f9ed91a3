import Foundation
import MonteCarlo

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A single updating line on standard error with the samples so far and the estimate ± its
/// standard error, for long runs on a terminal.
///
/// Shown only when standard error is a terminal (`isatty`) and the output is not `--json`, so
/// piped or redirected output never contains it. Each update rewrites the line in place
/// (carriage return, erase line); ``finish()`` erases it before the result is printed.
final class ProgressLine: Sendable {
    /// A progress line when standard error is a terminal and `json` is false, else `nil`.
    static func enabled(json: Bool) -> ProgressLine? {
        !json && isatty(STDERR_FILENO) != 0 ? ProgressLine() : nil
    }

    private init() {}

    /// A driver progress callback that rewrites the line.
    func callback(unit: String) -> @Sendable (RunProgress) -> Void {
        { progress in
            var line = "\r\u{1B}[2Kmcest: \(progress.samples)/\(progress.maximumSamples) \(unit)"
            if let value = progress.value, let error = progress.standardError {
                let decimals = NumberFormat.decimals(forStandardError: error)
                line += "   \(NumberFormat.fixed(value, decimals: decimals)) ± \(NumberFormat.standardError(error))"
            }
            line += String(format: "   %.1f s", progress.elapsedSeconds)
            FileHandle.standardError.write(Data(line.utf8))
        }
    }

    /// Erases the line.
    func finish() {
        FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8))
    }
}
