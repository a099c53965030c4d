#!/usr/bin/env bash
# Sets up, builds and runs every test: Catch2 unit tests and the black-box
# integration tests that start real chatnode processes on loopback.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

bash "$repo_root/scripts/build.sh"
cd "$build_dir"
ctest --output-on-failure -j "${CHAT_TEST_JOBS:-2}" "$@"
