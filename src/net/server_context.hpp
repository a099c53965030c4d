#pragma once
// What every connection of one server shares, read-only once serving starts.
#include "net/http_settings.hpp"
#include "net/router.hpp"
#include "net/websocket_hooks.hpp"

namespace chat::net {

/// Settings, routes and the WebSocket gateway, shared by the listener and
/// all sessions.
struct server_context {
  http_settings settings;
  router routes;
  /// Ticket redemption and session actors for `GET /ws`; unset → 404.
  websocket_hooks websocket;
};

} // namespace chat::net
