#!/usr/bin/env bash
# Restarts one node of a cluster.conf: stops it gracefully (SIGTERM, waits up
# to 20 s for it to finish its writes and exit), starts it again on the same
# data dir, and waits until it answers /readyz?all=1 with 200 (it sees all
# its peers; at most $CHAT_READY_TIMEOUT s, default 30). Does not rebuild
# (run scripts/build.sh first to restart onto a new binary).
#   scripts/restart.sh NODE [cluster.conf]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
[ $# -ge 1 ] || { echo "usage: scripts/restart.sh NODE [cluster.conf]" >&2; exit 2; }
id="$1"
conf="$(realpath "${2:-$repo_root/cluster.conf}")"

if [ -z "$(node_addr "$conf" "$id")" ]; then
  echo "no node $id in $conf (nodes: $(list_nodes "$conf" | awk '{ print $1 }' | xargs))" >&2
  exit 2
fi
[ -x "$chatnode_bin" ] || { echo "$chatnode_bin not built: run scripts/start.sh" >&2; exit 1; }

if signal_stop "$conf" "$id"; then
  wait_stopped "$conf" "$id" 20 || true
  echo "$id stopped"
else
  echo "$id was not running"
fi
start_node "$conf" "$id"
wait_healthy "$conf" "$id" || exit 1
wait_ready "$conf" "$id" || exit 1
read -r host port < <(node_addr "$conf" "$id")
echo "$id ready again (pid $(node_pid "$conf" "$id")): http://$host:$port/"
