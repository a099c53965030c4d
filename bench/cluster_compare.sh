#!/usr/bin/env bash
# Replicated vs unreplicated: runs one chatbench scenario against a fresh
# 3-node cluster on loopback for each `replicas` value given, alternately,
# ROUNDS times (bench/RESULTS.md "Replication").
#
#   bench/cluster_compare.sh CHATNODE ROUNDS "1 3" -- chatbench ARGS...
#   e.g. bench/cluster_compare.sh build/src/chatnode 2 "1 3" -- \
#          durable --clients 48 --rooms 8 --pipeline 4 --seconds 10
#
# The chatbench binary is $CHATBENCH (default build/bench/chatbench/chatbench).
set -euo pipefail
bin="$(realpath "$1")" rounds="$2" values="$3"
shift 3
[ "${1:-}" = "--" ] && shift
repo="$(cd "$(dirname "$0")/.." && pwd)"
cb="${CHATBENCH:-$repo/build/bench/chatbench/chatbench}"
args=("$@")

run_one() { # replicas
  local dir pids=() n
  dir="$(mktemp -d)"
  (umask 077 && head -c 36 /dev/urandom | base64 > "$dir/secret")
  {
    printf '[cluster]\nsecret_file = secret\npassword_cost = min\n'
    printf 'rate_burst = 100000\nrate_per_second = 100000\nreplicas = %s\n' "$1"
    for n in 1 2 3; do
      printf '[n%s]\ncluster_port = %s\nhttp_port = %s\ndata_dir = data/n%s\n' \
        "$n" $((7570 + n)) $((8570 + n)) "$n"
    done
  } > "$dir/cluster.conf"
  for n in 1 2 3; do
    (cd "$dir" && exec "$bin" --config cluster.conf --node "n$n" --log-level warn) &
    pids+=($!)
  done
  for n in 1 2 3; do # every node sees every peer (and, replicated, leads its group)
    for _ in $(seq 300); do
      curl -fs -m 1 "http://127.0.0.1:$((8570 + n))/readyz?all=1" >/dev/null && break
      sleep 0.1
    done
  done
  echo "== replicas = $1"
  "$cb" "${args[@]}" --cluster-conf "$dir/cluster.conf" \
    --pids "$(IFS=,; echo "${pids[*]}")" || true
  kill "${pids[@]}"; wait "${pids[@]}" || true
  rm -rf "$dir"
}

for ((i = 1; i <= rounds; i++)); do
  for r in $values; do run_one "$r"; done
done
