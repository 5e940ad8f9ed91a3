internal import MonteCarloShims

/// The module's only door to C: the vectorised fill of the first-order Gaussian Stein kernel
/// (`Sources/MonteCarloShims/SteinKernel.c`).
enum SteinKernelShims {
    /// Points and scores of m draws stored coordinate-major (coordinate c of draw a at
    /// `c * count + a`), the layout the C kernel reads with unit stride.
    struct CoordinateMajorDraws {
        let count: Int
        let dimension: Int
        let points: [Double]
        let scores: [Double]

        /// The draws `indices` of `sample`.
        init(_ sample: SteinSample, _ indices: [Int]) {
            let (m, d) = (indices.count, sample.dimension)
            var points = [Double](repeating: 0, count: m * d)
            var scores = points
            for (a, i) in indices.enumerated() {
                for c in 0..<d {
                    points[c * m + a] = sample.points[i * d + c]
                    scores[c * m + a] = sample.scores[i * d + c]
                }
            }
            (count, dimension, self.points, self.scores) = (m, d, points, scores)
        }
    }

    /// Writes k0(x_a, y) for the rows a = `firstRow` ..< `rowCount` to `out[0 ..< rowCount − firstRow]`,
    /// k0 the first-order Stein kernel of the Gaussian base kernel with length-scale ℓ and y, u(y)
    /// the `dimension` numbers at `columnPoint`, `columnScore`.
    ///
    /// Equal to ``LangevinSteinKernel/gaussianEntry(_:_:_:_:_:_:_:_:_:)`` up to the C kernel's
    /// `mc_exp` (within 2.2 ulp of the correctly rounded exponential): the coordinate sums and the
    /// bracket are the same IEEE operations in the same order, so entries agree to a few ulps.
    static func gaussianColumn(
        into out: UnsafeMutablePointer<Double>, rows: UnsafePointer<Double>, rowScores: UnsafePointer<Double>,
        rowCount: Int, firstRow: Int, dimension: Int, columnPoint: UnsafePointer<Double>,
        columnScore: UnsafePointer<Double>, lengthScale: Double
    ) {
        let l2 = lengthScale * lengthScale
        let parameters = mc_stein_gaussian_parameters(
            half: -0.5 / l2, inverse: 1 / l2, inverse2: 1 / (l2 * l2), d_over_l2: Double(dimension) * (1 / l2))
        mc_stein_gaussian_column(
            out, rows + firstRow, rowScores + firstRow, rowCount, rowCount - firstRow, dimension,
            columnPoint, columnScore, parameters)
    }
}
