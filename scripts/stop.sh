#!/usr/bin/env bash
# Stops every node of a cluster.conf started by these scripts: SIGTERM to all
# at once (and SIGCONT, should one be stopped), then waits up to 20 s for each
# to finish its writes and exit; a node still running then is killed (kill -9)
# and the script exits 1. A stale pid file is removed, never acted on.
#   scripts/stop.sh [cluster.conf]
set -uo pipefail
source "$(dirname "$0")/lib.sh"
conf="$(realpath "${1:-$repo_root/cluster.conf}")"

signalled=()
while read -r id host port; do
  if signal_stop "$conf" "$id"; then
    signalled+=("$id")
  else
    echo "$id not running"
    rm -f "$(pid_file "$conf" "$id")"
  fi
done < <(list_nodes "$conf")

status=0
for id in "${signalled[@]}"; do
  if wait_stopped "$conf" "$id" 20; then echo "$id stopped"; else status=1; fi
done
exit $status
