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
