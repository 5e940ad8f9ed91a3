extension PairedSamples {
    /// Warnings for data on which a nearest-neighbour estimate of I(X; Y) means nothing, though
    /// it comes out finite (often with a standard error of 0):
    /// - a constant column: every neighbour count in that coordinate is a tie;
    /// - a column of Y equal to a column of X (X = Y, or Y sharing a coordinate with X): for
    ///   continuous variables I(X; Y) is then infinite, and the estimate reflects only N and k.
    /// - Complexity: O(n · (d_x + d_y) + n · d_x · d_y) comparisons, stopping at the first difference.
    var degeneracyWarnings: [String] {
        let d = xDimension + yDimension
        var warnings: [String] = []
        func name(_ column: Int) -> String {
            column < xDimension ? "column \(column) of X" : "column \(column - xDimension) of Y"
        }
        let constant = (0..<d).filter { c in (1..<count).allSatisfy { joint[$0 * d + c] == joint[c] } }
        if !constant.isEmpty {
            warnings.append("\(constant.map(name).joined(separator: ", ")) constant: a constant carries no information "
                + "and makes every neighbour count in it a tie, so the estimate and its standard error are meaningless; "
                + "drop the column.")
        }
        var shared: [String] = []
        for cx in 0..<xDimension where !constant.contains(cx) {
            for cy in xDimension..<d where (0..<count).allSatisfy({ joint[$0 * d + cx] == joint[$0 * d + cy] }) {
                shared.append("\(name(cy)) equals \(name(cx))")
            }
        }
        if !shared.isEmpty {
            warnings.append("\(shared.joined(separator: ", ")): Y determines part of X exactly, so for continuous "
                + "variables I(X; Y) is infinite; the finite estimate reflects only N and k, not the data.")
        }
        return warnings
    }
}
