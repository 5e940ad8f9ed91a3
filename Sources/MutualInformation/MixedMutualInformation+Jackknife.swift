import Foundation
import MonteCarloCore

/// The exact leave-one-out values of the mixed estimator, from one pass's neighbours and counts.
///
/// Removing point j changes log N to log(N − 1) and the other points' terms tᵢ as follows
/// (all counts include the point itself):
/// - ρᵢ > 0 and j not among i's k nearest: ρᵢ stays; nₓ,ᵢ drops by one if j is strictly inside
///   ρᵢ in X (tᵢ rises by ψ(nₓ,ᵢ) − ψ(nₓ,ᵢ − 1)), likewise in Y;
/// - ρᵢ > 0 and j among i's k nearest: ρᵢ becomes the (k + 1)-th distance ρ⁺ᵢ and the counts
///   are those strictly inside ρ⁺ᵢ, less j where j is inside;
/// - ρᵢ = 0 and zⱼ ≠ zᵢ: the tie counts of xᵢ and yᵢ drop by one where xⱼ = xᵢ, yⱼ = yᵢ;
/// - ρᵢ = 0 and zⱼ = zᵢ (a tie of g = k̃ᵢ ≥ k + 1 points): if g ≥ k + 2, ρᵢ stays 0 and all three
///   tie counts drop by one; if g = k + 1, ρᵢ becomes ρ⁺ᵢ > 0 (the distance to the nearest
///   point outside the tie) and tᵢ takes the ρ > 0 form there, without j. Every point of the
///   tie has the same change.
/// The first and third are scatters of per-point increments over windows (strict at ρᵢ, or
/// equality); the second is a correction over the k·N neighbour pairs; the fourth one per tie.
extension MixedMutualInformation {
    /// What the value's pass knows about each point (by index).
    struct PointData {
        var terms: [Double]
        var radius: [Double]
        /// nₓ,ᵢ, n_y,ᵢ and (where ρᵢ = 0) k̃ᵢ as used in tᵢ.
        var countX: [Int], countY: [Int], countZ: [Int]
        /// The k + 1 nearest joint neighbours.
        var table: NeighborTable
    }

    /// Î₋ⱼ for every j (N values).
    static func leaveOneOut(_ points: PointData, x: NeighborSample, y: NeighborSample,
                            spaceX: KSGJackknife.Marginal, spaceY: KSGJackknife.Marginal,
                            psi: [Double], k: Int, chunks: Int) -> [Double] {
        let n = points.terms.count, search = k + 1, dx = x.dimension, dy = y.dimension
        let radius = points.radius, countX = points.countX, countY = points.countY
        // Increment of tᵢ when one point leaves i's window (strict at ρᵢ, or the tie of xᵢ).
        var weightX = [Double](repeating: 0, count: n), weightY = weightX
        var nextRadius = [Double](repeating: 0, count: n)
        for i in 0..<n {
            weightX[i] = countX[i] >= 2 ? psi[countX[i]] - psi[countX[i] - 1] : 0
            weightY[i] = countY[i] >= 2 ? psi[countY[i]] - psi[countY[i] - 1] : 0
            nextRadius[i] = points.table.distances[i * search + k]
        }
        var spreadX = spaceX.spread(weightX, radii: radius, coordinates: x.values, dimension: dx, strict: true, chunks: chunks)
        var spreadY = spaceY.spread(weightY, radii: radius, coordinates: y.values, dimension: dy, strict: true, chunks: chunks)
        let tied = radius.contains(0)
        if tied {
            // Points with ρᵢ = 0: their windows are the ties (the strict windows above were empty).
            var tiedWeightX = weightX, tiedWeightY = weightY
            for i in 0..<n where radius[i] > 0 {
                tiedWeightX[i] = 0
                tiedWeightY[i] = 0
            }
            let zero = [Double](repeating: 0, count: n)
            let tiesX = spaceX.spread(tiedWeightX, radii: zero, coordinates: x.values, dimension: dx, strict: false, chunks: chunks)
            let tiesY = spaceY.spread(tiedWeightY, radii: zero, coordinates: y.values, dimension: dy, strict: false, chunks: chunks)
            for j in 0..<n {
                spreadX[j] += tiesX[j]
                spreadY[j] += tiesY[j]
            }
        }
        let nextX = spaceX.counts(nextRadius, coordinates: x.values, dimension: dx, strict: true, chunks: chunks)
        let nextY = spaceY.counts(nextRadius, coordinates: y.values, dimension: dy, strict: true, chunks: chunks)
        // Dⱼ = Σ_{i ≠ j} (change of tᵢ), log N aside; j's own window holds j, so its weight leaves.
        var change = [Double](repeating: 0, count: n)
        for j in 0..<n { change[j] = spreadX[j] - weightX[j] + spreadY[j] - weightY[j] }
        for i in 0..<n where radius[i] > 0 {
            let base = i * search
            for s in 0..<k {
                let j = points.table.indices[base + s]
                let gx = Self.gap(i, j, x.values, dx), gy = Self.gap(i, j, y.values, dy)
                let mx = nextX[i] - (gx < nextRadius[i] ? 1 : 0), my = nextY[i] - (gy < nextRadius[i] ? 1 : 0)
                let counted = (gx < radius[i] ? weightX[i] : 0) + (gy < radius[i] ? weightY[i] : 0)
                change[j] += psi[countX[i]] + psi[countY[i]] - psi[mx] - psi[my] - counted
            }
        }
        if tied {
            for j in 0..<n where radius[j] == 0 {
                // The other g − 1 points of j's tie all change alike (j's own counts are theirs).
                let g = points.countZ[j]
                let tie: Double
                if g >= k + 2 {
                    tie = psi[g - 1] - psi[g]
                } else {
                    tie = psi[k] - psi[g] + psi[countX[j]] + psi[countY[j]] - psi[nextX[j] - 1] - psi[nextY[j] - 1]
                        - weightX[j] - weightY[j]
                }
                change[j] += Double(g - 1) * tie
            }
        }
        var total = 0.0
        for t in points.terms { total += t }
        let shift = log(Double(n - 1)) - log(Double(n))
        var values = [Double](repeating: 0, count: n)
        for j in 0..<n { values[j] = (total - points.terms[j] + change[j]) / Double(n - 1) + shift }
        return values
    }

    /// The max-norm distance between points i and j of a row-major sample of dimension d.
    @inline(__always)
    static func gap(_ i: Int, _ j: Int, _ values: [Double], _ d: Int) -> Double {
        var g = 0.0
        for c in 0..<d { g = max(g, abs(values[j * d + c] - values[i * d + c])) }
        return g
    }
}
