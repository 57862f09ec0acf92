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
cmake --build --preset release --target hello
echo "built in $(( $(date +%s) - start ))s"
echo
echo "Try:  curl -i http://127.0.0.1:${PORT}/plaintext"
echo "      curl -i http://127.0.0.1:${PORT}/json"
echo "      curl -i http://127.0.0.1:${PORT}/healthz"
echo "Stop with Ctrl-C (graceful shutdown)."
exec build/release/bin/hello --port "${PORT}" --health "$@"
