# Thin wrapper over CMake. Build trees are reused: build/ (Release), build-asan/ (ASan + UBSan).
# ccache is picked up by CMakeLists.txt when installed (scripts/install-deps.sh installs it).
#
#   make build          install missing packages, configure, build
#   make run            build, then the demo: backend on :9000, sluice on :8080, admin on :9901
#   make test           ctest on build/, then unit + integration tests under the sanitizers, then fuzz
#   make fuzz           the HTTP/2 libFuzzer target for FUZZ_SECONDS (clang-14, build-fuzz/)
#   make check-config   `sluice check` on config/sluice.yaml and config/examples/*.yaml
#   make loadtest       sluice beside HAProxy and nginx (loadtest/overhead.sh)
#   make bench          build and run the admission micro-benchmarks (tests/bench, Google Benchmark)
#   make loadtest-noisy one tenant floods: sluice, HAProxy, nginx (loadtest/noisy_tenant.sh)
#   make loadtest-overload   3x overload: adaptive sluice vs tuned/untuned HAProxy, nginx
#   make loadtest-slowdown   backend 3x slower mid-run, same targets (SLOW_FACTOR=5: infeasible)
#   make loadtest-h2    h2load over h2c: sluice, HAProxy, nginx at 1/10/100 streams (loadtest/h2.sh)
#   make clean

BUILD ?= build
ASAN_BUILD ?= build-asan
JOBS ?= $(shell nproc)
CONFIGS ?= $(wildcard config/sluice.yaml config/examples/*.yaml)
SLUICE := $(BUILD)/src/app/sluice
BENCH_ARGS ?= --benchmark_min_time=0.2
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_ARGS ?=

.DEFAULT_GOAL := build
.PHONY: deps deps-loadtest configure build run test test-asan check-config loadtest bench loadtest-noisy \
	loadtest-overload loadtest-slowdown loadtest-h2 fuzz clean

deps:
	scripts/install-deps.sh

deps-loadtest:
	scripts/install-deps.sh --loadtest

configure: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DSLUICE_TESTS=ON

build: configure
	cmake --build $(BUILD) -j$(JOBS)

run: build
	BUILD=$(BUILD) scripts/run-demo.sh

test: build
	ctest --test-dir $(BUILD) --output-on-failure -j2
	$(MAKE) --no-print-directory test-asan
	$(MAKE) --no-print-directory fuzz

# The sanitizer build compiles only the two gtest binaries (the process tests drive the Release
# binary above), and runs just their tests.
test-asan: deps
	cmake -S . -B $(ASAN_BUILD) -DSLUICE_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(ASAN_BUILD) -j$(JOBS) --target unit_tests integration_tests
	UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --test-dir $(ASAN_BUILD) --output-on-failure -j2 -R '^(unit_tests|integration_tests)\.'

# libFuzzer + ASan + UBSan on http2::Connection (tests/fuzz/h2_connection_fuzz.cc). Builds only
# the libraries it links. Runs on a copy of the seed corpus (new inputs never land in the repo);
# a crash, leak or timeout leaves crash-*/leak-*/timeout-* in $(FUZZ_BUILD)/artifacts/ and fails.
# Reproduce one with: $(FUZZ_BUILD)/tests/fuzz/h2_connection_fuzz <artifact>
fuzz: deps
	CC=clang-14 CXX=clang++-14 cmake -S . -B $(FUZZ_BUILD) -DSLUICE_FUZZ=ON -DSLUICE_TESTS=OFF \
	  -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(FUZZ_BUILD) -j$(JOBS) --target h2_connection_fuzz
	@corpus=$$(mktemp -d) && trap 'rm -rf "$$corpus"' EXIT && \
	  cp tests/fuzz/corpus/h2_connection/* "$$corpus"/ && \
	  mkdir -p $(FUZZ_BUILD)/artifacts && \
	  echo "h2_connection_fuzz for $(FUZZ_SECONDS) s" && \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  $(FUZZ_BUILD)/tests/fuzz/h2_connection_fuzz -max_total_time=$(FUZZ_SECONDS) \
	    -rss_limit_mb=2048 -timeout=10 -max_len=8192 -print_final_stats=1 \
	    -dict=tests/fuzz/h2.dict -artifact_prefix=$(FUZZ_BUILD)/artifacts/ $(FUZZ_ARGS) \
	    "$$corpus"

check-config: build
	@for f in $(CONFIGS); do echo "sluice check -c $$f"; $(SLUICE) check -c $$f || exit 1; done

loadtest: deps-loadtest build
	BUILD=$(BUILD) loadtest/overhead.sh

loadtest-noisy: deps-loadtest build
	BUILD=$(BUILD) loadtest/noisy_tenant.sh

loadtest-overload: deps-loadtest build
	BUILD=$(BUILD) loadtest/overload.sh

loadtest-slowdown: deps-loadtest build
	BUILD=$(BUILD) loadtest/slowdown.sh

loadtest-h2: deps-loadtest build
	BUILD=$(BUILD) loadtest/h2.sh

# Built only when libbenchmark-dev is installed (deps-loadtest installs it); not a CTest test.
bench: deps-loadtest configure
	cmake --build $(BUILD) -j$(JOBS) --target admission_bench
	$(BUILD)/tests/bench/admission_bench $(BENCH_ARGS)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD) loadtest/out
