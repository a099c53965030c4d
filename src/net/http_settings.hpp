#pragma once
// Tunables of the HTTP front end.
#include <chrono>
#include <cstddef>
#include <string>

namespace chat::net {

/// Where and how the node serves HTTP and WebSocket.
struct http_settings {
  std::string node_id;                       ///< reported by /healthz
  std::string address = "127.0.0.1";         ///< IPv4 or IPv6 literal to bind
  unsigned short port = 8101;                ///< 0 picks a free port
  std::size_t max_body_bytes = 1 << 20;      ///< larger bodies → 413 payload_too_large
  std::size_t attachment_max_bytes = 10 << 20; ///< body limit of the attachment upload route only
  std::size_t max_header_bytes = 16 * 1024;  ///< larger headers → 431 headers_too_large
  std::chrono::seconds read_timeout{30};     ///< idle or half-sent request → closed

  // TLS (https/wss): both set → every connection speaks TLS 1.2+.
  std::string tls_cert; ///< PEM certificate chain; empty: plain HTTP
  std::string tls_key;  ///< PEM private key of the chain's leaf

  // Open HTTP/WebSocket connections; over a cap → closed at accept. 0: no cap.
  std::size_t max_connections = 0;
  std::size_t max_connections_per_address = 0;
  bool cap_loopback = false; ///< loopback peers count against the per-address cap

  // WebSocket connections (GET /ws).
  std::size_t ws_max_frame_bytes = 64 * 1024; ///< larger inbound message → closed with 1009
  std::size_t ws_queue_frames = 1024;         ///< outbound queue bound, in frames …
  std::size_t ws_queue_bytes = 8 << 20;       ///< … and in bytes; over either → closed with 4008
  std::size_t ws_inbound_frames = 64;         ///< read, not yet handled by the actor: reading pauses
  std::chrono::seconds ws_close_timeout{2};   ///< a close not done by then drops the TCP connection
  std::chrono::seconds ws_idle_timeout{300};  ///< silent this long (a ping at half) → dropped
};

} // namespace chat::net
