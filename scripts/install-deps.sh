#!/usr/bin/env bash
# Installs every Debian 12 package the project needs to build, run and test.
# Idempotent and non-interactive: safe to run on every start and in CI.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libcaf-dev libcaf-openssl0.17
  libboost1.81-dev libboost-json1.81-dev
  librocksdb-dev libcereal-dev catch2 libjemalloc-dev libraft-dev
  libsodium-dev libspdlog-dev libfmt-dev libcli11-dev libedit-dev libssl-dev openssl
  curl python3 python3-pytest python3-websockets python3-jsonschema openapi-specification
  chromium chromium-driver python3-selenium   # the web client's browser tests
  gdb   # a test node that will not stop has its thread stacks saved (tests/integration/harness.py)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
echo "installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
