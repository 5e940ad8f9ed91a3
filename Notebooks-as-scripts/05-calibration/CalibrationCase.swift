// CalibrationCase.swift — what one block of rows of the calibration table is: a family, an
// input class, a way to make one replication's estimates, and how each row is judged.

import MonteCarlo
import NotebookSupport
import StatisticalTesting

/// How a row's verdict is decided from its `CalibrationReport`.
enum Judgement: Sendable {
    /// All three checks two-sided: coverage in the Binomial(R, 0.95) region, empirical/reported
    /// variance in the χ²_{R−1} region, mean error within a t-test of the truth.
    case honest
    /// A deliberately conservative error bar (e.g. the larger of a held-out variance and a
    /// jackknife), allowed to be up to `inflation` times too large in variance: coverage at least
    /// the binomial region's lower end, the mean-error t-test, the empirical/reported variance at
    /// most the χ² region's upper end (not too narrow), and reported/empirical not significantly
    /// above `inflation` — at most `inflation` divided by the χ² region's lower end, the same
    /// false-alarm probability for a row that is exactly `inflation` times conservative.
    case conservative(inflation: Double)
    /// The estimator targets something with no closed form (a bound's finite-batch value, the
    /// IWAE_K objective), its bias declared and not in its error bar: only the two-sided variance
    /// check decides; coverage and mean error are shown against the quantity in the problem
    /// column, for information. The string says why.
    case varianceOnly(String)

    /// A short name for the table.
    var label: String {
        switch self {
        case .honest: "two-sided"
        case .conservative(let inflation): "conservative ≤ \(Fmt.short(inflation))×"
        case .varianceOnly: "variance only"
        }
    }

    /// Whether `report` passes this judgement.
    func passes(_ report: CalibrationReport) -> Bool {
        switch self {
        case .honest:
            return report.passed
        case .conservative(let inflation):
            return report.observedCoverage >= report.coverage.lowerBound && report.meanBias.passed
                && report.varianceRatio <= report.varianceCalibration.upperBound
                && 1 / report.varianceRatio <= inflation / report.varianceCalibration.lowerBound
        case .varianceOnly:
            return report.varianceCalibration.passed
        }
    }
}

/// One row of the table: an estimator on the case's input, with the value it should cover.
struct RowSpec: Sendable {
    /// The estimator and its settings, e.g. "CF, cross-fitted 5 folds".
    let estimator: String
    /// The quantity estimated, e.g. "E[e^U]" or "I = 2 nats".
    let problem: String
    /// The exact value of that quantity (closed form or a converged quadrature).
    let truth: Double
    /// Integrand evaluations, draws or data points per replication.
    let size: Int
    var judgement: Judgement = .honest
}

/// A block of rows that share their random input: one replication draws the input once and
/// returns one estimate per row (or the error that row's estimator threw).
struct CalibrationCase: Sendable {
    /// The estimator family: core, Stein, SW, MI, ELBO, chains.
    let family: String
    /// The input class: "i.i.d. Gaussian (d = 2)", "AR(1) chains, ρ = 0.8", "Student-t ν = 5", …
    let input: String
    let rows: [RowSpec]
    /// A rough cost of one replication relative to the others, for scheduling only.
    var cost: Double = 1
    /// One replication on its own generator: one result per row, in row order.
    let replicate: @Sendable (inout Xoshiro256PlusPlus) throws(MonteCarloError) -> [Result<Estimate, MonteCarloError>]

    /// The stable identifier of row `index`, used by the known-bad list.
    func identifier(_ index: Int) -> String {
        "\(family) | \(rows[index].estimator) | \(input) | \(rows[index].problem)"
    }

    /// The seed of this case: a hash of its family, input and rows, so adding or reordering
    /// cases never changes another case's numbers.
    var seed: UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in "\(family)|\(input)|\(rows.map { "\($0.estimator)|\($0.problem)" }.joined(separator: ","))".utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        return hash
    }
}

/// Runs `body` and captures its typed error, so that one estimator's failure does not lose the
/// other rows of its replication.
func attempt(_ body: () throws(MonteCarloError) -> Estimate) -> Result<Estimate, MonteCarloError> {
    do throws(MonteCarloError) {
        return .success(try body())
    } catch {
        return .failure(error)
    }
}

/// A one-row case from a sampling estimator run for `samples` samples on the replication's generator.
func singleEstimatorCase<E: MonteCarloEstimator>(
    family: String, input: String, _ estimator: String, problem: String, truth: Double, _ method: E, samples: Int,
    judgement: Judgement = .honest
) -> CalibrationCase where E.Output == Estimate {
    CalibrationCase(
        family: family, input: input,
        rows: [RowSpec(estimator: estimator, problem: problem, truth: truth, size: samples * method.evaluationsPerSample,
                       judgement: judgement)],
        replicate: { generator throws(MonteCarloError) in
            [attempt { () throws(MonteCarloError) -> Estimate in
                var state = method.makeState()
                try method.accumulate(samples, firstIndex: 0, into: &state, using: &generator)
                return try method.estimate(from: state)
            }]
        })
}
