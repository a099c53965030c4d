#!/usr/bin/env bash
# Installs the Debian packages the project needs, then configures and builds
# everything (chatnode, tests, benchmarks) into build/.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

bash "$repo_root/scripts/install-deps.sh"
cmake -S "$repo_root" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
# Two jobs: a CAF translation unit needs ~1.4 GB and the machines have 2 cores.
cmake --build "$build_dir" -j "${CHAT_BUILD_JOBS:-2}"
