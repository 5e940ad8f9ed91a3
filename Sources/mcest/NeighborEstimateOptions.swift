import ArgumentParser
import MonteCarlo

/// The options `mcest entropy` and `mcest kl` share: k, the standard error's seed, and JSON output.
struct NeighborEstimateOptions: ParsableArguments {
    @Option(name: [.customLong("k"), .customLong("neighbors")], help: "k, the number of neighbours (in each sample).")
    var neighbors: Int = 3

    @Option(help: "Seed of the standard error's random subsamples.")
    var seed: UInt64 = 2024

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func validate() throws {
        try CountOption.check(neighbors, "--k", in: CountOption.neighbors)
    }

    /// Runs `estimate`, reporting library errors as the other commands do, and prints the report.
    func run(_ estimate: () throws(MonteCarloError) -> NeighborEstimateReport) throws {
        let report = try reportingLibraryErrors { () throws(MonteCarloError) -> NeighborEstimateReport in try estimate() }
        print(json ? try report.json() : report.text)
    }
}
