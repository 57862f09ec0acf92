#!/usr/bin/env bash
# Builds tests/consumer (a tiny out-of-tree project) every way a user can consume KATANA and runs
# each binary:
#   1. find_package(katana) against the build tree     (CMAKE_PREFIX_PATH=<binary_dir>)
#   2. add_subdirectory(<source_dir>)
#   3. pkg-config against the build tree               (PKG_CONFIG_PATH=<binary_dir>), plain compiler
#   4. cmake --install into a temporary prefix, then find_package and pkg-config against it, and
#      katana_add_openapi() running the installed katana_gen
# Usage: run.sh <katana_source_dir> <katana_binary_dir>   (ctest: consumer.three_ways)
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 <katana_source_dir> <katana_binary_dir>" >&2
  exit 2
fi
src=$(cd "$1" && pwd)
bin=$(cd "$2" && pwd)
consumer="$src/tests/consumer"
[ -f "$bin/CMakeCache.txt" ] || { echo "consumer: $bin is not a configured katana build dir" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/katana-consumer-XXXXXX")
trap 'rm -rf "$work"' EXIT
step="setup"
trap 'echo "consumer: FAILED during: $step" >&2' ERR

# The machine is shared: stay at two jobs unless told otherwise.
export CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-2}"

cache_value() { sed -n "s/^$1:[A-Z]*=//p" "$bin/CMakeCache.txt" | head -n1; }
cxx=$(cache_value CMAKE_CXX_COMPILER)
cxx=${cxx:-c++}
generator=()
if command -v ninja >/dev/null 2>&1; then generator=(-G Ninja); fi
launcher=()
cmake_launcher=()
if command -v ccache >/dev/null 2>&1; then
  launcher=(ccache)
  cmake_launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
# Same compiler as the katana build (a clang build dir gets a clang consumer); no package registry,
# so only the trees named here can be found.
common=("${generator[@]}" "${cmake_launcher[@]}" -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
        -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF)

expected="method: DELETE
status: Not Found
parsed: GET
path: /items/42
query: verbose=1
host: consumer.example"

check_run() { # <what> <executable>
  local out
  if ! out=$("$2"); then
    echo "consumer: FAILED: $1: $2 exited with an error; output:" >&2
    echo "$out" >&2
    return 1
  fi
  if [ "$out" != "$expected" ]; then
    echo "consumer: FAILED: $1: unexpected output" >&2
    diff <(echo "$expected") <(echo "$out") >&2 || true
    return 1
  fi
  echo "consumer: ok: $1"
}

quiet() { # run a command, show its output only when it fails
  local log="$work/last.log"
  if ! "$@" >"$log" 2>&1; then
    cat "$log" >&2
    return 1
  fi
}

step="building katana_core and the generator in $bin"
quiet cmake --build "$bin" --target katana_core katana_gen katana

step="1: find_package against the build tree"
quiet cmake -S "$consumer" -B "$work/find-build" "${common[@]}" -DKATANA_CONSUMER_MODE=find_package \
  -DCMAKE_PREFIX_PATH="$bin" -DKATANA_EXPECT_CONFIG_UNDER="$bin"
quiet cmake --build "$work/find-build"
check_run "$step" "$work/find-build/katana_consumer"

step="2: add_subdirectory of the source tree"
quiet cmake -S "$consumer" -B "$work/subdir-build" "${common[@]}" -DKATANA_CONSUMER_MODE=add_subdirectory \
  -DKATANA_SOURCE_DIR="$src"
quiet cmake --build "$work/subdir-build"
check_run "$step" "$work/subdir-build/katana_consumer"

pkg_build() { # <what> <pkg_config_path> <out_dir>
  mkdir -p "$3"
  local version cflags libs
  version=$(PKG_CONFIG_PATH="$2" pkg-config --modversion katana)
  cflags=$(PKG_CONFIG_PATH="$2" pkg-config --cflags katana)
  libs=$(PKG_CONFIG_PATH="$2" pkg-config --libs katana)
  echo "consumer: $1: katana $version: $cflags $libs"
  # shellcheck disable=SC2086 # the flags are meant to be split
  quiet "${launcher[@]}" "$cxx" -Wall -Wextra -Wpedantic -Werror $cflags "$consumer/main.cpp" $libs -o "$3/katana_consumer"
}

step="3: pkg-config against the build tree"
pkg_build "$step" "$bin" "$work/pc-build"
check_run "$step" "$work/pc-build/katana_consumer"

step="4: cmake --install into a prefix"
prefix="$work/prefix"
quiet cmake --install "$bin" --prefix "$prefix"
# An installed package must not point back into the source or build tree.
if grep -rlF -e "$src/katana" -e "$bin" "$prefix" --include='*.cmake' --include='*.pc' >&2; then
  echo "consumer: FAILED: installed package files above refer to the source or build tree" >&2
  exit 1
fi

step="4a: find_package against the install prefix"
quiet cmake -S "$consumer" -B "$work/install-find-build" "${common[@]}" -DKATANA_CONSUMER_MODE=find_package \
  -DCMAKE_PREFIX_PATH="$prefix" -DKATANA_EXPECT_CONFIG_UNDER="$prefix"
quiet cmake --build "$work/install-find-build"
check_run "$step" "$work/install-find-build/katana_consumer"

step="4b: pkg-config against the install prefix"
pc_file=$(find "$prefix" -name katana.pc -path '*/pkgconfig/*' | head -n1)
[ -n "$pc_file" ] || { echo "consumer: FAILED: no katana.pc installed under $prefix" >&2; exit 1; }
pkg_build "$step" "$(dirname "$pc_file")" "$work/install-pc-build"
check_run "$step" "$work/install-pc-build/katana_consumer"

step="4c: katana_add_openapi() with the installed katana_gen"
openapi_user="$work/openapi-user"
mkdir -p "$openapi_user/spec"
cp "$src/tests/codegen/integration/CMakeLists.txt" "$src/tests/codegen/integration/main.cpp" "$openapi_user/"
cp -r "$src/tests/codegen/cases/external_refs/openapi.yaml" "$src/tests/codegen/cases/external_refs/schemas" \
  "$openapi_user/spec/"
quiet cmake -S "$openapi_user" -B "$work/install-openapi-build" "${common[@]}" -DCMAKE_PREFIX_PATH="$prefix"
quiet cmake --build "$work/install-openapi-build"
if ! grep -rqsF --include='*.ninja' --include='*.make' "$prefix/bin/katana_gen" "$work/install-openapi-build"; then
  echo "consumer: FAILED: $step: the build did not run $prefix/bin/katana_gen" >&2
  exit 1
fi
echo "consumer: ok: $step"

echo "consumer: all ways passed"
