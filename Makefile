# The front door. Everything goes through CMake; these targets are the documented commands.
#   make            build the library, tests and tools into build/
#   make check      every test (unit, vectors, fault sweeps, symbol check)
#   make demo       build, start httpbin on 127.0.0.1 and run examples/demo against it
#   make size       Cortex-M4 footprint: engine, client profiles, sizeof(static_client); budgets
#   make cross      build htpx_core with every toolchain in toolchains/
#   make fuzz       run each fuzz target for FUZZ_SECONDS under ASan+UBSan (clang, libFuzzer)
#   make bench-parse  instructions per response (callgrind) beside http-parser
#   make bench      the client beside wrk, h2load and libcurl against nginx (minutes; not in check)
#   make format     clang-format every source file

BUILD ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
FUZZ_SECONDS ?= 30
CMAKE_GENERATOR ?= $(if $(shell command -v ninja 2>/dev/null),Ninja,Unix Makefiles)

.PHONY: all build check size cross fuzz bench-parse bench bench-tls format clean demo

all: build

build:
	cmake -S . -B $(BUILD) -G "$(CMAKE_GENERATOR)" -DCMAKE_BUILD_TYPE=Release
	cmake --build $(BUILD) -j $(JOBS)

check: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

demo: build
	examples/demo/run.sh $(BUILD)

size:
	toolchains/size.sh

cross:
	toolchains/cross.sh

fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run.sh

bench-parse: build
	bench/bench-parse.sh

# What TLS session resumption saves: full vs resumed handshakes against the TLS nginx fixture.
bench-tls: build
	HTPX_REQUIRE_SERVERS=1 tests/integration/run-with-servers.sh --name bench-tls --tls -- \
	  sh -c '$(BUILD)/bin/htpx-tls-resumption-bench "$$HTPX_TLS_CA_FILE" "$$HTPX_TLS_URL/" 50'

bench: build
	bench/run-bench.sh $(BUILD)

format:
	clang-format -i $$(git ls-files '*.hpp' '*.cpp' '*.h')

clean:
	rm -rf $(BUILD) build-*
