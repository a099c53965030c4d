#pragma once
// Tunables of the HTTP front end.
#include <chrono>
#include <cstddef>
#include <string>

namespace chat::net {

/// Where and how the node serves HTTP.
struct http_settings {
  std::string node_id;                       ///< reported by /healthz
  std::string address = "127.0.0.1";         ///< IPv4 or IPv6 literal to bind
  unsigned short port = 8101;                ///< 0 picks a free port
  std::size_t max_body_bytes = 1 << 20;      ///< larger bodies → 413 payload_too_large
  std::size_t max_header_bytes = 16 * 1024;  ///< larger headers → 431 headers_too_large
  std::chrono::seconds read_timeout{30};     ///< idle or half-sent request → closed
};

} // namespace chat::net
