#pragma once
// What the WebSocket endpoint needs from the actors, as plain callables, so
// that http_session and websocket_session never name the actors' types (and
// can be tested over real sockets with fakes). session_bridge fills these
// from a chat::session_gateway.
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "actors/session/connection_sink.hpp"
#include "schema/outcome.hpp"
#include "schema/wire.hpp"

namespace chat::net {

/// The one path that upgrades (`GET /ws?ticket=T`). The upgrade is matched
/// before routing, so it is not in the router's table.
inline constexpr std::string_view websocket_path = "/ws";

struct websocket_hooks {
  /// Redeems a single-use ticket; `done` may run on any thread.
  std::function<void(std::string ticket, std::function<void(outcome<principal>)> done)> redeem;
  /// Starts the session of an accepted connection, which pushes through `sink`.
  /// `remote` is the peer's "ip:port".
  std::function<std::unique_ptr<session_inbound>(principal who, sink_ptr sink, std::string remote)>
    open;

  /// Both set: `GET /ws` is served (a 404 otherwise).
  explicit operator bool() const noexcept { return redeem && open; }
};

} // namespace chat::net
