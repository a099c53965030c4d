#pragma once
// What every connection of one server shares. Settings, routes and hooks
// are read-only once serving starts; the pointed-to objects (TLS source,
// connection caps, log throttle) are thread-safe and change while serving.
#include <memory>
#include <string_view>

#include "net/connection_limits.hpp"
#include "net/http_settings.hpp"
#include "net/log_throttle.hpp"
#include "net/router.hpp"
#include "net/tls_source.hpp"
#include "net/websocket_hooks.hpp"

namespace chat::net {

/// Settings, routes and the WebSocket gateway, shared by the listener and
/// all sessions.
struct server_context {
  http_settings settings;
  router routes;
  /// Ticket redemption and session actors for `GET /ws`; unset → 404.
  websocket_hooks websocket;
  /// The certificate of https/wss; null: plain HTTP.
  std::shared_ptr<tls_source> tls;
  /// Open-connection caps; null: none (unit tests).
  std::shared_ptr<connection_limits> limits;
  /// Lines caused by unauthenticated input share this throttle.
  std::shared_ptr<log_throttle> bad_input_log = std::make_shared<log_throttle>();
};

/// A throttled warning about input from a client not known to be anyone.
inline void log_bad_input(const server_context& ctx, std::string_view component,
                          std::string_view message, std::string_view reason) {
  log_throttled(*ctx.bad_input_log, component, message, reason);
}

} // namespace chat::net
