# Sourced by the bench scripts: one chatnode on a fresh data dir, pinned
# to core 0 (bench/RESULTS.md set-up), with limits high enough for a load
# generator on one address.
#   bench_node_start BINARY CLUSTER_PORT HTTP_PORT   sets node_pid and node_dir
#   bench_node_stop

bench_node_start() {
  node_dir="$(mktemp -d)"
  (umask 077 && head -c 36 /dev/urandom | base64 > "$node_dir/secret")
  cat > "$node_dir/node.conf" <<CONF
[cluster]
secret_file = secret
password_cost = min
rate_burst = 100000
rate_per_second = 100000
[n1]
cluster_port = $2
http_port = $3
data_dir = data
CONF
  (cd "$node_dir" && exec taskset -c 0 "$1" --config node.conf --node n1 --log-level warn) &
  node_pid=$!
  for _ in $(seq 100); do curl -fs -m 1 "http://127.0.0.1:$3/readyz" >/dev/null && return 0; sleep 0.1; done
  echo "chatnode did not come up on port $3" >&2
  return 1
}

bench_node_stop() {
  kill "$node_pid"; wait "$node_pid" || true
  rm -rf "$node_dir"
}
