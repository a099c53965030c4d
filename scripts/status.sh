#!/usr/bin/env bash
# Shows, for every node of a cluster.conf: pid, and whether /healthz answers.
#   scripts/status.sh [cluster.conf]
set -uo pipefail
source "$(dirname "$0")/lib.sh"
conf="$(realpath "${1:-$repo_root/cluster.conf}")"

printf '%-8s %-8s %-8s %s\n' NODE PID STATE URL
while read -r id host port; do
  pidfile="$(run_dir "$conf")/$id.pid"
  pid="-"; state="stopped"
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    pid="$(cat "$pidfile")"
    if curl -fsS "http://$host:$port/healthz" >/dev/null 2>&1; then state="up"; else state="starting"; fi
  fi
  printf '%-8s %-8s %-8s %s\n' "$id" "$pid" "$state" "http://$host:$port/"
done < <(list_nodes "$conf")
