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

run_one() { # label binary
  local dir pid
  dir="$(mktemp -d)"
  (umask 077 && head -c 36 /dev/urandom | base64 > "$dir/secret")
  cat > "$dir/node.conf" <<CONF
[cluster]
secret_file = secret
password_cost = min
rate_burst = 100000
rate_per_second = 100000
[n1]
cluster_port = 7562
http_port = 8562
data_dir = data
CONF
  (cd "$dir" && exec taskset -c 0 "$2" --config node.conf --node n1 --log-level warn) &
  pid=$!
  for _ in $(seq 100); do curl -fs -m 1 http://127.0.0.1:8562/readyz >/dev/null && break; sleep 0.1; done
  echo "== $1 ($2)"
  taskset -c 1 "$cb" "${args[@]}" --url http://127.0.0.1:8562 --pids "$pid" || true
  kill "$pid"; wait "$pid" || true
  rm -rf "$dir"
}

for ((i = 1; i <= rounds; i++)); do
  run_one before "$old"
  run_one after "$new"
done
