# MonteCarlo: `make run` builds and runs the showcase, `make test` runs the test suite.
# Both install the system libraries first when they are missing (as root; otherwise they print
# the apt-get line to run and stop).

SYSTEM_PACKAGES := libgsl-dev liblapacke-dev libopenblas-dev
SWIFT ?= swift

.PHONY: run test test-scale fuzz test-fuzz test-calibration calibration-table bench docs deps build release clean

run: deps release
	.build/release/mcest demo

# OpenBLAS on one thread: swift test already runs suites in parallel on every core, and idle
# OpenBLAS threads spinning beside them multiplied the kernel-heavy suites' time (measured: the
# Markov-chain calibration suite 42 s → 19 s, system time 33 s → 0.5 s).
test: deps
	OPENBLAS_NUM_THREADS=1 $(SWIFT) test

# The README's sharding recipes on a real one-node Slurm cluster and with GNU parallel (root:
# installs slurm-wlm, munge and parallel when missing and starts the daemons; about a minute).
test-scale: deps
	$(SWIFT) build --product mcest
	MCEST=.build/debug/mcest bash Tests/Scale/slurm.sh

# libFuzzer targets (Fuzz/: the CSV/.npy readers, the CmdStan CSV reader, shard-state decoding):
# `make test-fuzz` runs each for 30 s (CI), `make fuzz` for FUZZ_SECONDS (default 600) each, in
# release. Inputs that crash are left in Fuzz/Findings/; commit them to Fuzz/Regressions/.
FUZZ_SECONDS ?= 600
test-fuzz: deps
	bash Fuzz/run.sh 30

fuzz: deps
	FUZZ_CONFIGURATION=release bash Fuzz/run.sh $(FUZZ_SECONDS)

# The long calibration suites (hundreds of replications per estimator), on demand.
test-calibration: deps
	OPENBLAS_NUM_THREADS=1 MONTECARLO_CALIBRATION=full $(SWIFT) test

# Notebook 05's calibration table of every estimator family (R = 200 per row, or 1000 with
# MONTECARLO_CALIBRATION=full), written to the committed calibration-table.md. Fails (exit 1)
# when a row outside the notebook's known-bad list fails.
calibration-table: deps
	$(SWIFT) build -c release --product notebook-calibration
	OPENBLAS_NUM_THREADS=1 .build/release/notebook-calibration --markdown Notebooks-as-scripts/05-calibration/calibration-table.md

bench: deps
	$(SWIFT) build -c release --product mcbench
	$(SWIFT) build -c release --product vibench
	.build/release/mcbench --json benchmark-output/mcbench.json
	.build/release/vibench --json benchmark-output/vibench.json
	bash Benchmarks/peers/setup-venv.sh
	$(SWIFT) build -c release --product swbench
	$(SWIFT) build -c release --product mibench
	$(SWIFT) build -c release --product mcest
	.build/release/swbench --json benchmark-output/swbench.json
	.build/release/mibench --json benchmark-output/mibench.json
	$(SWIFT) build -c release --product steinbench
	.build/release/steinbench --json benchmark-output/steinbench.json
	$(SWIFT) build -c release --product steinvvbench
	.build/release/steinvvbench --json benchmark-output/steinvvbench.json
	$(SWIFT) build -c release --product chainbench
	.build/release/chainbench --json benchmark-output/chainbench.json
	$(SWIFT) build -c release --product benchreport
	.build/release/benchreport benchmark-output

# DocC for the library modules (0 warnings expected; executables have no documentation).
LIBRARY_MODULES := MonteCarloCore LinearAlgebra VarianceReduction StatisticalTesting SteinControlVariates \
	SlicedWasserstein MutualInformation VariationalInference MonteCarlo
docs: deps
	$(SWIFT) package generate-documentation $(foreach m,$(LIBRARY_MODULES),--target $(m))

release: deps
	$(SWIFT) build -c release --product mcest

build: deps
	$(SWIFT) build

deps:
	@missing=""; \
	for p in $(SYSTEM_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "Installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else \
	    echo "Missing system packages:$$missing"; \
	    echo "Run: sudo apt-get install -y $(SYSTEM_PACKAGES)"; \
	    exit 1; \
	  fi; \
	fi

clean:
	rm -rf .build
