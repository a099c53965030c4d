#!/usr/bin/env bash
# Creates, with the openssl CLI, the TLS files a cluster.conf names for its
# cluster port and that do not exist yet: the private CA (`tls_ca` in
# [cluster]; its key is kept beside it as <name>.key, mode 0600), each node's
# certificate and key (`tls_cert`/`tls_key` of its section, or the [cluster]
# defaults), and chatctl's (`chatctl_cert`/`chatctl_key`, if named). Node
# certificates carry the node's host as subjectAltName and serve as both
# server and client certificates (mutual TLS). Existing files are left alone;
# nothing is done for a config without tls_ca.
#   scripts/make-certs.sh [cluster.conf]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
conf="$(realpath "${1:-$repo_root/cluster.conf}")"
ca="$(tls_setting "$conf" cluster tls_ca)"
[ -n "$ca" ] || exit 0
command -v openssl >/dev/null || { echo "make-certs: openssl not found (scripts/install-deps.sh)" >&2; exit 1; }
ca_key="${ca%.pem}.key"
[ "$ca_key" != "$ca" ] || ca_key="$ca.key"
umask 077
days=825

new_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

if [ ! -f "$ca" ]; then
  mkdir -p "$(dirname "$ca")"
  new_key "$ca_key"
  openssl req -x509 -new -key "$ca_key" -subj "/CN=chat cluster CA" -days 3650 -out "$ca" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
  chmod 644 "$ca"
  echo "created cluster CA $ca (key $ca_key)"
fi

# issue CERT KEY NAME HOST: a certificate for NAME signed by the CA.
issue() {
  local cert="$1" key="$2" name="$3" host="$4" san
  [ -f "$cert" ] && [ -f "$key" ] && return 0
  [ -f "$ca_key" ] || { echo "make-certs: $cert is missing and the CA key $ca_key is not there to sign it" >&2; exit 1; }
  mkdir -p "$(dirname "$cert")" "$(dirname "$key")"
  [ -f "$key" ] || new_key "$key"
  if [[ "$host" =~ ^[0-9.]+$ || "$host" == *:* ]]; then san="IP:$host"; else san="DNS:$host"; fi
  openssl req -new -key "$key" -subj "/CN=$name" 2>/dev/null \
    | openssl x509 -req -CA "$ca" -CAkey "$ca_key" -set_serial "0x$(openssl rand -hex 16)" \
        -days $days -out "$cert" 2>/dev/null \
        -extfile <(printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth,clientAuth\n' "$san")
  chmod 644 "$cert"
  echo "created certificate $cert for $name"
}

default_cert="$(tls_setting "$conf" cluster tls_cert)"
default_key="$(tls_setting "$conf" cluster tls_key)"
while read -r id host _; do
  cert="$(tls_setting "$conf" "$id" tls_cert)"; cert="${cert:-$default_cert}"
  key="$(tls_setting "$conf" "$id" tls_key)"; key="${key:-$default_key}"
  [ -n "$cert" ] && [ -n "$key" ] || { echo "make-certs: node $id has no tls_cert/tls_key in $conf" >&2; exit 1; }
  issue "$cert" "$key" "$id" "$host"
done < <(list_nodes "$conf")

chatctl_cert="$(tls_setting "$conf" cluster chatctl_cert)"
chatctl_key="$(tls_setting "$conf" cluster chatctl_key)"
if [ -n "$chatctl_cert" ] && [ -n "$chatctl_key" ]; then
  issue "$chatctl_cert" "$chatctl_key" chatctl 127.0.0.1
fi
