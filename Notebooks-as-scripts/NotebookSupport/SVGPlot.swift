// SVGPlot.swift — hand-written SVG charts for the notebooks: line plots on linear or logarithmic
// axes (with markers, shaded bands, error bars and a legend) and horizontal bar charts.
//
// Part of the `NotebookSupport` library target (Foundation only), shared by every notebook.

import Foundation

// MARK: - Axes

/// One axis of a chart: its label, its scale and (optionally) a fixed range.
public struct PlotAxis {
    /// How data values map to positions along the axis.
    public enum Scale: Sendable {
        /// Equal distances for equal differences.
        case linear
        /// Equal distances for equal ratios; non-positive values are not drawn.
        case logarithmic
    }

    /// The axis title, drawn under (x) or beside (y) the plot area.
    public var label: String
    /// Linear or logarithmic.
    public var scale: Scale
    /// The data range to show; `nil` fits the data (widened to whole decades on a log scale).
    public var range: ClosedRange<Double>?
    /// Formats a tick value; `nil` uses powers of ten on log axes and short decimals otherwise.
    public var tickFormat: ((Double) -> String)?

    /// An axis; by default linear and fitted to the data.
    public init(label: String, scale: Scale = .linear, range: ClosedRange<Double>? = nil,
                tickFormat: ((Double) -> String)? = nil) {
        self.label = label
        self.scale = scale
        self.range = range
        self.tickFormat = tickFormat
    }

    /// The range actually drawn, from the data's extent.
    public func resolvedRange(dataMin: Double, dataMax: Double) -> ClosedRange<Double> {
        if let range { return range }
        var lo = dataMin, hi = dataMax
        if !(lo.isFinite && hi.isFinite) { (lo, hi) = (scale == .logarithmic ? 1 : 0, 1) }
        switch scale {
        case .logarithmic:
            lo = max(lo, .leastNormalMagnitude)
            hi = max(hi, lo)
            // Pad by 4% of the span on each side (at least a factor 1.2), snapping to a decade
            // when one is close, so that the data never touch the frame.
            let span = max(log10(hi) - log10(lo), 0.5)
            let pad = max(0.04 * span, log10(1.2))
            var a = log10(lo) - pad, b = log10(hi) + pad
            if a - floor(a) < pad { a = floor(a) }
            if ceil(b) - b < pad { b = ceil(b) }
            return pow(10, a)...pow(10, b)
        case .linear:
            if lo == hi { lo -= 1; hi += 1 }
            let step = PlotAxis.niceStep((hi - lo) / 5)
            return (floor(lo / step) * step)...(ceil(hi / step) * step)
        }
    }

    /// Major ticks (labelled) and minor ticks (unlabelled) inside `range`.
    public func ticks(in range: ClosedRange<Double>) -> (major: [Double], minor: [Double]) {
        switch scale {
        case .logarithmic:
            let a = Int(floor(log10(range.lowerBound) + 1e-9)), b = Int(ceil(log10(range.upperBound) - 1e-9))
            let decades = b - a
            let every = decades > 10 ? 3 : (decades > 6 ? 2 : 1)
            var major: [Double] = [], minor: [Double] = []
            for k in a...b {
                let decade = pow(10, Double(k))
                if (k - a) % every == 0 { major.append(decade) } else { minor.append(decade) }
                if decades <= 6 {
                    for m in 2...9 {
                        // Label 2 and 5 too when the axis spans less than two decades.
                        if decades <= 2, m == 2 || m == 5 { major.append(Double(m) * decade) } else { minor.append(Double(m) * decade) }
                    }
                }
            }
            let inside = { (x: Double) in x >= range.lowerBound * (1 - 1e-9) && x <= range.upperBound * (1 + 1e-9) }
            return (major.filter(inside), minor.filter(inside))
        case .linear:
            let step = PlotAxis.niceStep((range.upperBound - range.lowerBound) / 6)
            var major: [Double] = []
            var x = ceil(range.lowerBound / step - 1e-9) * step
            while x <= range.upperBound + step * 1e-9 {
                major.append(abs(x) < step * 1e-9 ? 0 : x)
                x += step
            }
            return (major, [])
        }
    }

    /// 1, 2 or 5 times a power of ten, close to `raw`.
    public static func niceStep(_ raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        let magnitude = pow(10, floor(log10(raw)))
        let fraction = raw / magnitude
        let nice: Double = fraction < 1.5 ? 1 : (fraction < 3.5 ? 2 : (fraction < 7.5 ? 5 : 10))
        return nice * magnitude
    }

    /// The tick label as SVG text content (may contain a superscript `tspan`).
    public func label(for value: Double) -> String {
        if let tickFormat { return SVG.escape(tickFormat(value)) }
        switch scale {
        case .logarithmic:
            let k = Int(floor(log10(value) + 1e-9))
            let mantissa = (value / pow(10, Double(k)) * 100).rounded() / 100
            let power = k == 0 ? "" : (k == 1 ? "10" : "10<tspan dy=\"-7\" font-size=\"10\">\(k < 0 ? "−" : "")\(abs(k))</tspan>")
            if mantissa == 1 { return k == 0 ? "1" : power }
            if (-2...3).contains(k) { return SVG.number(value, significantDigits: 3) }
            return "\(SVG.number(mantissa, significantDigits: 2))·\(power)"
        case .linear:
            return SVG.number(value, significantDigits: 4)
        }
    }
}

// MARK: - Line plots

/// A chart of one or more series of (x, y) points, with optional bands and error bars.
///
/// ```swift
/// var plot = LinePlot(title: "Variance vs n",
///                     xAxis: PlotAxis(label: "n", scale: .logarithmic),
///                     yAxis: PlotAxis(label: "variance", scale: .logarithmic))
/// plot.series.append(.init(label: "plain", color: Palette.blue,
///                          points: [.init(x: 100, y: 0.01, lower: 0.008, upper: 0.012)], band: true))
/// try plot.svg().write(toFile: "plot.svg", atomically: true, encoding: .utf8)
/// ```
public struct LinePlot {
    /// One data point, with an optional interval for y.
    public struct Point: Sendable {
        /// The abscissa.
        public var x: Double
        /// The ordinate.
        public var y: Double
        /// Lower end of an interval for y (drawn as a band or an error bar).
        public var lower: Double?
        /// Upper end of an interval for y (drawn as a band or an error bar).
        public var upper: Double?

        /// A point, optionally with an interval [lower, upper] for y.
        public init(x: Double, y: Double, lower: Double? = nil, upper: Double? = nil) {
            self.x = x
            self.y = y
            self.lower = lower
            self.upper = upper
        }
    }

    /// How a series' points are joined.
    public enum LineStyle: Sendable {
        /// A continuous line.
        case solid
        /// Long dashes.
        case dashed
        /// Dots.
        case dotted
        /// No line: markers only.
        case none
    }

    /// The symbol drawn at each point.
    public enum Marker: Sendable {
        /// No symbol.
        case none
        /// A filled disc.
        case circle
        /// A ring.
        case openCircle
        /// A filled square.
        case square
        /// A square outline.
        case openSquare
        /// A filled triangle pointing up.
        case triangle
        /// A filled diamond.
        case diamond
    }

    /// A labelled series of points with its style.
    public struct Series: Sendable {
        /// The legend text.
        public var label: String
        /// Any SVG colour (see ``Palette``).
        public var color: String
        /// The data, drawn in order.
        public var points: [Point]
        /// How the points are joined.
        public var line: LineStyle
        /// The symbol at each point.
        public var marker: Marker
        /// Shade the region between the points' lower and upper values.
        public var band: Bool
        /// Draw a vertical bar from lower to upper at each point.
        public var errorBars: Bool
        /// The line's stroke width in pixels.
        public var lineWidth: Double
        /// Whether the automatic legend lists this series.
        public var showInLegend: Bool

        /// A series; by default a solid line with filled circles, no band and no error bars.
        public init(label: String, color: String, points: [Point], line: LineStyle = .solid, marker: Marker = .circle,
                    band: Bool = false, errorBars: Bool = false, lineWidth: Double = 2, showInLegend: Bool = true) {
            self.label = label
            self.color = color
            self.points = points
            self.line = line
            self.marker = marker
            self.band = band
            self.errorBars = errorBars
            self.lineWidth = lineWidth
            self.showInLegend = showInLegend
        }
    }

    /// A legend line: a swatch (line, marker, band) and a text.
    public struct LegendEntry: Sendable {
        /// The text.
        public var label: String
        /// The swatch's colour.
        public var color: String
        /// The swatch's line style (`.none` for no line).
        public var line: LineStyle
        /// The swatch's marker.
        public var marker: Marker
        /// Whether the swatch shows a shaded band.
        public var band: Bool

        /// A legend entry; by default a solid line without marker or band.
        public init(label: String, color: String, line: LineStyle = .solid, marker: Marker = .none, band: Bool = false) {
            self.label = label
            self.color = color
            self.line = line
            self.marker = marker
            self.band = band
        }
    }

    /// The corner of the plot area that holds the legend box.
    public enum LegendPosition: Sendable {
        /// Upper right corner.
        case topRight
        /// Upper left corner.
        case topLeft
        /// Lower left corner.
        case bottomLeft
        /// Lower right corner.
        case bottomRight
    }

    /// The chart title.
    public var title: String
    /// A smaller line under the title.
    public var subtitle: String?
    /// The horizontal axis.
    public var xAxis: PlotAxis
    /// The vertical axis.
    public var yAxis: PlotAxis
    /// The series, drawn in order (later ones on top).
    public var series: [Series]
    /// Legend lines; when empty, one per series with `showInLegend`.
    public var legend: [LegendEntry]
    /// Where the legend box goes.
    public var legendPosition: LegendPosition
    /// The image width in pixels.
    public var width: Double
    /// The image height in pixels.
    public var height: Double

    /// An empty chart with the given title and axes; append to ``series`` and call ``svg()``.
    public init(title: String, subtitle: String? = nil, xAxis: PlotAxis, yAxis: PlotAxis, series: [Series] = [],
                legend: [LegendEntry] = [], legendPosition: LegendPosition = .topRight,
                width: Double = 820, height: Double = 580) {
        self.title = title
        self.subtitle = subtitle
        self.xAxis = xAxis
        self.yAxis = yAxis
        self.series = series
        self.legend = legend
        self.legendPosition = legendPosition
        self.width = width
        self.height = height
    }

    /// The chart as a complete SVG document.
    public func svg() -> String {
        let margin = (left: 86.0, right: 24.0, top: subtitle == nil ? 48.0 : 66.0, bottom: 64.0)
        let plotWidth = width - margin.left - margin.right
        let plotHeight = height - margin.top - margin.bottom

        // Data extents (including bands and bars), then the axis ranges.
        var xs: [Double] = [], ys: [Double] = []
        for s in series {
            for p in s.points {
                xs.append(p.x)
                ys.append(p.y)
                if s.band || s.errorBars {
                    if let l = p.lower { ys.append(l) }
                    if let u = p.upper { ys.append(u) }
                }
            }
        }
        let usable = { (axis: PlotAxis, values: [Double]) in
            values.filter { $0.isFinite && (axis.scale == .linear || $0 > 0) }
        }
        let xValues = usable(xAxis, xs), yValues = usable(yAxis, ys)
        let xRange = xAxis.resolvedRange(dataMin: xValues.min() ?? .nan, dataMax: xValues.max() ?? .nan)
        let yRange = yAxis.resolvedRange(dataMin: yValues.min() ?? .nan, dataMax: yValues.max() ?? .nan)

        func fraction(_ v: Double, _ axis: PlotAxis, _ range: ClosedRange<Double>) -> Double {
            switch axis.scale {
            case .linear: return (v - range.lowerBound) / (range.upperBound - range.lowerBound)
            case .logarithmic:
                return (log10(v) - log10(range.lowerBound)) / (log10(range.upperBound) - log10(range.lowerBound))
            }
        }
        func px(_ x: Double) -> Double { margin.left + plotWidth * fraction(x, xAxis, xRange) }
        func py(_ y: Double) -> Double { margin.top + plotHeight * (1 - fraction(y, yAxis, yRange)) }
        func valid(_ v: Double, _ axis: PlotAxis) -> Bool { v.isFinite && (axis.scale == .linear || v > 0) }

        var out = SVG.header(width: width, height: height)
        out.append(SVG.text(title, x: width / 2, y: 26, size: 17, anchor: "middle", weight: "bold"))
        if let subtitle { out.append(SVG.text(subtitle, x: width / 2, y: 47, size: 12.5, anchor: "middle", color: "#444")) }

        // Grid and ticks.
        let xTicks = xAxis.ticks(in: xRange), yTicks = yAxis.ticks(in: yRange)
        let bottom = margin.top + plotHeight, right = margin.left + plotWidth
        for x in xTicks.minor {
            out.append(SVG.line(px(x), margin.top, px(x), bottom, color: "#eeeeee", width: 1))
            out.append(SVG.line(px(x), bottom, px(x), bottom + 4, color: "#555", width: 1))
        }
        for y in yTicks.minor {
            out.append(SVG.line(margin.left, py(y), right, py(y), color: "#eeeeee", width: 1))
            out.append(SVG.line(margin.left - 4, py(y), margin.left, py(y), color: "#555", width: 1))
        }
        for x in xTicks.major {
            out.append(SVG.line(px(x), margin.top, px(x), bottom, color: "#d4d4d4", width: 1))
            out.append(SVG.line(px(x), bottom, px(x), bottom + 7, color: "#222", width: 1.2))
            out.append(SVG.rawText(xAxis.label(for: x), x: px(x), y: bottom + 24, size: 13, anchor: "middle"))
        }
        for y in yTicks.major {
            out.append(SVG.line(margin.left, py(y), right, py(y), color: "#d4d4d4", width: 1))
            out.append(SVG.line(margin.left - 7, py(y), margin.left, py(y), color: "#222", width: 1.2))
            out.append(SVG.rawText(yAxis.label(for: y), x: margin.left - 11, y: py(y) + 4.5, size: 13, anchor: "end"))
        }
        out.append("<rect x=\"\(SVG.number(margin.left))\" y=\"\(SVG.number(margin.top))\" width=\"\(SVG.number(plotWidth))\" "
            + "height=\"\(SVG.number(plotHeight))\" fill=\"none\" stroke=\"#222\" stroke-width=\"1.2\"/>")
        out.append(SVG.text(xAxis.label, x: margin.left + plotWidth / 2, y: height - 16, size: 14, anchor: "middle"))
        out.append(SVG.text(yAxis.label, x: 20, y: margin.top + plotHeight / 2, size: 14, anchor: "middle",
                            rotate: -90))

        // Series, clipped to the plot area.
        out.append("<clipPath id=\"plot-area\"><rect x=\"\(SVG.number(margin.left))\" y=\"\(SVG.number(margin.top))\" "
            + "width=\"\(SVG.number(plotWidth))\" height=\"\(SVG.number(plotHeight))\"/></clipPath>")
        out.append("<g clip-path=\"url(#plot-area)\">")
        for s in series where s.band {
            let banded = s.points.filter {
                valid($0.x, xAxis) && valid($0.lower ?? .nan, yAxis) && valid($0.upper ?? .nan, yAxis)
            }
            guard banded.count >= 2 else { continue }
            let upper = banded.map { "\(SVG.number(px($0.x))),\(SVG.number(py($0.upper!)))" }
            let lower = banded.reversed().map { "\(SVG.number(px($0.x))),\(SVG.number(py($0.lower!)))" }
            out.append("<polygon points=\"\((upper + lower).joined(separator: " "))\" fill=\"\(s.color)\" fill-opacity=\"0.16\" stroke=\"none\"/>")
        }
        for s in series {
            let shown = s.points.filter { valid($0.x, xAxis) && valid($0.y, yAxis) }
            if s.errorBars {
                for p in shown {
                    guard let l = p.lower, let u = p.upper, valid(l, yAxis), valid(u, yAxis) else { continue }
                    out.append(SVG.line(px(p.x), py(l), px(p.x), py(u), color: s.color, width: 1.3))
                    out.append(SVG.line(px(p.x) - 4, py(l), px(p.x) + 4, py(l), color: s.color, width: 1.3))
                    out.append(SVG.line(px(p.x) - 4, py(u), px(p.x) + 4, py(u), color: s.color, width: 1.3))
                }
            }
            if s.line != .none, shown.count >= 2 {
                let path = shown.map { "\(SVG.number(px($0.x))),\(SVG.number(py($0.y)))" }.joined(separator: " ")
                out.append("<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(s.color)\" stroke-width=\"\(s.lineWidth)\""
                    + "\(SVG.dash(s.line)) stroke-linejoin=\"round\"/>")
            }
            for p in shown { out.append(SVG.marker(s.marker, x: px(p.x), y: py(p.y), color: s.color)) }
        }
        out.append("</g>")

        // Legend.
        let entries = legend.isEmpty
            ? series.filter(\.showInLegend).map {
                LegendEntry(label: $0.label, color: $0.color, line: $0.line, marker: $0.marker, band: $0.band)
            }
            : legend
        if !entries.isEmpty {
            let lineHeight = 20.0
            let boxWidth = 56 + 7.0 * Double(entries.map(\.label.count).max() ?? 0)
            let boxHeight = 12 + lineHeight * Double(entries.count)
            let x0: Double, y0: Double
            switch legendPosition {
            case .topRight: (x0, y0) = (right - boxWidth - 10, margin.top + 10)
            case .topLeft: (x0, y0) = (margin.left + 10, margin.top + 10)
            case .bottomLeft: (x0, y0) = (margin.left + 10, bottom - boxHeight - 10)
            case .bottomRight: (x0, y0) = (right - boxWidth - 10, bottom - boxHeight - 10)
            }
            out.append("<rect x=\"\(SVG.number(x0))\" y=\"\(SVG.number(y0))\" width=\"\(SVG.number(boxWidth))\" "
                + "height=\"\(SVG.number(boxHeight))\" fill=\"white\" fill-opacity=\"0.92\" stroke=\"#999\" rx=\"4\"/>")
            for (i, entry) in entries.enumerated() {
                let y = y0 + 16 + lineHeight * Double(i)
                if entry.band {
                    out.append("<rect x=\"\(SVG.number(x0 + 8))\" y=\"\(SVG.number(y - 7))\" width=\"32\" height=\"14\" "
                        + "fill=\"\(entry.color)\" fill-opacity=\"0.16\"/>")
                }
                if entry.line != .none {
                    out.append(SVG.line(x0 + 8, y, x0 + 40, y, color: entry.color, width: 2, style: entry.line))
                }
                out.append(SVG.marker(entry.marker, x: x0 + 24, y: y, color: entry.color))
                out.append(SVG.text(entry.label, x: x0 + 48, y: y + 4.5, size: 12.5))
            }
        }
        out.append("</svg>")
        return out.joined(separator: "\n") + "\n"
    }
}

// MARK: - Horizontal bar charts

/// Horizontal bars, one per labelled row, with optional whiskers, per-row shaded bands and a
/// vertical reference line.
///
/// Bars start at the left end of the axis range, so on a logarithmic axis they compare ratios
/// (e.g. variances spanning several decades); values at or below the left end are drawn as an
/// "off scale" arrow.
public struct HorizontalBarChart {
    /// One row: a label, a bar and its decorations.
    public struct Bar: Sendable {
        /// The row label, left of the plot area.
        public var label: String
        /// The bar's length along the axis.
        public var value: Double
        /// The bar's colour.
        public var color: String
        /// An interval drawn as a whisker over the bar's end.
        public var whisker: ClosedRange<Double>?
        /// A shaded band across the row (e.g. an acceptance region).
        public var band: ClosedRange<Double>?
        /// Text written right of the plot area.
        public var annotation: String?

        /// A bar, optionally with a whisker, a band and an annotation.
        public init(label: String, value: Double, color: String, whisker: ClosedRange<Double>? = nil,
                    band: ClosedRange<Double>? = nil, annotation: String? = nil) {
            self.label = label
            self.value = value
            self.color = color
            self.whisker = whisker
            self.band = band
            self.annotation = annotation
        }
    }

    /// The chart title.
    public var title: String
    /// A smaller line under the title.
    public var subtitle: String?
    /// The value axis (linear or logarithmic).
    public var xAxis: PlotAxis
    /// The rows, top to bottom.
    public var bars: [Bar]
    /// A dashed vertical line at a reference value.
    public var reference: (value: Double, label: String)?
    /// Legend entries, laid out in lines above the plot.
    public var legend: [LinePlot.LegendEntry]
    /// The image width in pixels.
    public var width: Double
    /// The height of one row in pixels.
    public var rowHeight: Double

    /// A bar chart; the height follows from the number of rows.
    public init(title: String, subtitle: String? = nil, xAxis: PlotAxis, bars: [Bar],
                reference: (value: Double, label: String)? = nil, legend: [LinePlot.LegendEntry] = [],
                width: Double = 860, rowHeight: Double = 30) {
        self.title = title
        self.subtitle = subtitle
        self.xAxis = xAxis
        self.bars = bars
        self.reference = reference
        self.legend = legend
        self.width = width
        self.rowHeight = rowHeight
    }

    /// The chart as a complete SVG document.
    public func svg() -> String {
        let labelWidth = 14 + 7.0 * Double(bars.map(\.label.count).max() ?? 10)
        let annotationWidth = 12 + 7.0 * Double(bars.compactMap { $0.annotation?.count }.max() ?? 0)
        // Lay the legend out in lines that fit the width.
        var legendLines: [[(entry: LinePlot.LegendEntry, x: Double)]] = []
        do {
            var line: [(entry: LinePlot.LegendEntry, x: Double)] = []
            var x = 20.0
            for entry in legend {
                let itemWidth = 44 + 7.0 * Double(entry.label.count)
                if !line.isEmpty, x + itemWidth > width - 20 {
                    legendLines.append(line)
                    line = []
                    x = 20
                }
                line.append((entry, x))
                x += itemWidth
            }
            if !line.isEmpty { legendLines.append(line) }
        }
        let legendHeight = 22.0 * Double(legendLines.count) + (legendLines.isEmpty ? 0 : 6)
        let margin = (left: labelWidth, right: max(24, annotationWidth),
                      top: (subtitle == nil ? 44.0 : 62.0) + legendHeight, bottom: 58.0)
        let plotWidth = width - margin.left - margin.right
        let plotHeight = rowHeight * Double(bars.count)
        let height = margin.top + plotHeight + margin.bottom

        var values = bars.map(\.value)
        for bar in bars {
            if let w = bar.whisker { values += [w.lowerBound, w.upperBound] }
            if let b = bar.band { values += [b.lowerBound, b.upperBound] }
        }
        if let reference { values.append(reference.value) }
        let logarithmic = xAxis.scale == .logarithmic
        let finite = values.filter { $0.isFinite && (!logarithmic || $0 > 0) }
        let range = xAxis.resolvedRange(dataMin: finite.min() ?? (logarithmic ? 1 : 0), dataMax: finite.max() ?? 1)
        func px(_ x: Double) -> Double {
            let clamped = min(max(x, range.lowerBound), range.upperBound)
            let fraction = logarithmic
                ? (log10(clamped) - log10(range.lowerBound)) / (log10(range.upperBound) - log10(range.lowerBound))
                : (clamped - range.lowerBound) / (range.upperBound - range.lowerBound)
            return margin.left + plotWidth * fraction
        }
        let bottom = margin.top + plotHeight

        var out = SVG.header(width: width, height: height)
        out.append(SVG.text(title, x: width / 2, y: 26, size: 17, anchor: "middle", weight: "bold"))
        if let subtitle { out.append(SVG.text(subtitle, x: width / 2, y: 46, size: 12.5, anchor: "middle", color: "#444")) }
        for (lineIndex, line) in legendLines.enumerated() {
            let y = margin.top - legendHeight + 4 + 22 * Double(lineIndex)
            for (entry, x) in line {
                if entry.band {
                    out.append("<rect x=\"\(SVG.number(x))\" y=\"\(SVG.number(y - 7))\" width=\"26\" height=\"14\" "
                        + "fill=\"\(entry.color)\" fill-opacity=\"0.25\"/>")
                } else if entry.line != .none {
                    out.append(SVG.line(x, y, x + 26, y, color: entry.color, width: 2, style: entry.line))
                } else {
                    out.append("<rect x=\"\(SVG.number(x + 3))\" y=\"\(SVG.number(y - 6))\" width=\"20\" height=\"12\" fill=\"\(entry.color)\"/>")
                }
                out.append(SVG.text(entry.label, x: x + 32, y: y + 4.5, size: 12.5))
            }
        }

        let ticks = xAxis.ticks(in: range)
        for x in ticks.major {
            out.append(SVG.line(px(x), margin.top, px(x), bottom, color: "#dddddd", width: 1))
            out.append(SVG.line(px(x), bottom, px(x), bottom + 6, color: "#222", width: 1.2))
            out.append(SVG.rawText(xAxis.label(for: x), x: px(x), y: bottom + 22, size: 13, anchor: "middle"))
        }
        for (i, bar) in bars.enumerated() {
            let top = margin.top + rowHeight * Double(i)
            let centre = top + rowHeight / 2
            if i % 2 == 1 {
                out.append("<rect x=\"0\" y=\"\(SVG.number(top))\" width=\"\(SVG.number(margin.left - 4))\" "
                    + "height=\"\(SVG.number(rowHeight))\" fill=\"#f4f4f4\"/>")
            }
            if let band = bar.band {
                out.append("<rect x=\"\(SVG.number(px(band.lowerBound)))\" y=\"\(SVG.number(top + 2))\" "
                    + "width=\"\(SVG.number(px(band.upperBound) - px(band.lowerBound)))\" height=\"\(SVG.number(rowHeight - 4))\" "
                    + "fill=\"#2ca02c\" fill-opacity=\"0.18\"/>")
            }
            if bar.value.isFinite, bar.value < range.lowerBound {
                // Off scale to the left: an arrow at the axis says so (the annotation gives the value).
                let x = px(range.lowerBound)
                out.append("<polygon points=\"\(SVG.number(x + 2)),\(SVG.number(centre)) \(SVG.number(x + 14)),\(SVG.number(centre - 7)) "
                    + "\(SVG.number(x + 14)),\(SVG.number(centre + 7))\" fill=\"\(bar.color)\"/>")
                out.append(SVG.text("off scale", x: x + 19, y: centre + 4.5, size: 12, color: bar.color))
            } else if bar.value.isFinite {
                let barTop = top + rowHeight * 0.28
                out.append("<rect x=\"\(SVG.number(px(range.lowerBound)))\" y=\"\(SVG.number(barTop))\" "
                    + "width=\"\(SVG.number(px(bar.value) - px(range.lowerBound)))\" height=\"\(SVG.number(rowHeight * 0.44))\" "
                    + "fill=\"\(bar.color)\"/>")
            }
            if let w = bar.whisker, w.upperBound >= range.lowerBound {
                out.append(SVG.line(px(w.lowerBound), centre, px(w.upperBound), centre, color: "#222", width: 1.3))
                for end in [w.lowerBound, w.upperBound] {
                    out.append(SVG.line(px(end), centre - 5, px(end), centre + 5, color: "#222", width: 1.3))
                }
            }
            out.append(SVG.text(bar.label, x: margin.left - 8, y: centre + 4.5, size: 12.5, anchor: "end"))
            if let annotation = bar.annotation {
                out.append(SVG.text(annotation, x: margin.left + plotWidth + 8, y: centre + 4.5, size: 12, color: "#333"))
            }
        }
        if let reference {
            out.append(SVG.line(px(reference.value), margin.top - 4, px(reference.value), bottom, color: "#111",
                                width: 1.5, style: .dashed))
        }
        out.append(SVG.line(margin.left, margin.top, margin.left, bottom, color: "#222", width: 1.2))
        out.append(SVG.line(margin.left, bottom, margin.left + plotWidth, bottom, color: "#222", width: 1.2))
        out.append(SVG.text(xAxis.label, x: margin.left + plotWidth / 2, y: height - 14, size: 14, anchor: "middle"))
        out.append("</svg>")
        return out.joined(separator: "\n") + "\n"
    }
}

// MARK: - Colours

/// Colour-blind-friendly colours (Okabe & Ito 2008), plus greys.
public enum Palette {
    /// Blue, #0072B2.
    public static let blue = "#0072B2"
    /// Orange, #E69F00.
    public static let orange = "#E69F00"
    /// Bluish green, #009E73.
    public static let green = "#009E73"
    /// Vermillion, #D55E00.
    public static let vermillion = "#D55E00"
    /// Reddish purple, #CC79A7.
    public static let purple = "#CC79A7"
    /// Sky blue, #56B4E9.
    public static let sky = "#56B4E9"
    /// Yellow, #F0E442 (weak on white: use for fills, not lines).
    public static let yellow = "#F0E442"
    /// Black.
    public static let black = "#000000"
    /// Mid grey, for reference lines.
    public static let grey = "#777777"
    /// Six colours for series in order: blue, vermillion, green, purple, orange, sky.
    public static let series = [blue, vermillion, green, purple, orange, sky]
}

// MARK: - SVG primitives

/// Low-level SVG writers used by the charts, public for notebooks that draw something custom.
public enum SVG {
    /// The XML declaration, the opening `<svg>` tag and a white background, as separate lines.
    public static func header(width: Double, height: Double) -> [String] {
        [
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(number(width))\" height=\"\(number(height))\" "
                + "viewBox=\"0 0 \(number(width)) \(number(height))\" "
                + "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">",
            "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>",
        ]
    }

    /// `s` with the XML special characters escaped.
    public static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// A coordinate with two decimals.
    public static func number(_ x: Double) -> String {
        let s = String(format: "%.2f", x)
        return s.hasSuffix(".00") ? String(s.dropLast(3)) : s
    }

    /// A tick value with a few significant digits and no trailing zeros.
    public static func number(_ x: Double, significantDigits: Int) -> String {
        if x == 0 { return "0" }
        let s = String(format: "%.\(significantDigits)g", x)
        return s.replacingOccurrences(of: "-", with: "−")
    }

    /// A `<text>` element; `content` is escaped.
    public static func text(_ content: String, x: Double, y: Double, size: Double, anchor: String = "start",
                     weight: String = "normal", color: String = "#111", rotate: Double? = nil) -> String {
        rawText(escape(content), x: x, y: y, size: size, anchor: anchor, weight: weight, color: color, rotate: rotate)
    }

    /// Text whose content is already SVG (escaped, possibly with `tspan`s).
    public static func rawText(_ content: String, x: Double, y: Double, size: Double, anchor: String = "start",
                        weight: String = "normal", color: String = "#111", rotate: Double? = nil) -> String {
        let transform = rotate.map { " transform=\"rotate(\(number($0)) \(number(x)) \(number(y)))\"" } ?? ""
        return "<text x=\"\(number(x))\" y=\"\(number(y))\" font-size=\"\(number(size))\" text-anchor=\"\(anchor)\" "
            + "font-weight=\"\(weight)\" fill=\"\(color)\"\(transform)>\(content)</text>"
    }

    /// A `<line>` element.
    public static func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, color: String, width: Double,
                     style: LinePlot.LineStyle = .solid) -> String {
        "<line x1=\"\(number(x1))\" y1=\"\(number(y1))\" x2=\"\(number(x2))\" y2=\"\(number(y2))\" "
            + "stroke=\"\(color)\" stroke-width=\"\(number(width))\"\(dash(style))/>"
    }

    /// The `stroke-dasharray` attribute (with a leading space) for a line style, or nothing.
    public static func dash(_ style: LinePlot.LineStyle) -> String {
        switch style {
        case .dashed: return " stroke-dasharray=\"7 5\""
        case .dotted: return " stroke-dasharray=\"2 4\""
        case .solid, .none: return ""
        }
    }

    /// The element drawing `marker` centred at (x, y), or an empty string for `.none`.
    public static func marker(_ marker: LinePlot.Marker, x: Double, y: Double, color: String) -> String {
        let r = 4.5
        switch marker {
        case .none:
            return ""
        case .circle:
            return "<circle cx=\"\(number(x))\" cy=\"\(number(y))\" r=\"\(number(r))\" fill=\"\(color)\"/>"
        case .openCircle:
            return "<circle cx=\"\(number(x))\" cy=\"\(number(y))\" r=\"\(number(r + 1.5))\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.6\"/>"
        case .square:
            return "<rect x=\"\(number(x - r))\" y=\"\(number(y - r))\" width=\"\(number(2 * r))\" height=\"\(number(2 * r))\" fill=\"\(color)\"/>"
        case .openSquare:
            return "<rect x=\"\(number(x - r))\" y=\"\(number(y - r))\" width=\"\(number(2 * r))\" height=\"\(number(2 * r))\" "
                + "fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.6\"/>"
        case .triangle:
            let h = r * 1.25
            return "<polygon points=\"\(number(x)),\(number(y - h)) \(number(x - h)),\(number(y + h * 0.8)) "
                + "\(number(x + h)),\(number(y + h * 0.8))\" fill=\"\(color)\"/>"
        case .diamond:
            let h = r * 1.3
            return "<polygon points=\"\(number(x)),\(number(y - h)) \(number(x + h)),\(number(y)) \(number(x)),\(number(y + h)) "
                + "\(number(x - h)),\(number(y))\" fill=\"\(color)\"/>"
        }
    }
}
