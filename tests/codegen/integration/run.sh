#!/usr/bin/env bash
# katana_add_openapi() from a user's point of view (find_package against the build tree):
#   1. a clean build generates, compiles and links
#   2. a second build does nothing (the generator does not even run)
#   3. touching the root spec reruns the generator but recompiles nothing (same bytes)
#   4. editing a file reached only through $ref regenerates (depfile) and recompiles
# Usage: run.sh <katana_binary_dir> <cxx_compiler>      (ctest: codegen.cmake_integration)
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 <katana_binary_dir> <cxx_compiler>" >&2; exit 2; }
bin=$(cd "$1" && pwd)
cxx=$2
here=$(cd "$(dirname "$0")" && pwd)
cases=$(cd "$here/../cases" && pwd)
command -v ninja >/dev/null || { echo "codegen.cmake_integration: ninja not found" >&2; exit 1; }

# The package must be complete in the build tree (ctest may run before a full build).
cmake --build "$bin" --target katana_core katana_gen >/dev/null

work=$(mktemp -d "${TMPDIR:-/tmp}/katana-openapi-user-XXXXXX")
trap 'rm -rf "$work"' EXIT
cp "$here/CMakeLists.txt" "$here/main.cpp" "$work/"
mkdir -p "$work/spec"
cp -r "$cases/external_refs/openapi.yaml" "$cases/external_refs/schemas" "$work/spec/"

fail() { echo "codegen.cmake_integration: FAILED: $*" >&2; exit 1; }
build() { cmake --build "$work/build" -v 2>&1 | tee "$work/last.log"; }

cmake -S "$work" -B "$work/build" -G Ninja -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_PREFIX_PATH="$bin" \
  -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF >/dev/null

echo "== 1: clean build"
build >/dev/null || { cat "$work/last.log"; fail "clean build"; }
grep -q "katana_gen .*--shards" "$work/last.log" || fail "the generator did not run"
for i in 0 1 2; do
  [ -f "$work/build/shop_api_openapi/_shards/shard_$i.cpp" ] || fail "shard $i missing"
done
[ -f "$work/build/shop_api_openapi/models.hpp" ] || fail "models.hpp missing"

echo "== 2: nothing changed"
build >/dev/null
grep -q "no work to do" "$work/last.log" || { cat "$work/last.log"; fail "a no-op build did work"; }

echo "== 3: root spec touched, same bytes"
sleep 1
touch "$work/spec/openapi.yaml"
build >/dev/null
grep -q "katana_gen .*--shards" "$work/last.log" || fail "touching the spec did not rerun the generator"
if grep -q "shard_[0-9].cpp.o" "$work/last.log"; then cat "$work/last.log"; fail "unchanged output was recompiled"; fi

echo "== 4: a file reached only through \$ref changed"
sleep 1
sed -i 's/id: {type: integer, format: int64}/id: {type: integer, format: int64}\n    note: {type: string}/' \
  "$work/spec/schemas/order.yaml"
grep -q "note" "$work/spec/schemas/order.yaml" || fail "could not edit the spec copy"
build >/dev/null
grep -q "katana_gen .*--shards" "$work/last.log" || { cat "$work/last.log"; fail "editing a \$ref'd file did not regenerate (depfile)"; }
grep -q "note" "$work/build/shop_api_openapi/models.hpp" || fail "models.hpp does not have the new property"
grep -q "shard_[0-9].cpp.o" "$work/last.log" || { cat "$work/last.log"; fail "changed output was not recompiled"; }
build >/dev/null
grep -q "no work to do" "$work/last.log" || { cat "$work/last.log"; fail "the build after regeneration is not a no-op"; }

echo "codegen.cmake_integration: all steps passed"
