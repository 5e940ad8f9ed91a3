import Testing

extension Tag {
    /// Calibration suites: many replications checking coverage, variance calibration and bias.
    ///
    /// Tag slow statistical suites with it so that test plans and reports can select, skip or
    /// group them, and size them with ``CalibrationScale`` so that the default run stays fast.
    ///
    /// ```swift
    /// @Test(.tags(.calibration)) func coverageOfAntitheticSampling() throws { … }
    /// ```
    @Tag public static var calibration: Self
}

extension Trait where Self == ConditionTrait {
    /// Runs a test only in the full calibration suite (`MONTECARLO_CALIBRATION=full`).
    ///
    /// ```swift
    /// @Test(.tags(.calibration), .fullCalibrationOnly) func tenThousandReplications() throws { … }
    /// ```
    public static var fullCalibrationOnly: Self {
        .enabled(
            if: CalibrationScale.current == .full,
            "runs only with \(CalibrationScale.environmentVariable)=full (make test-calibration)")
    }
}
