#!/usr/bin/env bash
# Sets up, builds and starts every node of a cluster.conf on this machine in
# the background (logs in var/log/, pids in var/run/), creating the cluster
# secret if it is missing (mode 0600: a node refuses a secret others may read)
# and, when the config turns TLS on (tls_ca), the CA and certificates it names
# that do not exist yet (scripts/make-certs.sh). Waits until every node answers /healthz, then until
# every node answers /readyz?all=1 with 200 (it sees all its peers; at
# most $CHAT_READY_TIMEOUT s, default 30), and prints the URLs. Exits 1 with the
# log tails if a node does not start or the cluster does not become ready.
#   scripts/start.sh [cluster.conf]
# CHAT_SKIP_BUILD=1 starts the binary already built (in $CHAT_BUILD_DIR, default build/).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
conf="$(realpath "${1:-$repo_root/cluster.conf}")"

[ "${CHAT_SKIP_BUILD:-0}" = 1 ] || bash "$repo_root/scripts/build.sh"
[ -x "$chatnode_bin" ] || { echo "$chatnode_bin not found: build it (scripts/build.sh)" >&2; exit 1; }

secret="$(secret_path "$conf")"
if [ ! -f "$secret" ]; then
  mkdir -p "$(dirname "$secret")"
  (umask 077 && head -c 48 /dev/urandom | base64 -w0 > "$secret")
  echo "created cluster secret $secret (mode 0600)"
fi
if uses_tls "$conf"; then
  bash "$repo_root/scripts/make-certs.sh" "$conf"
fi

ids=()
while read -r id host port; do
  ids+=("$id")
  if pid="$(node_pid "$conf" "$id")"; then
    echo "$id already running (pid $pid)"
  else
    start_node "$conf" "$id"
  fi
done < <(list_nodes "$conf")
[ ${#ids[@]} -gt 0 ] || { echo "no node sections in $conf" >&2; exit 1; }

wait_healthy "$conf" "${ids[@]}" || exit 1
echo "waiting for every node to see all its peers (/readyz?all=1)..."
wait_ready "$conf" "${ids[@]}" || exit 1

while read -r id host port; do
  echo "$id ready: http://$host:$port/"
done < <(list_nodes "$conf")
echo "status: scripts/status.sh${1:+ $1}   restart one node: scripts/restart.sh NODE${1:+ $1}   stop: scripts/stop.sh${1:+ $1}"
