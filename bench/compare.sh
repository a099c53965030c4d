#!/usr/bin/env bash
# Before/after figures: runs one chatbench scenario against two chatnode
# binaries, alternately (A B A B ...), each on a fresh one-node data dir,
# node pinned to core 0 and chatbench to core 1 (bench/RESULTS.md set-up).
#
#   bench/compare.sh OLD_CHATNODE NEW_CHATNODE ROUNDS -- chatbench ARGS...
#   e.g. bench/compare.sh /tmp/old/chatnode build/src/chatnode 2 -- \
#          durable --clients 64 --rooms 64 --pipeline 8 --seconds 10
#
# Prints one JSON report per run, labelled; the chatbench binary is
# $CHATBENCH (default build/bench/chatbench/chatbench).
set -euo pipefail
old="$(realpath "$1")" new="$(realpath "$2")" rounds="$3"
shift 3
[ "${1:-}" = "--" ] && shift
repo="$(cd "$(dirname "$0")/.." && pwd)"
cb="${CHATBENCH:-$repo/build/bench/chatbench/chatbench}"
args=("$@")

. "$repo/bench/bench_node.sh"

run_one() { # label binary
  bench_node_start "$2" 7562 8562 || true
  echo "== $1 ($2)"
  taskset -c 1 "$cb" "${args[@]}" --url http://127.0.0.1:8562 --pids "$node_pid" || true
  bench_node_stop
}

for ((i = 1; i <= rounds; i++)); do
  run_one before "$old"
  run_one after "$new"
done
