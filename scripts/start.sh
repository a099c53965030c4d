#!/usr/bin/env bash
# Sets up, builds and starts every node of a cluster.conf on this machine in
# the background (logs in var/log/, pids in var/run/), then waits until each
# answers /healthz and prints the URLs.
#   scripts/start.sh [cluster.conf]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
conf="$(realpath "${1:-$repo_root/cluster.conf}")"

bash "$repo_root/scripts/build.sh"

secret="$(secret_path "$conf")"
if [ ! -f "$secret" ]; then
  mkdir -p "$(dirname "$secret")"
  (umask 077 && head -c 48 /dev/urandom | base64 -w0 > "$secret")
  echo "created cluster secret $secret (mode 0600)"
fi

mkdir -p "$(run_dir "$conf")" "$(log_dir "$conf")"
while read -r id host port; do
  pidfile="$(run_dir "$conf")/$id.pid"
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    echo "$id already running (pid $(cat "$pidfile"))"
    continue
  fi
  nohup "$chatnode_bin" --config "$conf" --node "$id" >>"$(log_dir "$conf")/$id.log" 2>&1 &
  echo $! > "$pidfile"
done < <(list_nodes "$conf")

failed=0
while read -r id host port; do
  ok=0
  for _ in $(seq 1 100); do
    if curl -fsS "http://$host:$port/healthz" >/dev/null 2>&1; then ok=1; break; fi
    kill -0 "$(cat "$(run_dir "$conf")/$id.pid")" 2>/dev/null || break
    sleep 0.1
  done
  if [ $ok -eq 1 ]; then
    echo "$id ready: http://$host:$port/"
  else
    echo "$id did not start; last log lines:" >&2
    tail -n 5 "$(log_dir "$conf")/$id.log" >&2
    failed=1
  fi
done < <(list_nodes "$conf")
[ $failed -eq 0 ] && echo "stop with: scripts/stop.sh${1:+ $1}"
exit $failed
