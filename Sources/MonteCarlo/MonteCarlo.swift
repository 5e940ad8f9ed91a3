/// The umbrella module: `import MonteCarlo` brings in every public module of the toolkit.
@_exported import MonteCarloCore
@_exported import LinearAlgebra
@_exported import VarianceReduction
@_exported import StatisticalTesting
