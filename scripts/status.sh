#!/usr/bin/env bash
# Shows, for every node of a cluster.conf: its pid (if started by these
# scripts and still running; "paused" if stopped by SIGSTOP), the status of
# GET /healthz (the process serves) and GET /readyz (200 while it serves), the
# peers it cannot reach (/readyz "missing"), and its URL. Exits 0 when every
# node answers and misses no peer, 1 otherwise.
#   scripts/status.sh [cluster.conf]
set -uo pipefail
source "$(dirname "$0")/lib.sh"
conf="$(realpath "${1:-$repo_root/cluster.conf}")"

all_ready=1
printf '%-8s %-8s %-8s %-8s %-8s %-12s %s\n' NODE PID STATE HEALTHZ READYZ MISSING URL
while read -r id host port; do
  pid="-"; state="stopped"; health="-"; ready="-"; missing="-"
  if p="$(node_pid "$conf" "$id")"; then
    pid="$p"; state="running"
    grep -q '^State:.*T' "/proc/$p/status" 2>/dev/null && state="paused"
  fi
  code="$(curl -s -m 2 -o /dev/null -w '%{http_code}' "http://$host:$port/healthz" 2>/dev/null)"
  [ "$code" = 000 ] || [ -z "$code" ] || health="$code"
  read -r code miss < <(readyz_state "$host" "$port")
  if [ "$code" != 000 ]; then
    ready="$code"; missing="${miss:-none}"
  fi
  [ "$ready" = 200 ] && [ "$missing" = none ] || all_ready=0
  printf '%-8s %-8s %-8s %-8s %-8s %-12s %s\n' "$id" "$pid" "$state" "$health" "$ready" \
    "$missing" "http://$host:$port/"
done < <(list_nodes "$conf")
[ $all_ready -eq 1 ]
