#!/usr/bin/env bash
# Replicated vs unreplicated: runs one chatbench scenario against a fresh
# 3-node cluster on loopback for each `replicas` value given, alternately,
# ROUNDS times (bench/RESULTS.md "Replication"). A value with "+tls" (e.g.
# "3+tls") runs that setting with TLS on the cluster port (certificates by
# scripts/make-certs.sh).
#
#   bench/cluster_compare.sh CHATNODE ROUNDS "1 3" -- chatbench ARGS...
#   e.g. bench/cluster_compare.sh build/src/chatnode 2 "1 3" -- \
#          durable --clients 48 --rooms 8 --pipeline 4 --seconds 10
#        bench/cluster_compare.sh build/src/chatnode 2 "3 3+tls" -- durable --seconds 5
#
# The chatbench binary is $CHATBENCH (default build/bench/chatbench/chatbench).
set -euo pipefail
bin="$(realpath "$1")" rounds="$2" values="$3"
shift 3
[ "${1:-}" = "--" ] && shift
repo="$(cd "$(dirname "$0")/.." && pwd)"
cb="${CHATBENCH:-$repo/build/bench/chatbench/chatbench}"
args=("$@")

run_one() { # replicas[+tls]
  local dir pids=() n replicas="${1%+tls}" tls=0
  [ "$1" = "$replicas" ] || tls=1
  dir="$(mktemp -d)"
  (umask 077 && head -c 36 /dev/urandom | base64 > "$dir/secret")
  {
    printf '[cluster]\nsecret_file = secret\npassword_cost = min\n'
    printf 'rate_burst = 100000\nrate_per_second = 100000\nreplicas = %s\n' "$replicas"
    [ $tls = 0 ] || printf 'tls_ca = tls/ca.pem\n'
    for n in 1 2 3; do
      printf '[n%s]\ncluster_port = %s\nhttp_port = %s\ndata_dir = data/n%s\n' \
        "$n" $((7570 + n)) $((8570 + n)) "$n"
      [ $tls = 0 ] || printf 'tls_cert = tls/n%s.pem\ntls_key = tls/n%s.key\n' "$n" "$n"
    done
  } > "$dir/cluster.conf"
  [ $tls = 0 ] || bash "$repo/scripts/make-certs.sh" "$dir/cluster.conf" >/dev/null
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
  echo "== replicas = $replicas$([ $tls = 0 ] || echo ', TLS on the cluster port')"
  "$cb" "${args[@]}" --cluster-conf "$dir/cluster.conf" \
    --pids "$(IFS=,; echo "${pids[*]}")" || true
  kill "${pids[@]}"; wait "${pids[@]}" || true
  rm -rf "$dir"
}

for ((i = 1; i <= rounds; i++)); do
  for r in $values; do run_one "$r"; done
done
