/// The umbrella module: `import MonteCarlo` brings in the toolkit's library modules.
///
/// `StatisticalTesting` is deliberately not re-exported: it links Swift Testing, which belongs in
/// test targets. Import it there: `import StatisticalTesting`.
@_exported import MonteCarloCore
@_exported import LinearAlgebra
@_exported import VarianceReduction
@_exported import SteinControlVariates
@_exported import SlicedWassersteinModule
@_exported import MutualInformation
@_exported import VariationalInference
