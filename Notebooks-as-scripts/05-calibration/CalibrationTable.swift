// CalibrationTable.swift — the Markdown table, the per-family summary and the coverage chart.

import Foundation
import MonteCarlo
import NotebookSupport

enum CalibrationTable {
    /// One Markdown table of every row, in run order.
    static func markdown(_ outcomes: [Outcome]) -> String {
        let header = ["family", "estimator", "input", "problem", "n", "R", "coverage", "binomial region",
                      "reported/empirical var", "χ² region", "bias (SE)", "warned", "judged", "verdict"]
        let rows = outcomes.map { o -> [String] in
            var cells = [o.family, o.row.estimator, o.input, o.row.problem, "\(o.row.size)"]
            if let r = o.report {
                cells += [
                    "\(r.replications)",
                    Fmt.percent(r.observedCoverage),
                    "\(Fmt.percent(r.coverage.lowerBound))–\(Fmt.percent(r.coverage.upperBound))",
                    Fmt.short(1 / r.varianceRatio),
                    "\(Fmt.short(1 / r.varianceCalibration.upperBound))–\(Fmt.short(1 / r.varianceCalibration.lowerBound))",
                    String(format: "%+.2f", r.meanBiasInStandardErrors).replacingOccurrences(of: "-", with: "−"),
                    Fmt.percent(o.warnedFraction),
                ]
            } else {
                cells += ["—", "error: \(o.error ?? "?")", "", "", "", "", "", ""]
            }
            cells += [o.row.judgement.label, o.verdict.label]
            return cells
        }
        return markdownTable(header, rows, align: ["l", "l", "l", "l", "r", "r", "r", "r", "r", "r", "r", "r", "l", "l"])
    }

    /// Rows per family and how many passed, failed as known bad, or failed unexpectedly.
    static func familySummary(_ outcomes: [Outcome], seconds: [String: Double]) -> String {
        var families: [String] = []
        for o in outcomes where !families.contains(o.family) { families.append(o.family) }
        let rows = families.map { family -> [String] in
            let rows = outcomes.filter { $0.family == family }
            func count(_ v: Verdict) -> String { "\(rows.filter { $0.verdict == v }.count)" }
            let knownBad = rows.filter { $0.verdict == .knownBad || $0.verdict == .knownBadBelowPower }.count
            return [family, "\(rows.count)", count(.pass), "\(knownBad)", count(.knownBadPasses), count(.fail),
                    Fmt.fixed(seconds[family] ?? 0, 1)]
        }
        return markdownTable(["family", "rows", "pass", "known bad", "known bad, passes now", "unexpected FAIL", "CPU s"], rows,
                             align: ["l", "r", "r", "r", "r", "r", "r"])
    }

    /// The known-bad rows and why each is on the list.
    static func knownBadList(_ outcomes: [Outcome]) -> String {
        outcomes.compactMap { o -> String? in
            guard let reason = o.knownBadReason else { return nil }
            let state = switch o.verdict {
            case .knownBadPasses: " — **passes now: take it off the list**"
            case .knownBadBelowPower: " — passes at this R, which lacks the power to see it; fails in the full run (R = \(KnownBad.fullScaleReplications))"
            default: ""
            }
            return "- \(o.family), \(o.row.estimator), \(o.input), \(o.row.problem): \(reason)\(state)"
        }.joined(separator: "\n")
    }

    /// Why the variance-only rows are judged so, one line per distinct reason with its rows.
    static func varianceOnlyReasons(_ outcomes: [Outcome]) -> String {
        var reasons: [String] = []
        var rows: [String: [String]] = [:]
        for o in outcomes {
            guard case .varianceOnly(let reason) = o.row.judgement else { continue }
            if rows[reason] == nil { reasons.append(reason) }
            rows[reason, default: []].append("\(o.row.estimator) (\(o.row.problem))")
        }
        return reasons.map { "- \($0): \(rows[$0]!.joined(separator: "; "))." }.joined(separator: "\n")
    }

    /// Coverage per row: the bar ends at the observed coverage, the whisker is its Wilson 95%
    /// interval, the band is the acceptance region of the coverage check; failing rows are red,
    /// known-bad ones orange.
    static func coverageChart(_ outcomes: [Outcome], level: Double, falseAlarm: Double) -> String {
        let shown = outcomes.filter { $0.report != nil }
        let bars = shown.map { o -> HorizontalBarChart.Bar in
            let r = o.report!
            let color = switch o.verdict {
            case .pass, .knownBadPasses: Palette.blue
            case .knownBad, .knownBadBelowPower: Palette.orange
            case .fail: Palette.vermillion
            }
            return HorizontalBarChart.Bar(
                label: "\(o.family): \(o.row.estimator) — \(o.input)", value: max(r.observedCoverage, 0.5),
                color: color,
                whisker: clamped(wilsonInterval(successes: r.observedCoverage * Double(r.replications), trials: r.replications)),
                band: clamped(r.coverage.lowerBound...r.coverage.upperBound),
                annotation: "\(Fmt.percent(r.observedCoverage)) \(o.verdict == .pass ? "pass" : o.verdict == .fail ? "FAIL" : "known bad")")
        }
        var chart = HorizontalBarChart(
            title: "Coverage of \(Fmt.fixed(100 * level, 0))% confidence intervals",
            subtitle: "\(shown.first?.report?.replications ?? 0) replications per row; the axis starts at 50% (rows below are drawn at 50%)",
            xAxis: PlotAxis(label: "observed coverage", scale: .linear, range: 0.5...1,
                            tickFormat: { String(format: "%.0f%%", 100 * $0) }),
            bars: bars, reference: (level, "nominal"))
        chart.legend = [
            LinePlot.LegendEntry(label: "pass", color: Palette.blue, line: .none),
            LinePlot.LegendEntry(label: "known bad", color: Palette.orange, line: .none),
            LinePlot.LegendEntry(label: "unexpected FAIL", color: Palette.vermillion, line: .none),
            LinePlot.LegendEntry(label: "acceptance region (Binomial, false-alarm probability \(falseAlarm))",
                                 color: "#2ca02c", line: .none, band: true),
            LinePlot.LegendEntry(label: "nominal \(Fmt.fixed(100 * level, 0))%", color: "#111", line: .dashed),
        ]
        return chart.svg()
    }

    /// `range` within the chart's axis, 50%…100%.
    static func clamped(_ range: ClosedRange<Double>) -> ClosedRange<Double> {
        min(max(range.lowerBound, 0.5), 1)...min(max(range.upperBound, 0.5), 1)
    }

    /// P(K/R ∈ `region`) for K ~ Binomial(R, `success`).
    static func binomialProbability(replications r: Int, success p: Double, within region: ClosedRange<Double>) -> Double {
        var total = 0.0
        for k in 0...r {
            let fraction = Double(k) / Double(r)
            guard fraction >= region.lowerBound - 1e-12, fraction <= region.upperBound + 1e-12 else { continue }
            let logChoose: Double = lgamma(Double(r + 1)) - lgamma(Double(k + 1)) - lgamma(Double(r - k + 1))
            let logTerm: Double = logChoose + Double(k) * log(p) + Double(r - k) * log(1 - p)
            total += exp(logTerm)
        }
        return total
    }

    /// The Wilson score interval for a binomial proportion at 95%.
    static func wilsonInterval(successes: Double, trials: Int) -> ClosedRange<Double> {
        let n = Double(trials), p = successes / n, z = 1.959963984540054
        let centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        let half = z * (p * (1 - p) / n + z * z / (4 * n * n)).squareRoot() / (1 + z * z / n)
        return max(0, centre - half)...min(1, centre + half)
    }
}
