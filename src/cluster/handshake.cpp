#include "cluster/handshake.hpp"

#include "security/crypto.hpp"

namespace chat::cluster::handshake {

std::string cluster_key(std::string_view secret) {
  return security::derive_key(secret, "cluster");
}

std::string client_mac(std::string_view key, std::string_view server_nonce,
                       std::string_view client_nonce, std::string_view name) {
  std::string text = "client";
  text.append(server_nonce).append(client_nonce).append(name);
  return security::hmac_sha256(key, text);
}

std::string server_mac(std::string_view key, std::string_view server_nonce,
                       std::string_view client_nonce) {
  std::string text = "server";
  text.append(client_nonce).append(server_nonce);
  return security::hmac_sha256(key, text);
}

bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > max_name)
    return false;
  for (unsigned char c : name)
    if (c < 0x21 || c > 0x7e)
      return false;
  return true;
}

} // namespace chat::cluster::handshake
