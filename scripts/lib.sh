# shellcheck shell=bash
# Shared helpers for the scripts in this folder (sourced, not run).
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${CHAT_BUILD_DIR:-$repo_root/build}"
chatnode_bin="$build_dir/src/chatnode"

# Prints "id host http_port" for every node section of a cluster.conf.
list_nodes() {
  awk '
    function flush() { if (id != "" && id != "cluster") print id, host, port }
    /^[[:space:]]*[;#]/ { next }
    /^[[:space:]]*\[/ { flush(); id = $0; gsub(/[][[:space:]]/, "", id); host = "127.0.0.1"; port = ""; next }
    /=/ { line = $0; sub(/[[:space:]][;#].*$/, "", line); split(line, kv, "=");
          key = kv[1]; val = kv[2]; gsub(/[[:space:]]/, "", key); gsub(/[[:space:]]/, "", val);
          if (key == "host") host = val; if (key == "http_port") port = val }
    END { flush() }' "$1"
}

# Prints the secret_file path of a cluster.conf, resolved against its folder.
secret_path() {
  local conf="$1" value
  value=$(awk -F= '/^[[:space:]]*secret_file[[:space:]]*=/ { v = $2; sub(/[[:space:]][;#].*$/, "", v); gsub(/[[:space:]]/, "", v); print v; exit }' "$conf")
  case "$value" in
    /*) echo "$value" ;;
    *) echo "$(cd "$(dirname "$conf")" && pwd)/$value" ;;
  esac
}

# Where a node's pid and log go: var/ beside the config file.
run_dir() { echo "$(cd "$(dirname "$1")" && pwd)/var/run"; }
log_dir() { echo "$(cd "$(dirname "$1")" && pwd)/var/log"; }

# Prints "host http_port" of one node of a cluster.conf (nothing if unknown).
node_addr() { list_nodes "$1" | awk -v id="$2" '$1 == id { print $2, $3 }'; }

pid_file() { echo "$(run_dir "$1")/$2.pid"; }

# Prints the pid of a node started by these scripts if that process is still
# a running chatnode (a stale pid file, or a pid reused by another program,
# prints nothing and fails).
node_pid() {
  local f pid cmd
  f="$(pid_file "$1" "$2")"
  [ -f "$f" ] || return 1
  pid="$(cat "$f")"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  cmd="$(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null)" || return 1
  [[ "$cmd" == *chatnode* ]] || return 1
  echo "$pid"
}

# Starts one node in the background (stderr and stdout to var/log/<id>.log).
start_node() {
  local conf="$1" id="$2"
  mkdir -p "$(run_dir "$conf")" "$(log_dir "$conf")"
  nohup "$chatnode_bin" --config "$conf" --node "$id" \
    </dev/null >>"$(log_dir "$conf")/$id.log" 2>&1 &
  echo $! > "$(pid_file "$conf" "$id")"
}

# Sends SIGTERM to one node (and SIGCONT, in case it is stopped); no waiting.
signal_stop() {
  local pid
  pid="$(node_pid "$1" "$2")" || return 1
  kill -TERM "$pid" 2>/dev/null
  kill -CONT "$pid" 2>/dev/null
  return 0
}

# Waits up to $3 seconds (default 20) for a node signalled by signal_stop to
# exit; kills it (SIGKILL) otherwise and fails. Removes its pid file.
wait_stopped() {
  local conf="$1" id="$2" limit="${3:-20}" pid i
  pid="$(node_pid "$conf" "$id")" || { rm -f "$(pid_file "$conf" "$id")"; return 0; }
  for ((i = 0; i < limit * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "$id did not stop within $limit s of SIGTERM; killing it (kill -9)" >&2
    kill -KILL "$pid" 2>/dev/null
    rm -f "$(pid_file "$conf" "$id")"
    return 1
  fi
  rm -f "$(pid_file "$conf" "$id")"
}

# Prints the HTTP status of GET /readyz (or of /readyz$3, e.g. "?all=1") and
# the ids in its "missing" list ("000" when nothing answers), e.g. "200 n2,n3"
# or "200 ". /readyz answers 200 while the node serves, naming the peers it
# cannot reach; /readyz?all=1 answers 503 while any peer is unreachable.
readyz_state() {
  local body code
  body="$(curl -sS -m 2 -w '\n%{http_code}' "http://$1:$2/readyz${3:-}" 2>/dev/null)"
  code="${body##*$'\n'}"
  body="${body%$'\n'*}"
  [ -n "$code" ] || code=000
  printf '%s %s\n' "$code" \
    "$(printf '%s' "$body" | sed -n 's/.*"missing":\[\([^]]*\)\].*/\1/p' | tr -d '" ')"
}

# Waits until each given node answers GET /healthz (its process serves), up
# to 20 s; a node whose process exits fails at once. Prints the log tail of a
# node that did not come up; fails if any did not.
wait_healthy() {
  local conf="$1" failed=0 id host port ok pid deadline=$((SECONDS + 20))
  shift
  for id in "$@"; do
    read -r host port < <(node_addr "$conf" "$id")
    ok=0
    while :; do
      if curl -fsS -m 2 "http://$host:$port/healthz" >/dev/null 2>&1; then ok=1; break; fi
      node_pid "$conf" "$id" >/dev/null || break
      [ $SECONDS -lt $deadline ] || break
      sleep 0.1
    done
    if [ $ok -eq 0 ]; then
      if pid="$(node_pid "$conf" "$id")"; then
        echo "$id (pid $pid) runs but did not answer /healthz within 20 s; last log lines ($(log_dir "$conf")/$id.log):" >&2
      else
        echo "$id did not start; last log lines ($(log_dir "$conf")/$id.log):" >&2
      fi
      tail -n 10 "$(log_dir "$conf")/$id.log" >&2
      failed=1
    fi
  done
  return $failed
}

# Waits until each given node answers GET /readyz?all=1 with 200 and nothing
# missing (it sees every peer), up to $CHAT_READY_TIMEOUT seconds (default
# 30). On timeout, prints each unready node's answer, missing peers and log
# tail, and fails.
wait_ready() {
  local conf="$1" limit="${CHAT_READY_TIMEOUT:-30}" id host port code missing pending still
  local deadline=$((SECONDS + ${CHAT_READY_TIMEOUT:-30}))
  shift
  pending=("$@")
  while :; do
    still=()
    for id in "${pending[@]}"; do
      read -r host port < <(node_addr "$conf" "$id")
      read -r code missing < <(readyz_state "$host" "$port" "?all=1")
      [ "$code" = 200 ] && [ -z "$missing" ] || still+=("$id")
    done
    pending=("${still[@]}")
    [ ${#pending[@]} -eq 0 ] && return 0
    [ $SECONDS -lt $deadline ] || break
    sleep 0.2
  done
  for id in "${pending[@]}"; do
    read -r host port < <(node_addr "$conf" "$id")
    read -r code missing < <(readyz_state "$host" "$port" "?all=1")
    echo "$id not ready after $limit s: /readyz?all=1 $code${missing:+, missing peers: $missing}; last log lines:" >&2
    tail -n 10 "$(log_dir "$conf")/$id.log" >&2
  done
  return 1
}

# Prints the value of KEY in SECTION of a cluster.conf ("cluster" or a node
# id) as a path resolved against the config's folder; nothing when unset.
tls_setting() {
  local conf="$1" section="$2" key="$3" value
  value=$(awk -v want="$section" -v key="$key" '
    /^[[:space:]]*[;#]/ { next }
    /^[[:space:]]*\[/ { s = $0; gsub(/[][[:space:]]/, "", s); next }
    s == want && /=/ { line = $0; sub(/[[:space:]][;#].*$/, "", line); split(line, kv, "=");
      k = kv[1]; v = kv[2]; gsub(/[[:space:]]/, "", k); gsub(/[[:space:]]/, "", v);
      if (k == key) { print v; exit } }' "$conf")
  [ -n "$value" ] || return 0
  case "$value" in
    /*) echo "$value" ;;
    *) echo "$(cd "$(dirname "$conf")" && pwd)/$value" ;;
  esac
}

# True when a cluster.conf turns TLS on for its cluster port (tls_ca set).
uses_tls() { [ -n "$(tls_setting "$1" cluster tls_ca)" ]; }
