#!/usr/bin/env bash
# Issue 17: chatnode's CPU per delivery against a floor. Runs the same
# `chatbench rooms` ladder (20 rooms x 50 members, 2 senders per room;
# 10k, 20k, 50k deliveries/s offered) against one chatnode (fresh one-node
# data dir, the bench/compare.sh config) and against bench/floor_server (a
# minimal single-threaded Beast broadcast server that stores nothing), each
# server pinned to core 0 and chatbench to core 1, and prints CPU µs per
# delivery side by side.
#
#   bench/floor_compare.sh [CHATNODE] [-- extra chatbench args]
#   env: SECONDS_PER_RUN (10), LADDER ("10000 20000 50000"), ROUNDS (1),
#        CHATBENCH, FLOOR_SERVER (default: the ones in build/)
#   ninja -C build chatnode chatbench floor_server first.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
node_bin="$(realpath "${1:-$repo/build/src/chatnode}")"
[ $# -gt 0 ] && shift
[ "${1:-}" = "--" ] && shift
extra=("$@")
cb="${CHATBENCH:-$repo/build/bench/chatbench/chatbench}"
floor_bin="${FLOOR_SERVER:-$repo/build/bench/floor_server/floor_server}"
secs="${SECONDS_PER_RUN:-10}" ladder="${LADDER:-10000 20000 50000}" rounds="${ROUNDS:-1}"
rooms=20 members=50 senders=2
for b in "$node_bin" "$cb" "$floor_bin"; do [ -x "$b" ] || { echo "missing $b (ninja -C build chatnode chatbench floor_server)" >&2; exit 1; }; done
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

wait_ready() { # url
  for _ in $(seq 100); do curl -fs -m 1 "$1" >/dev/null && return 0; sleep 0.1; done
  echo "server did not come up: $1" >&2; return 1
}

bench() { # port pid rate label
  taskset -c 1 "$cb" rooms --url "http://127.0.0.1:$1" --rooms $rooms --members $members --senders $senders \
    --rate "$3" --seconds "$secs" --pids "$2" --json -q "${extra[@]}" > "$out/$4.json" || true
}

. "$repo/bench/bench_node.sh"

run_chatnode() { # rate label
  bench_node_start "$node_bin" 7563 8563
  bench 8563 "$node_pid" "$1" "$2"
  bench_node_stop
}

run_floor() { # rate label
  local pid
  taskset -c 0 "$floor_bin" --port 8564 &
  pid=$!
  # any HTTP answer means it listens (404 here)
  for _ in $(seq 100); do curl -s -m 1 -o /dev/null http://127.0.0.1:8564/ && break; sleep 0.1; done
  bench 8564 "$pid" "$1" "$2"
  kill "$pid"; wait "$pid" || true
}

field() { jq -r "$2 // \"-\"" "$out/$1.json" 2>/dev/null || echo "-"; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "chatnode: $node_bin"
echo "rooms: $rooms x $members members, $senders senders per room, ${secs}s per run; servers on core 0, chatbench on core 1"
printf '%-8s %10s | %12s %12s %10s | %12s %12s %10s | %6s\n' round offered \
  "floor µs/d" "floor del/s" "floor p99" "node µs/d" "node del/s" "node p99" ratio
for ((r = 1; r <= rounds; r++)); do
  for offered in $ladder; do
    rate=$(( offered / (rooms * senders * members) ))
    run_floor "$rate" "floor-$r-$offered"
    run_chatnode "$rate" "node-$r-$offered"
    f="floor-$r-$offered" n="node-$r-$offered"
    fu=$(field "$f" .server.cpu_us_per_delivery) nu=$(field "$n" .server.cpu_us_per_delivery)
    ratio=$(awk -v a="$nu" -v b="$fu" 'BEGIN { if (b + 0 > 0 && a + 0 > 0) printf "%.2f", a / b; else print "-" }')
    p99() { awk -v v="$(field "$1" .latency_us.p99)" 'BEGIN { if (v + 0 > 0) printf "%.1f ms", v / 1000; else print "-" }'; }
    printf '%-8s %10s | %12s %12s %10s | %12s %12s %10s | %6s\n' "$r" "$offered" \
      "$fu" "$(field "$f" .deliveries_per_s)" "$(p99 "$f")" "$nu" "$(field "$n" .deliveries_per_s)" "$(p99 "$n")" "$ratio"
  done
done
if [ -n "${KEEP_JSON:-}" ]; then cp "$out"/*.json "$KEEP_JSON"/; fi
