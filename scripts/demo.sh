#!/usr/bin/env bash
# The README's main command: install dependencies, build, start the example service.
set -euo pipefail
cd "$(dirname "$0")/.."
# Share the ccache between clones (CI builds a fresh clone each time): hash relative paths.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
PORT=${PORT:-8080}
start=$(date +%s)
bash scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target products_api
echo "built in $(( $(date +%s) - start ))s"
echo
B=http://127.0.0.1:${PORT}
echo "Try:  curl -i -X POST $B/products -H 'Content-Type: application/json' \\"
echo "        -d '{\"sku\":\"KT-000123\",\"name\":\"Trail shoe\",\"price\":{\"amount\":129.99,\"currency\":\"EUR\"}}'"
echo "      curl -i $B/products/1"
echo "      curl -i '$B/products?limit=10&q=shoe'"
echo "      curl -i $B/openapi.json"
echo "Stop with Ctrl-C (graceful shutdown)."
exec build/release/bin/products_api --port "${PORT}" --health "$@"
