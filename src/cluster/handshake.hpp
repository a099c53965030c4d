#pragma once
// The cluster port's admission check, run on raw TCP before CAF sees a byte
// (CAF 0.17's BASP lets any peer address any registered actor, so nothing
// unauthenticated may reach it). Mutual challenge-response over the
// cluster key:
//   server -> client  magic(8) server_nonce(32)
//   client -> server  magic(8) client_nonce(32) name_len(1) name mac_c(32)
//   server -> client  mac_s(32)        then BASP takes over the socket
// mac_c = HMAC(K, "client" | server_nonce | client_nonce | name)
// mac_s = HMAC(K, "server" | client_nonce | server_nonce)
// K     = HMAC(secret, "chat:cluster")
#include <cstddef>
#include <string>
#include <string_view>

namespace chat::cluster::handshake {

inline constexpr std::string_view magic = "chatclu1";
inline constexpr std::size_t nonce_size = 32;
inline constexpr std::size_t mac_size = 32;
inline constexpr std::size_t max_name = 64;
inline constexpr std::size_t greeting_size = magic.size() + nonce_size;

/// The key both sides prove they hold.
std::string cluster_key(std::string_view secret);

std::string client_mac(std::string_view key, std::string_view server_nonce,
                       std::string_view client_nonce, std::string_view name);
std::string server_mac(std::string_view key, std::string_view server_nonce,
                       std::string_view client_nonce);

/// A peer's name: 1..64 printable ASCII characters.
bool valid_name(std::string_view name);

} // namespace chat::cluster::handshake
