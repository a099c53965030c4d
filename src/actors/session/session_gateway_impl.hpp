#pragma once
#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "actors/session/session_actor.hpp"
#include "actors/session/session_gateway.hpp"
#include "actors/session/socket_quota.hpp"

namespace chat {

class session_gateway::impl {
public:
  impl(caf::actor_system& sys, session_deps deps)
    : sys(sys), deps(std::move(deps)),
      sockets(std::make_shared<socket_quota>(this->deps.ctx->settings.ws_sockets_per_session)) {}
  caf::actor_system& sys;
  session_deps deps;
  std::shared_ptr<socket_quota> sockets; ///< live sockets per auth session on this node
};

} // namespace chat
