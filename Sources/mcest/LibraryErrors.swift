import ArgumentParser
import Foundation
import MonteCarlo

/// Exit code for a failure reported by the MonteCarlo library (bad input or a numerical failure).
///
/// Bad command-line options are reported by ArgumentParser instead (`ValidationError`, exit code 64).
let libraryErrorExitCode: Int32 = 2

/// Runs `body`; a ``MonteCarloError`` is printed to standard error and ends the command with exit code 2.
func reportingLibraryErrors<T>(_ body: () throws(MonteCarloError) -> T) throws -> T {
    do {
        return try body()
    } catch {
        printToStandardError("mcest: error: \(error.description)")
        throw ExitCode(libraryErrorExitCode)
    }
}

/// Writes one line to standard error.
func printToStandardError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
