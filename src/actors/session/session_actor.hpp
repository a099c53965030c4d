#pragma once
// A session: one actor per WebSocket connection, on the node the client
// reached. It says hello, subscribes the connection with the node's relay,
// turns client frames into requests to conversations, and owns the
// connection's rate limit. It dies with the connection.
#include <string>

#include <caf/fwd.hpp>

#include "actors/auth/auth_api.hpp"
#include "actors/directory/directory_api.hpp"
#include "actors/node_context.hpp"
#include "actors/session/session_api.hpp"
#include "actors/session/connection_sink.hpp"
#include "schema/wire.hpp"

namespace chat {

struct session_deps {
  node_ref ctx;
  directory_api directory;
  auth_api auth;
};

session_api spawn_session(caf::actor_system& sys, session_deps deps, principal who, sink_ptr sink,
                         std::string remote);

} // namespace chat
