#!/usr/bin/env bash
# Installs every Debian package the build, tests and benchmarks need.
# Idempotent: when every package is already present it does nothing (no apt-get update).
set -euo pipefail

PACKAGES=(
  # toolchain
  build-essential g++ cmake ninja-build ccache pkg-config git
  clang-16 libclang-rt-16-dev lld-16
  # libraries (DESIGN.md "Dependencies")
  libyaml-cpp-dev nlohmann-json3-dev libfmt-dev liburing-dev libpq-dev
  libhiredis-dev prometheus-cpp-dev libpcre2-dev libsimdjson-dev rapidjson-dev
  libcli11-dev
  # tests
  libgtest-dev libgmock-dev curl procps
  postgresql-15 postgresql-client-15 redis-server
  # benchmarks
  libbenchmark-dev wrk nginx-light util-linux python3
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian starts these services on install; the project starts its own throwaway servers.
for svc in nginx redis-server postgresql; do
  if command -v systemctl >/dev/null 2>&1; then $SUDO systemctl disable --now "$svc" >/dev/null 2>&1 || true; fi
  $SUDO service "$svc" stop >/dev/null 2>&1 || true
done
