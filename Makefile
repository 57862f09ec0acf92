# The two commands of the README, plus a few conveniences for developers.
#   make demo   build and start the example service on http://127.0.0.1:8080
#   make test   build every configuration and run the whole test suite (what CI runs)
.PHONY: demo test test-fast deps bench clean

demo:
	@bash scripts/demo.sh

test:
	@bash scripts/test-all.sh

# Release build and its ctest run only (no sanitizers, no fuzzing): the quick inner loop.
test-fast:
	@bash scripts/test-all.sh release

deps:
	@bash scripts/install-deps.sh

bench:
	@bash scripts/install-deps.sh && cmake --preset release >/dev/null && cmake --build --preset release && \
	  build/release/bin/codegen_benchmark --benchmark_repetitions=5 --benchmark_report_aggregates_only=true && \
	  python3 benchmarks/http/bench_http.py

clean:
	rm -rf build
