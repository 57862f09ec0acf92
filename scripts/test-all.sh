#!/usr/bin/env bash
# The README's test command and what CI runs: every build configuration and every test label.
#   scripts/test-all.sh            all stages
#   scripts/test-all.sh STAGE...   only these (release dev tsan fuzz)
# Stages share ccache, so a second run rebuilds little.
set -uo pipefail
cd "$(dirname "$0")/.."
# Share the ccache between clones (CI builds a fresh clone each time): hash relative paths.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1

bash scripts/install-deps.sh || { echo "install-deps failed" >&2; exit 1; }

JOBS=${JOBS:-$(nproc)}
stages=("$@")
[ ${#stages[@]} -eq 0 ] && stages=(release dev tsan fuzz)

total_passed=0
total_failed=0
failed_stages=()
log_dir=build/test-logs
mkdir -p "$log_dir"

# run_stage NAME PRESET CTEST_ARGS...
run_stage() {
    local name=$1 preset=$2
    shift 2
    local t0=$SECONDS
    echo "=== [$name] configure + build ($preset)"
    if ! cmake --preset "$preset" >"$log_dir/$name-configure.log" 2>&1; then
        cat "$log_dir/$name-configure.log"
        failed_stages+=("$name(configure)")
        total_failed=$((total_failed + 1))
        return
    fi
    local extra_targets=()
    # Every public header must compile on its own (DESIGN.md practice 1).
    [ "$name" = release ] && extra_targets=(--target all check-headers)
    # TSan only runs the unit and e2e binaries: building the generated conformance suites and
    # benchmarks a fourth time would only cost CI time.
    [ "$name" = tsan ] && extra_targets=(--target katana_unit_tests katana_e2e_tests hello products_api http_parser_fuzz_replay)
    if ! cmake --build --preset "$preset" -j "$JOBS" "${extra_targets[@]}" >"$log_dir/$name-build.log" 2>&1; then
        grep -E "error|Error|FAILED" "$log_dir/$name-build.log" | head -50
        failed_stages+=("$name(build)")
        total_failed=$((total_failed + 1))
        return
    fi
    echo "=== [$name] ctest $*"
    ctest --test-dir "build/$preset" --output-on-failure --no-tests=error "$@" 2>&1 | tee "$log_dir/$name-ctest.log"
    local rc=${PIPESTATUS[0]}
    local line
    line=$(grep -E "tests passed, [0-9]+ tests? failed out of [0-9]+" "$log_dir/$name-ctest.log" | tail -1)
    local failed_n total_n
    failed_n=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$line")
    total_n=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\2/' <<<"$line")
    if [ -z "$line" ]; then failed_n=1; total_n=1; fi
    total_passed=$((total_passed + total_n - failed_n))
    total_failed=$((total_failed + failed_n))
    if [ "$rc" -ne 0 ]; then failed_stages+=("$name"); fi
    echo "=== [$name] done in $((SECONDS - t0))s"
}

for stage in "${stages[@]}"; do
    case "$stage" in
    release) run_stage release release -j "$JOBS" -LE fuzz ;;
    dev) run_stage dev dev -j "$JOBS" -L "unit|e2e|conformance|golden" ;;
    tsan) run_stage tsan tsan -j 1 -L "unit|e2e" -E codegen_benchmark_self_check ;;
    # clang's UBSan flags RapidJSON's own stack (null + offset) inside the benchmark's contestants;
    # the self-check runs in the release and dev stages.
    fuzz) run_stage fuzz fuzz -j 1 -L "fuzz|unit" -E codegen_benchmark_self_check ;;
    *) echo "unknown stage: $stage" >&2; exit 2 ;;
    esac
done

echo
if [ ${#failed_stages[@]} -ne 0 ]; then echo "failed stages: ${failed_stages[*]}"; fi
echo "katana: ${total_passed} passed, ${total_failed} failed"
[ "$total_failed" -eq 0 ] && [ ${#failed_stages[@]} -eq 0 ]
