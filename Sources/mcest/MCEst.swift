import ArgumentParser

/// `mcest`: Monte Carlo estimates with honest error bars, from the command line.
///
/// Each subcommand lives in its own file (`DemoCommand.swift`, …); shared pieces are the result
/// row (`ResultRow.swift`), the text table and number formats (`TextTable.swift`) and the
/// reporting of library errors (`LibraryErrors.swift`).
@main
struct MCEst: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mcest",
        abstract: "Monte Carlo estimates with honest error bars.",
        discussion: """
            Every number mcest prints comes with its standard error. Runs are reproducible: \
            the same --seed gives the same numbers on any number of cores.
            """,
        version: "0.1.0",
        subcommands: [
            DemoCommand.self, EstimateCommand.self, VICommand.self, SWCommand.self, MICommand.self, EntropyCommand.self,
            KLCommand.self, KSDCommand.self, CVCommand.self,
            MergeCommand.self, SummaryCommand.self,
        ])
}
