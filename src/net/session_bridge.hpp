#pragma once
// Adapts the actors' session_gateway (CAF-free) to the WebSocket hooks.
#include <functional> // session_gateway.hpp uses std::function

#include "actors/session/session_gateway.hpp"
#include "net/websocket_hooks.hpp"

namespace chat::net {

/// Hooks that redeem tickets and open session actors through `gateway`.
websocket_hooks websocket_hooks_for(chat::session_gateway gateway);

} // namespace chat::net
