# MonteCarlo: `make run` builds and runs the showcase, `make test` runs the test suite.
# Both install the system libraries first when they are missing (as root; otherwise they print
# the apt-get line to run and stop).

SYSTEM_PACKAGES := libgsl-dev liblapacke-dev libopenblas-dev
SWIFT ?= swift

.PHONY: run test test-scale fuzz test-fuzz test-calibration calibration-table bench docs deps build release clean

run: deps release
	.build/release/mcest demo

# The tests run from a release build (-enable-testing for @testable imports): the same tests and
# the same numbers as a debug build, 8 times faster to run (the suite took 597 s in debug on 2
# idle cores, 73 s in release on 2 busy ones; the Markov-chain calibration suites were 545 of a
# serial 1168 s in debug), for a longer build. `swift test` alone still runs them in debug.
# OpenBLAS on one thread: the tests already run in parallel on every core, and idle OpenBLAS
# threads spinning beside them multiplied the kernel-heavy suites' time (measured: the
# Markov-chain calibration suite 42 s → 19 s, system time 33 s → 0.5 s).
TEST_BUILD := $(SWIFT) build -c release --build-tests -Xswiftc -enable-testing
test: deps
	$(TEST_BUILD)
	OPENBLAS_NUM_THREADS=1 $(SWIFT) test -c release --skip-build

# The README's sharding recipes on a real one-node Slurm cluster and with GNU parallel (root:
# installs slurm-wlm, munge and parallel when missing and starts the daemons; about a minute).
test-scale: deps
	$(SWIFT) build -c release -Xswiftc -enable-testing --product mcest
	MCEST=.build/release/mcest bash Tests/Scale/slurm.sh

# libFuzzer targets (Fuzz/: the CSV/.npy readers, the CmdStan CSV reader, shard-state decoding):
# `make test-fuzz` runs each for 30 s (CI), `make fuzz` for FUZZ_SECONDS (default 600) each, in
# release. Inputs that crash are left in Fuzz/Findings/; commit them to Fuzz/Regressions/.
FUZZ_SECONDS ?= 600
test-fuzz: deps
	bash Fuzz/run.sh 30

fuzz: deps
	FUZZ_CONFIGURATION=release bash Fuzz/run.sh $(FUZZ_SECONDS)

# A separate package that depends on this one by path (Tests/ConsumerPackage) and runs the
# README's first snippet: catches what only a dependent sees (unsafe flags, unexported modules,
# system-library lookup, cblas_* resolving to OpenBLAS). Its own scratch folder, debug build of
# the library targets only. Then the link order of every executable built here (in release, after
# make test).
.PHONY: test-consumer
test-consumer: deps
	cd Tests/ConsumerPackage && $(SWIFT) build && ./.build/debug/consumer
	bash Tests/ConsumerPackage/check-link-order.sh Tests/ConsumerPackage/.build/debug/consumer \
	  $$(find .build/release/ -maxdepth 1 -type f -perm -u+x ! -name '*.so' 2>/dev/null)

# The long calibration suites (hundreds of replications per estimator), on demand.
test-calibration: deps
	$(TEST_BUILD)
	OPENBLAS_NUM_THREADS=1 MONTECARLO_CALIBRATION=full $(SWIFT) test -c release --skip-build

# The KSG variance cells in 10 + 10 dimensions at N = 10⁴ (R = 200 each; about half an hour per
# cell on 2 cores), too long even for test-calibration: a release test build.
.PHONY: test-calibration-ksg-high-dimension
test-calibration-ksg-high-dimension: deps
	$(TEST_BUILD)
	OPENBLAS_NUM_THREADS=1 MONTECARLO_CALIBRATION=full MONTECARLO_KSG_HIGH_DIMENSION=1 \
	  $(SWIFT) test -c release --skip-build --filter ksgVarianceHighDimension

# Notebook 05's calibration table of every estimator family (R = 250 per row, or 1000 with
# MONTECARLO_CALIBRATION=full), written to the committed calibration-table.md. Fails (exit 1)
# when a row outside the notebook's known-bad list fails.
calibration-table: deps
	$(SWIFT) build -c release --product notebook-calibration
	OPENBLAS_NUM_THREADS=1 .build/release/notebook-calibration --markdown Notebooks-as-scripts/05-calibration/calibration-table.md

# Every benchmark in release with its peers (each side timed best-of-N alike), then benchreport:
# benchmark-output/summary.md and the committed Benchmarks/RESULTS.md (commit, date, machine, every
# figure). benchreport exits 1 when a benchmark or target is missing or a JSON is stale (other
# commit, or older than 24 h). Time (estimated, not yet measured on a quiet machine): the
# benchmarks of a full run about 10-15 minutes on 2 idle cores, plus the release build and, the
# first time, the peers' venv; BENCH_QUICK=1 took 29 minutes, 12 of them building, under load
# average about 20. BENCH_QUICK=1: one timing run per figure and fewer replications, to check the
# pipeline; its RESULTS.md says so at the top and is not for quoting.
BENCH_QUICK ?=
BENCH_PRODUCTS := mcbench vibench swbench mibench mcest steinbench steinvvbench chainbench mlmcbench benchreport
ifeq ($(BENCH_QUICK),)
BENCH_LABEL := Full run (make bench).
else
BENCH_LABEL := QUICK RUN (make bench BENCH_QUICK=1: one timing run per figure, fewer replications): checks the pipeline; its figures are not for quoting.
endif
bench: deps
	$(foreach p,$(BENCH_PRODUCTS),$(SWIFT) build -c release --product $(p) &&) true
	bash Benchmarks/peers/setup-venv.sh
	rm -f benchmark-output/*.json
	.build/release/mcbench --json benchmark-output/mcbench.json $(if $(BENCH_QUICK),--repetitions 2 --normals 20000000 --draws 20000000)
	.build/release/vibench --json benchmark-output/vibench.json $(if $(BENCH_QUICK),--runs 1 --repeats 50)
	.build/release/swbench --json benchmark-output/swbench.json $(if $(BENCH_QUICK),--repeats 1)
	.build/release/mibench --json benchmark-output/mibench.json $(if $(BENCH_QUICK),--repeats 1)
	.build/release/steinbench --json benchmark-output/steinbench.json $(if $(BENCH_QUICK),--repeats 1)
	.build/release/steinvvbench --json benchmark-output/steinvvbench.json $(if $(BENCH_QUICK),--replications 40)
	.build/release/chainbench --json benchmark-output/chainbench.json $(if $(BENCH_QUICK),--repeats 1)
	.build/release/mlmcbench --json benchmark-output/mlmcbench.json
	.build/release/benchreport benchmark-output --results Benchmarks/RESULTS.md --label "$(BENCH_LABEL)"

# DocC for the library modules (0 warnings expected; executables have no documentation).
LIBRARY_MODULES := MonteCarloCore LinearAlgebra VarianceReduction StatisticalTesting SteinControlVariates \
	SlicedWassersteinModule MutualInformation VariationalInference MonteCarlo
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
