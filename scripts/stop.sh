#!/usr/bin/env bash
# Stops every node of a cluster.conf started by start.sh (SIGTERM, then waits).
#   scripts/stop.sh [cluster.conf]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
conf="$(realpath "${1:-$repo_root/cluster.conf}")"

while read -r id host port; do
  pidfile="$(run_dir "$conf")/$id.pid"
  [ -f "$pidfile" ] || { echo "$id not running"; continue; }
  pid="$(cat "$pidfile")"
  if kill -TERM "$pid" 2>/dev/null; then
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      echo "$id did not stop in 10 s; killing" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
    echo "$id stopped"
  else
    echo "$id not running"
  fi
  rm -f "$pidfile"
done < <(list_nodes "$conf")
