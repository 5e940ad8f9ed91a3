import Foundation
import Testing
import MonteCarloCore
import StatisticalTesting
import VarianceReduction

/// The stacked estimators under the same calibration as the others: at the default R = 200 the
/// Binomial(200, 0.95) acceptance region at α = 10⁻³ starts at 179 (89.5%), so a true coverage of
/// 85% is caught with probability 0.96.
extension CalibrationTests {
    @Test("antithetic pairs + the control U²") func antitheticWithControl() throws {
        // 500 pairs, cross-fitted over 2 folds of 250; the residual is light-tailed (kurtosis 2.53).
        try calibrate(StackedExponential.stacked(.crossFitted(folds: 2)), samples: 500,
                      truth: StackedExponential.mean, label: "antithetic + U²")
    }

    @Test("randomized Sobol + the controls Σu, Σu²") func rqmcWithControls() throws {
        // 64 randomizations of 32 points in 3 dimensions: the variance has 62 degrees of freedom,
        // so the normal interval's coverage is 94.5%, well inside the acceptance region.
        try calibrate(StackedProduct.stacked(pointsPerReplicate: 32), samples: 64,
                      truth: StackedProduct.truth, label: "rqmc + controls")
    }
}
